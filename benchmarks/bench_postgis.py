"""The PostGIS catalog at scale: a 1M-feature point layer, and two app servers on one database.

Prints, for the same generated data (seeded) in the two stores, each figure as seconds and
as a ratio to the folder store measured in the same run:

- add: ``regionmap add`` of the generated GeoJSON into each store (the full check, then
  files renamed into place, or one transaction with COPY into the tables), and
  ``catalog copy`` of a folder holding it into PostGIS;
- list: what the app does on every rerun (ids and a cache stamp per layer);
- Japan frame: load the layer's features in the Japan preset's bbox (folder: read and
  check the whole file, then keep the frame; PostGIS: ``&&`` on the GiST index);
- two app servers: two ``streamlit run app.py`` processes on one database; each adds a
  layer through its "Add a layer" tab in Chromium, and the time until the other server's
  page lists it is measured (reference: the same with one shared catalog folder).

Uses ``REGIONMAP_TEST_PG`` (a superuser URL of a PostGIS database) or starts a throwaway
cluster like the tests do. ``--quick`` uses 100,000 points.

    python benchmarks/bench_postgis.py [--quick] [--points N] [--no-apps]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from regionmap.catalog_copy import copy_catalog  # noqa: E402
from regionmap.regions import load_regions  # noqa: E402
from regionmap.stores import open_catalog  # noqa: E402

LAYER = "points-1m"
META = {
    "id": LAYER,
    "title": "Generated points",
    "description": "Seeded random points for the benchmark.",
    "license": "CC0-1.0",
    "data": f"../data/{LAYER}.geojson",
    "sources": [
        {
            "key": "generated",
            "title": "bench_postgis.py",
            "publisher": "regionmap",
            "url": "https://example.org/regionmap-benchmark",
            "accessed": "2026-12-01",
        }
    ],
    "group": "Benchmark",
    "default_visible": False,
    "geometry_type": "Point",
}


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    """The median wall time of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def write_points(folder: Path, count: int) -> None:
    """A folder catalog with one layer of ``count`` seeded points."""
    rng = np.random.default_rng(16)
    lons = np.round(rng.uniform(-180, 180, count), 6)
    lats = np.round(rng.uniform(-85, 85, count), 6)
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"p{i}", "rank": int(i % 7)},
            "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
        }
        for i, (x, y) in enumerate(zip(lons, lats, strict=True))
    ]
    (folder / "layers").mkdir(parents=True)
    (folder / "data").mkdir()
    (folder / "data" / f"{LAYER}.geojson").write_bytes(
        orjson.dumps({"type": "FeatureCollection", "features": features}) + b"\n"
    )
    meta = {**META, "feature_count": count}
    (folder / "layers" / f"{LAYER}.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))


def ratio(value: float, reference: float) -> str:
    if not reference:
        return "n/a"
    return f"{value / reference:.2f}x" if value >= 0.01 * reference else f"{value / reference:.4f}x"


def row(name: str, folder_s: float, pg_s: float) -> None:
    print(f"| {name} | {folder_s:.3f} s | {pg_s:.3f} s | {ratio(pg_s, folder_s)} |")


@contextlib.contextmanager
def database():
    """A superuser URL of a PostGIS database: REGIONMAP_TEST_PG or a throwaway cluster."""
    if os.environ.get("REGIONMAP_TEST_PG"):
        yield os.environ["REGIONMAP_TEST_PG"]
        return
    from pgcluster import running_cluster

    with running_cluster() as cluster:
        yield cluster.url()


def bench_store(url: str, count: int, tmp: Path) -> None:
    from regionmap.store import NewLayer

    source = tmp / "source"
    write_points(source, count)
    path = source / "data" / f"{LAYER}.geojson"
    size_mb = path.stat().st_size / 1e6
    japan = load_regions()["japan"].bbox
    pg_url = f"{url}?schema=bench_points"
    fcat, pcat = open_catalog(str(tmp / "folder")), open_catalog(pg_url)
    new = NewLayer(LAYER, "Generated points", "CC0-1.0", "bench", "https://example.org/bench")
    # The same add in both stores: the full check, then files renamed into place or one
    # transaction with COPY into the tables.
    write_folder, _ = timed(lambda: fcat.add(path, new, force=True))
    write_pg, _ = timed(lambda: pcat.add(path, new, force=True))
    copy_s, _ = timed(lambda: copy_catalog(open_catalog(str(source)), pcat, force=True))

    def listing(catalog):
        return [catalog.stamp(i) for i in catalog.ids()]

    list_folder, _ = timed(lambda: listing(fcat), repeat=5)
    list_pg, _ = timed(lambda: listing(pcat), repeat=5)
    frame_folder, a = timed(lambda: fcat.load(LAYER, bbox=japan))
    frame_pg, b = timed(lambda: pcat.load(LAYER, bbox=japan), repeat=3)
    assert a.features == b.features, "the stores disagree on the Japan frame"
    print(f"\n{count:,} points ({size_mb:.0f} MB of GeoJSON); Japan frame {japan}: ")
    print(f"{len(b.features):,} features.\n")
    print("| figure | folder store (reference) | PostGIS | PostGIS / folder |")
    print("|---|---|---|---|")
    row("`regionmap add` of the layer", write_folder, write_pg)
    row("`catalog copy` folder → PostGIS (vs the folder add)", write_folder, copy_s)
    row("list (ids + stamps, every app rerun)", list_folder, list_pg)
    row("load the Japan frame", frame_folder, frame_pg)


def bench_apps(url: str, tmp: Path) -> None:
    """Two streamlit servers on one catalog: each adds a layer, the other lists it."""
    from browser import chromium_skip_reason, streamlit_server
    from playwright.sync_api import sync_playwright

    reason = chromium_skip_reason()
    if reason:
        print(f"\ntwo app servers: skipped ({reason})")
        return
    upload = tmp / "sites.geojson"
    upload.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Kadena"},
                        "geometry": {"type": "Point", "coordinates": [127.767, 26.355]},
                    }
                ],
            }
        )
    )
    shared_folder = tmp / "shared-folder"
    shared_folder.mkdir()
    results = {}
    for name, spec in (("folder", str(shared_folder)), ("postgis", f"{url}?schema=bench_apps")):
        open_catalog(spec)  # create the tables before the servers race to
        env = {**os.environ, "REGIONMAP_CATALOG": spec, "PYTHONPATH": str(ROOT)}
        with (
            streamlit_server(str(ROOT / "app.py"), cwd=ROOT, env=env, timeout=120) as a,
            streamlit_server(str(ROOT / "app.py"), cwd=ROOT, env=env, timeout=120) as b,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            try:
                page = browser.new_page()
                seen = []
                for adder, viewer, layer_id in ((a, b, "from-a"), (b, a, "from-b")):
                    add_in_app(page, adder, upload, layer_id)
                    start = time.perf_counter()
                    page.goto(viewer)
                    page.get_by_text(f"Sites {layer_id}", exact=True).first.wait_for(
                        timeout=120_000
                    )
                    seen.append(time.perf_counter() - start)
                results[name] = statistics.median(seen)
            finally:
                browser.close()
    print("\n| two app servers | folder (one shared folder) | PostGIS | PostGIS / folder |")
    print("|---|---|---|---|")
    row("one adds, the other's page lists it", results["folder"], results["postgis"])


def add_in_app(page, base: str, upload: Path, layer_id: str) -> None:
    """Add a layer through the app's "Add a layer" tab."""
    page.goto(base)
    page.get_by_role("tab", name="Add a layer").click(timeout=120_000)
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_label("Layer id (kebab-case)", exact=True).fill(layer_id, timeout=60_000)
    page.get_by_label("Title", exact=True).fill(f"Sites {layer_id}")
    page.get_by_label("Licence (SPDX id, e.g. CC0-1.0)", exact=True).fill("CC0-1.0")
    page.get_by_label("Source title", exact=True).fill("Benchmark")
    page.get_by_label("Source URL (http or https)", exact=True).fill("https://example.org/bench")
    page.get_by_role("button", name="Add to catalog").click()
    page.get_by_text(f"Added layer {layer_id}", exact=False).wait_for(timeout=60_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 points")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--no-apps", action="store_true", help="skip the two app servers")
    args = parser.parse_args()
    count = 100_000 if args.quick else args.points
    with database() as url, tempfile.TemporaryDirectory(prefix="bench-postgis-") as tmp:
        bench_store(url, count, Path(tmp))
        if not args.no_apps:
            bench_apps(url, Path(tmp))


if __name__ == "__main__":
    main()
