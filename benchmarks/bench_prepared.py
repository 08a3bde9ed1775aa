"""Cold load of a big layer: full check of its GeoJSON against its check record.

Run from the repository root::

    python benchmarks/bench_prepared.py                 # one million points
    python benchmarks/bench_prepared.py --count 200000

The points are those of ``bench_tiles.py`` (seeded, clustered around Natural Earth's populated
places when ``../shared/realworld/`` is present), added with ``regionmap add --no-tiles`` to a
temporary catalog. Each load is a fresh process, as an app's cold start is: the first load
checks every feature and writes ``data/<id>.checked.json`` (:mod:`regionmap.prepared`); the
second finds the record current and parses the file once. Each then builds the layer's
GeoDataFrame (what the figures draw from): the first from the feature dicts, writing the
GeoParquet copy, the second from that copy. The reference, measured in the same
run, is ``json.load`` of the same file: the least any Python tool that reads it must do.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _peak_mb() -> float:
    """This process's peak RSS in MB (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(kind: str, *args: str) -> None:
    """One measured step, printed as JSON (imports outside the clock)."""
    import geopandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from regionmap.catalog import Catalog

    start = time.perf_counter()
    if kind == "json-load":
        with open(args[0], encoding="utf-8") as handle:
            count = len(json.load(handle)["features"])
    else:
        layer = Catalog(args[0], root=Path(args[0]) / "no-builtin").load(args[1])
        assert layer.ok, layer.problems[:3]
        count = len(layer.features)
    seconds = time.perf_counter() - start
    frame_s = None
    if kind == "load":  # the GeoDataFrame the figures draw from
        start = time.perf_counter()
        assert len(layer.frame) == count
        frame_s = time.perf_counter() - start
    print(json.dumps({"s": seconds, "frame_s": frame_s, "mb": _peak_mb(), "n": count}))


def _run(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate, add, then time the loads and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from bench_app import machine
    from bench_tiles import make_points

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src, catalog = work / "points.geojson", work / "catalog"
        origin = make_points(src, args.count)
        subprocess.run(
            [sys.executable, "-m", "regionmap", "add", str(src), "--id", "points",
             "--title", "Points", "--license", "CC0-1.0", "--source-title", "synthetic",
             "--source-url", "https://example.org/synthetic", "--no-tiles",
             "--catalog", str(catalog)],
            check=True, capture_output=True,
        )  # fmt: skip
        stored = catalog / "data" / "points.geojson"
        print(f"machine: {machine()}")
        print(f"data: {args.count:,} points, {stored.stat().st_size / 1e6:.0f} MB; {origin}\n")
        ref = _run("json-load", str(stored))
        full = _run("load", str(catalog), "points")
        record = catalog / "data" / "points.checked.json"
        fast = _run("load", str(catalog), "points")
        print("| cold load | s | × json.load | then its frame s | peak RSS MB | × json.load |")
        print("|---|---|---|---|---|---|")
        for name, fig in (
            ("json.load of the file (reference)", ref),
            ("catalog load, full check (first)", full),
            ("catalog load, check record current", fast),
        ):
            frame = f"{fig['frame_s']:.1f}" if fig["frame_s"] is not None else ""
            print(
                f"| {name} | {fig['s']:.1f} | {fig['s'] / ref['s']:.2f} | {frame} | "
                f"{fig['mb']:.0f} | {fig['mb'] / ref['mb']:.2f} |"
            )
        print(f"\nrecord: {record.stat().st_size} bytes" if record.exists() else "\nno record")
        parquet = catalog / "data" / "points.frame.parquet"
        if parquet.exists():
            print(f"frame copy (GeoParquet): {parquet.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
