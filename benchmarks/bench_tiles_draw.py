"""Big layers drawn from vector tiles: one million seeded points in the app and the standalone HTML.

Run from the repository root::

    python benchmarks/bench_tiles_draw.py                  # one million points
    python benchmarks/bench_tiles_draw.py --count 100000   # a quicker run
    python benchmarks/bench_tiles_draw.py --no-app         # the standalone HTML only

The points are generated here, seeded, in a temporary catalog (nothing is committed): each is
a populated place of Natural Earth's 10m file in ``../shared/realworld/`` (when present; else
5,000 seeded random centres) moved by a seeded Gaussian jitter of about 5 km, with a name and a
year, as in ``bench_tiles.py``, and added with ``regionmap add``'s own code (checked, written
with its check record, its tiles cut). Every figure is printed with its reference from the
same run:

- standalone HTML of the world with the big layer: its size and its time to draw in Chromium
  with the network blocked (``goto`` until the first tiles are drawn and none is loading),
  against the same export without the big layer (targets: ≤ 15 MB, ≤ 5 s);
- app cold start with the big layer on (``streamlit run`` in a fresh process until the
  countries and the first tiles are drawn) as a ratio to the app without it (the built-in
  catalog alone; target ≤ 1.5x);
- in the app, once the page has settled, time from ``setView`` to a city (zoom 12) until its
  tiles are drawn, and the bytes Streamlit's websocket received meanwhile (target ≤ 0.5 s
  with no server rerun).

Timings of the page are taken in the page (``performance.now``), so Playwright's own latency
stays out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
LAYER = "events"
#: A city to zoom to (Osaka), and the zoom.
CITY = (34.69, 135.50, 12)
TARGETS = {"html_mb": 15.0, "html_s": 5.0, "cold_x": 1.5, "zoom_s": 0.5}
APP_FRAME = "iframe[title='app.regionmap_map']"
_MAP = "window[Object.keys(window).find(k => k.startsWith('map_'))]"
#: True when every tile of the big layer in view is painted (protomaps-leaflet calls Leaflet's
#: ``done`` once a tile's canvas is drawn). Leaflet's own ``load`` event does not always fire at a
#: fractional world zoom, so the tiles are checked directly.
_TILES_DRAWN = (
    "(window.rmap && rmap.tiled && (t => { const v = Object.values(t.layer._tiles); "
    "return v.length > 0 && v.every(e => !e.current || e.loaded); })(rmap.tiled[0]))"
)


def make_catalog(folder: Path, count: int, seed: int = 17) -> tuple[Path, str, float]:
    """A catalog with one layer of ``count`` seeded points, added as a user adds one.

    The points are written to a GeoJSON file beside the catalog, then ``regionmap add``'s own
    code (:func:`regionmap.store.add_layer`) checks them, writes the layer and cuts its tiles,
    so the catalog holds what a user's would: normalised GeoJSON, its check record and its
    archive. Returns the layer's GeoJSON, how the points were placed, and the add's seconds.
    """
    import yaml
    from bench_tiles import positions

    from regionmap.catalog import Catalog
    from regionmap.store import NewLayer, add_layer

    raw = folder.parent / f"{LAYER}-raw.geojson"
    placed, how = positions(count, seed)
    with raw.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        for i, (lon, lat) in enumerate(placed):
            feature = {
                "type": "Feature",
                "properties": {"id": f"e{i}", "name": f"event {i}", "year": str(1950 + i % 76)},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            out.write(("," if i else "") + json.dumps(feature, separators=(",", ":")) + "\n")
        out.write("]}\n")
    new = NewLayer(
        LAYER,
        "Seeded events",
        "CC0-1.0",
        "Seeded benchmark events",
        "https://example.org/seeded",
        style={"color": "#d55e00", "marker": "circle", "radius": 4},
    )
    start = time.perf_counter()
    # The id shadows the built-in events layer, as a user's layer of that id would.
    added = add_layer(Catalog(folder), raw, new, force=True, tiles=True)
    seconds = time.perf_counter() - start
    raw.unlink()
    meta = yaml.safe_load(added.meta_path.read_text(encoding="utf-8"))
    meta.update(popup=[{"field": "year", "label": "Year"}], time={"start": "year"})
    added.meta_path.write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    return added.data_path, how, seconds


def html_draw(path: Path, tiled: bool) -> float:
    """Seconds from ``goto`` to the page drawn (tiles loaded, or the countries' paths)."""
    from browser import chromium_page

    drawn = _TILES_DRAWN if tiled else "document.querySelectorAll('path').length > 50"
    with chromium_page(timeout_ms=120_000) as page:
        page.goto("about:blank")
        start = page.evaluate("() => performance.timeOrigin + performance.now()")
        page.goto(path.as_uri())
        page.wait_for_function(f"() => {drawn}", timeout=120_000, polling=20)
        end = page.evaluate("() => performance.timeOrigin + performance.now()")
    return (end - start) / 1000


def standalone(folder: Path, out_dir: Path) -> dict[str, float | str]:
    """The world HTML with and without the big layer: size and time to draw."""
    from regionmap.catalog import ROOT as BUILTIN
    from regionmap.catalog import Catalog
    from regionmap.export import export_view

    catalog = Catalog(folder, root=BUILTIN)
    big, plain = out_dir / "world-big.html", out_dir / "world-plain.html"
    start = time.perf_counter()
    result = export_view(catalog, region="world", layers=["countries", LAYER], fmt="html", out=big)
    export_s = time.perf_counter() - start
    export_view(catalog, region="world", layers=["countries"], fmt="html", out=plain)
    return {
        "big_mb": big.stat().st_size / 1e6,
        "plain_mb": plain.stat().st_size / 1e6,
        "export_s": export_s,
        "big_s": html_draw(big, tiled=True),
        "plain_s": html_draw(plain, tiled=False),
        "notes": "; ".join(result.warnings) or "(none)",
    }


def app_cold(folder: Path, layers: str, tiled: bool) -> float:
    """Seconds from ``streamlit run`` to the map drawn in Chromium (with the tiles, if on)."""
    from browser import chromium_page, streamlit_server

    env = {**os.environ, "REGIONMAP_CATALOG": str(folder)}
    cond = "d.querySelectorAll('path.leaflet-interactive').length > 50"
    if tiled:
        cond += " && " + _TILES_DRAWN
    start = time.perf_counter()
    with (
        streamlit_server("app.py", cwd=ROOT, env=env, timeout=300) as url,
        chromium_page(timeout_ms=300_000) as page,
    ):
        page.goto(f"{url}/?region=world&layers={layers}")
        frame = page.wait_for_selector(APP_FRAME, timeout=300_000).content_frame()
        frame.wait_for_function(
            f"() => {{ const d = document; return {cond}; }}",
            timeout=300_000,
            polling=50,
        )
        return time.perf_counter() - start


def app_zoom(folder: Path) -> dict[str, float]:
    """Seconds from ``setView`` to a city until its tiles are drawn; websocket bytes meanwhile."""
    from browser import chromium_page, streamlit_server

    env = {**os.environ, "REGIONMAP_CATALOG": str(folder)}
    with (
        streamlit_server("app.py", cwd=ROOT, env=env, timeout=300) as url,
        chromium_page(timeout_ms=300_000) as page,
    ):
        received: list[int] = []
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda p: received.append(len(p))),
        )
        page.goto(f"{url}/?region=world&layers=countries,{LAYER}")
        frame = page.wait_for_selector(APP_FRAME, timeout=300_000).content_frame()
        frame.wait_for_function(f"() => {_TILES_DRAWN}", timeout=300_000, polling=50)
        # Zoom once the page has settled, as a user would: no websocket message for 3 s (the
        # first view's reruns over the million features done), at most 120 s.
        quiet, seen = 0, len(received)
        for _ in range(120):
            page.wait_for_timeout(1000)
            quiet, seen = (quiet + 1, seen) if len(received) == seen else (0, len(received))
            if quiet >= 3:
                break
        before = sum(received)
        lat, lon, zoom = CITY
        seconds = frame.evaluate(
            """([lat, lon, zoom]) => new Promise(done => {
              const m = MAP, t0 = performance.now();
              m.setView([lat, lon], zoom, {animate: false});
              const tick = () => (DRAWN)
                ? done((performance.now() - t0) / 1000) : requestAnimationFrame(tick);
              requestAnimationFrame(tick);
            })""".replace("MAP", _MAP).replace("DRAWN", _TILES_DRAWN),
            [lat, lon, zoom],
        )
        during = sum(received) - before
        page.wait_for_timeout(3000)
        after = sum(received) - before
    return {"zoom_s": seconds, "ws_during": during, "ws_after": after}


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--no-app", action="store_true", help="skip the app's figures")
    args = parser.parse_args()
    from bench_app import machine

    from regionmap.tiles import archive_for

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-tiles-draw-") as tmp:
        folder = Path(tmp) / "catalog"
        data, how, seconds = make_catalog(folder, args.count)
        archive = archive_for(data)
        print(
            f"{args.count:,} points around {how}: added in {seconds:.1f} s (GeoJSON "
            f"{data.stat().st_size / 1e6:.0f} MB, archive {archive.stat().st_size / 1e6:.1f} MB)"
        )
        s = standalone(folder, Path(tmp))
        print(
            f"standalone world HTML: {s['big_mb']:.1f} MB ({s['big_mb'] / s['plain_mb']:.1f}x "
            f"the {s['plain_mb']:.2f} MB page without the layer), exported in "
            f"{s['export_s']:.1f} s; target ≤ {TARGETS['html_mb']:g} MB: "
            f"{verdict(s['big_mb'], TARGETS['html_mb'])}"
        )
        print(
            f"standalone world HTML drawn in {s['big_s']:.2f} s ({s['big_s'] / s['plain_s']:.1f}x"
            f" the {s['plain_s']:.2f} s without the layer); target ≤ {TARGETS['html_s']:g} s: "
            f"{verdict(s['big_s'], TARGETS['html_s'])}"
        )
        print(f"export notes: {s['notes']}")
        if args.no_app:
            return
        # The reference: the same app and built-in catalog, with no user layer at all.
        empty = Path(tmp) / "empty-catalog"
        empty.mkdir()
        off = app_cold(empty, "countries,events", tiled=False)
        on = app_cold(folder, f"countries,{LAYER}", tiled=True)
        print(
            f"app cold start: {on:.1f} s with the 1M layer on, {off:.1f} s without it (the "
            f"built-in events instead): {on / off:.2f}x; target ≤ {TARGETS['cold_x']:g}x: "
            f"{verdict(on / off, TARGETS['cold_x'])}"
        )
        z = app_zoom(folder)
        print(
            f"app zoom to a city: drawn in {z['zoom_s']:.2f} s, {z['ws_during']:.0f} websocket "
            f"bytes received while drawing ({z['ws_after']:.0f} in the 3 s after: the frame "
            f"report's rerun); target ≤ {TARGETS['zoom_s']:g} s: "
            f"{verdict(z['zoom_s'], TARGETS['zoom_s'])}"
        )


if __name__ == "__main__":
    main()
