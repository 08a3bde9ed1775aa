"""Big layers: `regionmap add` of one million points, cut into vector tiles, against references.

Run from the repository root (``pip install -e ".[bench]"`` first, for ``explore()``)::

    python benchmarks/bench_tiles.py                 # one million points
    python benchmarks/bench_tiles.py --count 200000  # a quicker run
    python benchmarks/bench_tiles.py --no-explore    # skip geopandas explore()

The points are generated here, seeded, in a temporary folder (nothing is committed): each is
a populated place of Natural Earth's 10m file in ``../shared/realworld/`` (when present; else
5,000 seeded random centres) moved by a seeded Gaussian jitter of about 5 km, with a name and
a date, so the layer is as clustered as real event or place data. Every figure comes from a
fresh process and is printed next to its reference from the same run:

- ``regionmap add --tiles`` against ``json.load`` of the same file (reading it once is the
  least any tool that takes GeoJSON must do) and against tippecanoe alone on the file;
- peak memory as regionmap's own peak plus tippecanoe's peak on the same file (measured alone:
  a forked child's ``ru_maxrss`` counts its parent's pages; the sum is an upper bound, as the
  two overlap only while the tiles are cut), against ``json.load``'s;
- geopandas ``explore()`` on the same data: the HTML it writes and whether Chromium draws it.

Targets (issue 17): add ≤ 90 s and ≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
PLACES = ROOT.parent / "shared" / "realworld" / "ne_10m_populated_places_simple.json"
ADD_TARGET_S = 90.0
ADD_TARGET_MB = 1536.0


def centres(rng: random.Random) -> tuple[list[tuple[float, float]], str]:
    """Natural Earth's populated places, or seeded random centres when the file is absent."""
    if PLACES.is_file():
        features = json.loads(PLACES.read_text(encoding="utf-8"))["features"]
        points = [tuple(f["geometry"]["coordinates"][:2]) for f in features]
        return points, f"{len(points):,} Natural Earth 10m populated places"
    points = [(rng.uniform(-170, 170), rng.uniform(-55, 70)) for _ in range(5000)]
    return points, "5,000 seeded random centres"


def positions(count: int, seed: int = 17) -> tuple[Iterator[tuple[float, float]], str]:
    """``count`` seeded (lon, lat) positions about 5 km around the centres; and how placed."""
    rng = random.Random(seed)
    around, how = centres(rng)

    def jittered() -> Iterator[tuple[float, float]]:
        for _ in range(count):
            lon, lat = rng.choice(around)
            lat = max(-89.9, min(89.9, lat + rng.gauss(0, 0.045)))
            lon = lon + rng.gauss(0, 0.045 / max(0.2, math.cos(math.radians(lat))))
            yield round((lon + 180) % 360 - 180, 5), round(lat, 5)

    return jittered(), how


