"""One million points: ``regionmap add`` (validation, GeoJSON, PMTiles) against named references.

Run from the repository root (``pip install -e ".[bench]"`` first, for mapclassify, which
``explore()`` needs)::

    python benchmarks/bench_tiles.py                 # 1,000,000 points
    python benchmarks/bench_tiles.py --count 200000  # a quicker run
    python benchmarks/bench_tiles.py --no-explore    # skip geopandas explore()

The points are generated here, seeded, in a temporary folder (nothing is committed): each is
one of the 7,343 places of Natural Earth's ``ne_10m_populated_places_simple.json`` (from
``../shared/realworld/``), picked with probability growing with the square root of its
population, moved by gaussian jitter (sigma 0.05 to 0.3 degrees by how big the place is), and
given a ``name``, a ``date`` (ISO day in 1990-2024) and a ``year``. Without that file the
centres are a seeded synthetic set of 7,343 clustered places instead; the table says which.

Every figure comes from a fresh process. Peak memory is the largest sum of the resident set
sizes of a command's process tree (Python and tippecanoe together), sampled every 50 ms.
Times and memory are printed with their ratio to references measured in the same run:
``json.load`` of the file (the least any Python tool that reads it must do), and tippecanoe
alone on the same file (the cutting, without regionmap's checks).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

PLACES = ROOT.parent / "shared" / "realworld" / "ne_10m_populated_places_simple.json"
ADD_TARGET_S = 90.0
ADD_TARGET_MB = 1500.0


def _centres(seed: int) -> tuple[list[tuple[float, float, str, float]], str]:
    """(lon, lat, name, population) of the places the points cluster around, and their origin."""
    import numpy as np

    if PLACES.is_file():
        data = json.loads(PLACES.read_text(encoding="utf-8"))
        rows = []
        for feature in data["features"]:
            lon, lat = feature["geometry"]["coordinates"][:2]
            props = feature["properties"]
            rows.append((lon, lat, str(props.get("name") or "place"), float(props["pop_max"] or 1)))
        return rows, "Natural Earth 10m populated places (7,343), gaussian jitter"
    rng = np.random.default_rng(seed)
    lons = rng.uniform(-170, 170, 7343)
    lats = np.clip(rng.normal(25, 25, 7343), -60, 75)
    pops = rng.pareto(1.2, 7343) * 10_000 + 1_000
    return [
        (float(x), float(y), f"place {i}", float(p))
        for i, (x, y, p) in enumerate(zip(lons, lats, pops, strict=True))
    ], "synthetic clustered places (7,343, seeded), gaussian jitter"


def make_points(path: Path, count: int, seed: int = 17) -> str:
    """Write ``count`` seeded points clustered around places; return where the centres came from."""
    import numpy as np
    import orjson

    centres, origin = _centres(seed)
    rng = np.random.default_rng(seed)
    lon0 = np.array([c[0] for c in centres])
    lat0 = np.array([c[1] for c in centres])
    pop = np.array([c[3] for c in centres])
    weight = np.sqrt(np.maximum(pop, 1.0))
    pick = rng.choice(len(centres), size=count, p=weight / weight.sum())
    sigma = np.clip(0.05 * np.log10(np.maximum(pop[pick], 10.0)) - 0.1, 0.05, 0.3)
    lon = np.round(lon0[pick] + rng.normal(0.0, 1.0, count) * sigma, 5)
    lat = np.round(np.clip(lat0[pick] + rng.normal(0.0, 1.0, count) * sigma, -89.9, 89.9), 5)
    lon = np.round(((lon + 180.0) % 360.0) - 180.0, 5)
    day0 = dt.date(1990, 1, 1).toordinal()
    days = rng.integers(0, dt.date(2024, 12, 31).toordinal() - day0 + 1, count)
    with path.open("wb") as out:
        out.write(b'{"type":"FeatureCollection","features":[\n')
        for i in range(count):
            date = dt.date.fromordinal(day0 + int(days[i]))
            feature = {
                "type": "Feature",
                "properties": {
                    "name": f"{centres[pick[i]][2]} event {i}",
                    "date": date.isoformat(),
                    "year": date.year,
                },
                "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
            }
            out.write((b",\n" if i else b"") + orjson.dumps(feature))
        out.write(b"\n]}\n")
    return origin


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack += children.get(current, [])
    return total / 1e6


def measured(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak tree RSS (MB) and stdout of one command in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} ... failed:\n{out}\n{err[-2000:]}")
    return seconds, peak, out


def child(kind: str, *args: str) -> None:
    """The work of one measured process (run as ``--child KIND ARGS``)."""
    if kind == "json-load":
        with open(args[0], encoding="utf-8") as fh:
            json.load(fh)
    elif kind == "tippecanoe":
        from regionmap.tiles import build_pmtiles

        build_pmtiles(Path(args[0]), "points", target=Path(args[1]))
    elif kind == "load":  # the catalog's loading path, as the app's cold start takes it
        from regionmap.catalog import Catalog

        start = time.perf_counter()
        layer = Catalog(args[0]).load(args[1])
        assert layer.ok, layer.problems[:3]
        print(json.dumps({"s": time.perf_counter() - start, "n": len(layer.features)}))
    elif kind == "explore":
        import folium  # noqa: F401  (imports before the clock, as in bench_scale.py)
        import mapclassify  # noqa: F401

        from regionmap.catalog import Catalog

        frame = Catalog(args[0]).load(args[1]).frame
        start = time.perf_counter()
        html = frame.explore(name=args[1]).get_root().render()
        Path(args[2]).write_text(html, encoding="utf-8")
        print(json.dumps({"s": time.perf_counter() - start, "bytes": len(html.encode())}))
    else:
        raise SystemExit(f"unknown child {kind}")


def main() -> None:
    """Generate the points, run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--no-explore", action="store_true", help="skip geopandas explore()")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from bench_app import machine

    me = [sys.executable, __file__, "--child"]
    cli = [sys.executable, "-m", "regionmap"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "points.geojson"
        catalog = work / "catalog"
        start = time.perf_counter()
        origin = make_points(src, args.count)
        print(f"machine: {machine()}")
        print(f"data: {args.count:,} points, {src.stat().st_size / 1e6:.0f} MB GeoJSON; {origin}")
        print(f"(generated in {time.perf_counter() - start:.0f} s)\n")
        ref_s, ref_mb, _ = measured([*me, "json-load", str(src)])
        tip_s, tip_mb, _ = measured([*me, "tippecanoe", str(src), str(work / "alone.pmtiles")])
        add_s, add_mb, _ = measured(
            [*cli, "add", str(src), "--id", "points", "--title", "A million points",
             "--license", "CC0-1.0", "--source-title", "synthetic",
             "--source-url", "https://example.org/synthetic", "--date", "date",
             "--catalog", str(catalog)]
        )  # fmt: skip
        archive = catalog / "data" / "points.pmtiles"
        size = f"archive {archive.stat().st_size / 1e6:.1f} MB" if archive.exists() else "none"
        rows = [
            ("json.load of the file (reference)", ref_s, ref_mb, ""),
            ("tippecanoe alone (reference)", tip_s, tip_mb, ""),
            ("regionmap add (checks, GeoJSON, PMTiles)", add_s, add_mb, size),
        ]  # fmt: skip
        load_s, load_mb, load_out = measured([*me, "load", str(catalog), "points"])
        rows.append(
            ("catalog load, cold process", load_s, load_mb,
             f"load call {json.loads(load_out)['s']:.1f} s")
        )  # fmt: skip
        if not args.no_explore:
            out = work / "explore.html"
            ex_s, ex_mb, ex_out = measured([*me, "explore", str(catalog), "points", str(out)])
            fig = json.loads(ex_out)
            rows.append(
                ("geopandas explore() (load + build)", ex_s, ex_mb,
                 f"build {fig['s']:.0f} s, HTML {fig['bytes'] / 1e6:.0f} MB")
            )  # fmt: skip
        print("| step | s | × json.load | × tippecanoe | peak RSS MB | × json.load | notes |")
        print("|---|---|---|---|---|---|---|")
        for name, seconds, mb, note in rows:
            print(
                f"| {name} | {seconds:.1f} | {seconds / ref_s:.1f} | {seconds / tip_s:.1f} | "
                f"{mb:.0f} | {mb / ref_mb:.1f} | {note} |"
            )
        verdict = "met" if add_s <= ADD_TARGET_S and add_mb <= ADD_TARGET_MB else "missed"
        print(
            f"\nregionmap add: {add_s:.0f} s (target {ADD_TARGET_S:.0f} s), {add_mb:.0f} MB "
            f"(target {ADD_TARGET_MB:.0f} MB): {verdict}"
        )


if __name__ == "__main__":
    main()
