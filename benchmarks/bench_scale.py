"""Speed and scale: regionmap against geopandas ``explore()`` on the same data and view.

Run from the repository root (``pip install -e ".[bench]"`` first, for mapclassify, which
``explore()`` needs)::

    python benchmarks/bench_scale.py            # every case
    python benchmarks/bench_scale.py --quick    # skip the two synthetic big layers

For each case both tools build a map of the same layers for the same view in a fresh
process; the table gives the build time (features in memory to HTML), the HTML payload,
the peak memory (RSS) of that process, and the time until the map has drawn in headless
Chromium with the network blocked (file:// page; 60 s cap). Then it times ``regionmap add``
and ``regionmap validate`` of the two synthetic files. Synthetic data is generated here,
seeded, in a temporary folder; nothing is committed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

VIEWS = {
    "world": (-180.0, -60.0, 180.0, 84.0),
    "japan": (122.0, 24.0, 146.5, 46.0),
}
CASES = {
    # name: (view, layers) — "shipped" means every layer of the built-in catalog
    "world, shipped layers": ("world", "shipped"),
    "Japan, shipped layers": ("japan", "shipped"),
    "200,000 points": ("world", "points"),
    "~50 MB polygons": ("world", "polygons"),
}


def make_points(path: Path, count: int = 200_000, seed: int = 7) -> None:
    """A seeded layer of random named points."""
    rng = random.Random(seed)
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"point {i}", "value": rng.randint(0, 1000)},
            "geometry": {
                "type": "Point",
                "coordinates": [round(rng.uniform(-180, 180), 5), round(rng.uniform(-80, 80), 5)],
            },
        }
        for i in range(count)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def make_polygons(path: Path, count: int = 12_800, seed: int = 7) -> None:
    """A seeded layer of wobbly polygons, about 50 MB of GeoJSON."""
    rng = random.Random(seed)
    features = []
    for i in range(count):
        cx, cy, r, n = rng.uniform(-170, 170), rng.uniform(-70, 70), rng.uniform(0.05, 0.5), 150
        ring = [
            [
                round(cx + r * math.cos(2 * math.pi * k / n) * (1 + 0.2 * math.sin(5 * k)), 6),
                round(cy + r * math.sin(2 * math.pi * k / n), 6),
            ]
            for k in range(n)
        ]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "properties": {"name": f"polygon {i}"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _layers(kind: str, catalog_dir: str, view: str) -> list:
    """The loaded layers of a case (regionmap's own loader, also feeding explore())."""
    from regionmap.catalog import Catalog
    from regionmap.view import resolution_for_bbox

    if kind == "shipped":
        catalog = Catalog()
        resolution = resolution_for_bbox(VIEWS[view])
        return [catalog.load(i, resolution=resolution) for i in catalog.ids()]
    return [Catalog(catalog_dir).load(kind)]


def child(tool: str, case: str, catalog_dir: str, out: str) -> None:
    """Build one map in this process and print its figures as JSON."""
    view, kind = CASES[case]
    bbox = VIEWS[view]
    layers = _layers(kind, catalog_dir, view)
    # Imports happen before the clock starts, for both tools.
    import folium  # noqa: F401
    import mapclassify  # noqa: F401

    from regionmap.citations import number_sources
    from regionmap.render import build_map, map_html
    from regionmap.view import order_layers, select_features

    start = time.perf_counter()
    if tool == "regionmap":
        shown = [(la, select_features(la, bbox=bbox)) for la in order_layers(layers)]
        html = map_html(build_map(shown, bbox=bbox, bibliography=number_sources(shown)))
    else:
        m = None
        for layer in layers:
            frame = layer.frame
            m = frame.explore(m=m, name=layer.id)
        m.fit_bounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]])
        html = m.get_root().render()
    build = time.perf_counter() - start
    Path(out).write_text(html, encoding="utf-8")
    print(json.dumps({"build_s": build, "bytes": len(html.encode()), "rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; unlike ru_maxrss it does not survive exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_cli(args: list[str]) -> None:
    """Run the regionmap CLI in this process and print its wall time and peak RSS."""
    from regionmap.cli import cli

    start = time.perf_counter()
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
    print(json.dumps({"s": time.perf_counter() - start, "rss_mb": peak_rss_mb()}))


def visible_seconds(path: Path) -> float | None:
    """Seconds from navigation until the map has drawn features, or None after 60 s."""
    from browser import chromium_page, chromium_skip_reason

    if chromium_skip_reason():
        return None
    with chromium_page(timeout_ms=60_000) as page:
        start = time.perf_counter()
        try:
            page.goto(path.as_uri(), wait_until="commit", timeout=60_000)
            page.wait_for_function(
                "() => document.querySelector('.leaflet-container') &&"
                " document.querySelector('path.leaflet-interactive, canvas')",
                timeout=60_000,
            )
        except Exception:  # a time-out is a result: the peer never drew
            return None
        return time.perf_counter() - start


def timed(args: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `regionmap` command in a fresh process."""
    proc = subprocess.run(
        [sys.executable, __file__, "--cli", *args], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    fig = json.loads(proc.stdout.strip().splitlines()[-1])
    return fig["s"], fig["rss_mb"]


def main() -> None:
    """Run every case for both tools and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the synthetic big layers")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--cli", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cli:
        run_cli(args.cli)
        return
    if args.child:
        child(*args.child)
        return
    from bench_app import machine

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        catalog = work / "catalog"
        cases = list(CASES)
        if args.quick:
            cases = cases[:2]
        else:
            make_points(work / "points.geojson")
            make_polygons(work / "polygons.geojson")
            print("\n| file | MB | add s | add peak RSS MB | validate s | validate peak RSS MB |")
            print("|---|---|---|---|---|---|")
            for name in ("points", "polygons"):
                src = work / f"{name}.geojson"
                add = ["add", str(src), "--id", name, "--title", name, "--license", "CC0-1.0",
                       "--source-title", "synthetic", "--source-url",
                       "https://example.org/synthetic", "--catalog", str(catalog)]  # fmt: skip
                add_s, rss = timed(add)
                validate_s, validate_rss = timed(["validate", name, "--catalog", str(catalog)])
                size = src.stat().st_size / 1e6
                print(f"| {name} | {size:.1f} | {add_s:.1f} | {rss:.0f} | {validate_s:.1f} | "
                      f"{validate_rss:.0f} |")  # fmt: skip
        print("\n| case | tool | build s | payload MB | peak RSS MB | visible in Chromium s |")
        print("|---|---|---|---|---|---|")
        for case in cases:
            for tool in ("regionmap", "explore()"):
                out = work / f"{abs(hash((case, tool)))}.html"
                proc = subprocess.run(
                    [sys.executable, __file__, "--child", tool.rstrip("()"), case,
                     str(catalog), str(out)],
                    capture_output=True, text=True,
                )  # fmt: skip
                if proc.returncode != 0:
                    print(f"| {case} | {tool} | failed: {proc.stderr.strip()[-120:]} | | | |")
                    continue
                fig = json.loads(proc.stdout.strip().splitlines()[-1])
                seen = visible_seconds(out)
                shown = f"{seen:.1f}" if seen is not None else "not drawn in 60 s"
                print(
                    f"| {case} | {tool} | {fig['build_s']:.2f} | {fig['bytes'] / 1e6:.2f} | "
                    f"{fig['rss_mb']:.0f} | {shown} |"
                )


if __name__ == "__main__":
    main()