def make_points(path: Path, count: int, seed: int = 17) -> str:
    """Write ``count`` seeded points, one feature per line; return how they were placed."""
    rng = random.Random(seed + 1)
    first = dt.date(1950, 1, 1).toordinal()
    days = dt.date(2025, 12, 31).toordinal() - first
    placed, how = positions(count, seed)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        for i, (lon, lat) in enumerate(placed):
            day = dt.date.fromordinal(first + rng.randrange(days)).isoformat()
            feature = {
                "type": "Feature",
                "properties": {"name": f"event {i}", "date": day},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            out.write(("," if i else "") + json.dumps(feature, separators=(",", ":")) + "\n")
        out.write("]}\n")
    return how


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_peak_mb() -> float:
    """The peak RSS of the largest child process waited for (tippecanoe), in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def measured(what: list[str], timeout: float | None = None) -> dict | None:
    """Run ``what`` (a mode of this script) in a fresh process; its figures as a dict.

    With ``timeout``, a step still running then is stopped with everything it started (its
    own process group: Chromium too) and gives None.
    """
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", *what],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    if proc.returncode != 0:
        raise SystemExit(f"{what[0]} failed:\n{out[-2000:]}\n{err[-2000:]}")
    return json.loads(out.strip().splitlines()[-1])


def child(mode: str, *args: str) -> None:
    """One measured step, in this process; prints its figures as JSON."""
    if mode == "drawn":
        print(json.dumps({"s": _drawn_here(Path(args[0]), float(args[1]))}))
        return
    start = time.perf_counter()
    if mode == "json":
        with open(args[0], encoding="utf-8") as handle:
            json.load(handle)
    elif mode == "tippecanoe":
        from regionmap.tiles import build_pmtiles

        build_pmtiles(Path(args[0]), "points", target=Path(args[1]))
    elif mode == "add":
        from regionmap.cli import cli

        try:
            cli.main(["add", *args], standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise
    elif mode == "explore":
        import geopandas

        frame = geopandas.read_file(args[0], engine="pyogrio")
        html = frame.explore().get_root().render()
        Path(args[1]).write_text(html, encoding="utf-8")
    seconds = time.perf_counter() - start
    print(json.dumps({"s": seconds, "rss_mb": peak_rss_mb(), "child_mb": child_peak_mb()}))


def drawn_seconds(path: Path, cap_s: float = 60.0) -> float | None:
    """Seconds until Chromium (network blocked) drew the page's map, or None after the cap.

    Measured in a process of its own, stopped a minute after the cap: a renderer busy
    parsing a page of hundreds of megabytes does not answer Playwright's own time-outs.
    """
    found = measured(["drawn", str(path), str(cap_s)], timeout=cap_s + 60)
    return found["s"] if found else None


def _drawn_here(path: Path, cap_s: float) -> float | None:
    """:func:`drawn_seconds`, in this process."""
    from browser import chromium_page, chromium_skip_reason

    if chromium_skip_reason():
        return None
    cap = int(cap_s * 1000)
    with chromium_page(timeout_ms=cap) as page:
        start = time.perf_counter()
        try:
            page.goto(path.as_uri(), wait_until="commit", timeout=cap)
            page.wait_for_function(
                "() => document.querySelector('path.leaflet-interactive, canvas')", timeout=cap
            )
        except Exception:  # a time-out is a result: the page never drew
            return None
        return time.perf_counter() - start


def main() -> None:
    """Generate the points, measure each step in a fresh process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="points to generate")
    parser.add_argument("--no-explore", action="store_true", help="skip geopandas explore()")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from bench_app import machine

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "points.geojson"
        how = make_points(source, args.count)
        size_mb = source.stat().st_size / 1e6
        print(f"{args.count:,} points around {how}: {size_mb:.0f} MB of GeoJSON\n")
        reference = measured(["json", str(source)])
        alone = measured(["tippecanoe", str(source), str(work / "alone.pmtiles")])
        catalog = work / "catalog"
        add = measured(
            ["add", str(source), "--id", "points", "--title", "Points", "--license", "CC0-1.0",
             "--source-title", "synthetic", "--source-url", "https://example.org/synthetic",
             "--catalog", str(catalog), "--tiles"]
        )  # fmt: skip
        archive = catalog / "data" / "points.pmtiles"
        add_mb = add["rss_mb"] + alone["child_mb"]
        ok_s = "met" if add["s"] <= ADD_TARGET_S else "MISSED"
        ok_mb = "met" if add_mb <= ADD_TARGET_MB else "MISSED"
        print("| step | s | × json.load | peak RSS MB | × json.load | target |")
        print("|---|---|---|---|---|---|")
        ref_s, ref_mb = reference["s"], reference["rss_mb"]
        print(f"| json.load of the file (reference) | {ref_s:.1f} | 1.00 | {ref_mb:.0f} | 1.00 | |")
        print(
            f"| tippecanoe alone | {alone['s']:.1f} | {alone['s'] / ref_s:.2f} | "
            f"{alone['child_mb']:.0f} | {alone['child_mb'] / ref_mb:.2f} | |"
        )
        print(
            f"| regionmap add --tiles | {add['s']:.1f} | {add['s'] / ref_s:.2f} | "
            f"{add['rss_mb']:.0f} + {alone['child_mb']:.0f} | {add_mb / ref_mb:.2f} | "
            f"≤ {ADD_TARGET_S:.0f} s ({ok_s}), ≤ {ADD_TARGET_MB:.0f} MB ({ok_mb}) |"
        )
        print(f"\narchive: {archive.stat().st_size / 1e6:.1f} MB ({archive.name})")
        if args.no_explore:
            return
        html = work / "explore.html"
        try:
            peer = measured(["explore", str(source), str(html)])
        except SystemExit as exc:
            print(f"explore(): failed ({str(exc)[-200:]})")
            return
        seen = drawn_seconds(html)
        shown = f"{seen:.1f} s" if seen is not None else "not drawn in 60 s"
        print(
            f"explore() on the same data: {peer['s']:.1f} s to HTML, "
            f"{html.stat().st_size / 1e6:.0f} MB, peak RSS {peer['rss_mb']:.0f} MB, "
            f"Chromium: {shown}"
        )


if __name__ == "__main__":
    main()
