"""Benchmark the explorer: cold start in Chromium, rerun after a layer toggle, map payload.

Run from the repository root::

    python benchmarks/bench_app.py [--runs 3]

Prints, with the machine it ran on:

* cold start to map visible: ``streamlit run app.py`` in a fresh process until the map's
  ``.leaflet-container`` and its countries are drawn in headless Chromium (network blocked);
* server time of a rerun after a layer toggle (``AppTest``, warm caches);
* a pan: from ``panBy`` in Chromium until the export panel shows the new frame (the map's
  fragment rerun, with streamlit-folium's 250 ms debounce), Japan view;
* map payload bytes for the world and Japan views: the ``st_folium`` component arguments the
  browser receives, and the standalone HTML of :func:`regionmap.render.map_html`.

Needs Debian's Chromium and Playwright for the first figure (skipped otherwise).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium_page, chromium_skip_reason  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from regionmap.catalog import Catalog  # noqa: E402
from regionmap.citations import number_sources  # noqa: E402
from regionmap.frame import format_bbox, map_frame  # noqa: E402
from regionmap.regions import load_regions  # noqa: E402
from regionmap.render import build_map, map_html  # noqa: E402
from regionmap.view import (  # noqa: E402
    order_layers,
    resolution_for_bbox,
    select_features,
)


def machine() -> str:
    """A one-line description of the machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve() -> Iterator[tuple[str, float]]:
    """Start `streamlit run app.py` on a free port; yield its URL and the start time."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
           "true", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield url, start
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _map_frame(page):
    """The map's iframe, once its countries are drawn."""
    inner = page.wait_for_selector("iframe[title='streamlit_folium.st_folium']").content_frame()
    inner.wait_for_selector(".leaflet-container")
    inner.wait_for_function(
        "() => document.querySelectorAll('path.leaflet-interactive').length > 50"
    )
    return inner


def cold_start() -> float:
    """Seconds from `streamlit run` to the map's countries drawn in Chromium."""
    with serve() as (url, start), chromium_page(timeout_ms=120_000) as page:
        page.goto(url)
        _map_frame(page)
        return time.perf_counter() - start


_VIEW = """() => { const b = map_div.getBounds(); return {
  bounds: {_southWest: b.getSouthWest(), _northEast: b.getNorthEast()},
  center: map_div.getCenter()}; }"""


def pan_updates(runs: int) -> list[float]:
    """Seconds from a pan of the Japan view until the export panel shows the new frame."""
    times = []
    with serve() as (url, _), chromium_page(viewport=(1300, 900), timeout_ms=120_000) as page:
        page.goto(f"{url}/?region=japan")
        inner = _map_frame(page)
        page.get_by_text("Export this view").click()
        for step in range(runs * 2):
            page.wait_for_timeout(2000)  # let the previous update settle
            dx = 200 if step % 2 else -200
            # Timed in the browser: Playwright's replies queue behind the page's work.
            pan = f"map_div.panBy([{dx}, 0], {{animate: false}})"
            start = inner.evaluate(f"() => {{ const t = performance.now(); {pan}; return t; }}")
            frame = map_frame(inner.evaluate(_VIEW), (0, 0, 1, 1)).bbox
            page.get_by_text(f"Frame {format_bbox(frame)}").wait_for()
            times.append((inner.evaluate("() => performance.now()") - start) / 1000)
    return times


def rerun_after_toggle(runs: int) -> list[float]:
    """Seconds of AppTest reruns that toggle the first data layer (or the countries) off/on."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    keys = [w.key for w in at.checkbox if (w.key or "").startswith("layer:")]
    key = next((k for k in keys if k != "layer:countries"), keys[0])
    times = []
    for _ in range(runs * 2):
        box = at.checkbox(key=key)
        box.set_value(not box.value)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return times


def component_bytes(region: str) -> int:
    """Bytes of the st_folium arguments (what the browser receives) for a region."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["region"] = region
    at.run()
    return len(at.get("component_instance")[0].proto.json_args.encode("utf-8"))


def standalone_bytes(region: str) -> int:
    """Bytes of the standalone HTML map of the default layers for a region preset."""
    catalog = Catalog()
    bbox = tuple(load_regions()[region].bbox)
    resolution = resolution_for_bbox(bbox)
    layers = [catalog.load(i) for i in catalog.ids()]
    layers = order_layers([la for la in layers if la.ok and la.meta.default_visible])
    shown, backdrops = [], {}
    for layer in layers:
        if layer.meta.resolutions:
            detailed = catalog.load(layer.id, resolution=resolution)
            shown.append((detailed, detailed.features))
            if resolution != "110m":
                backdrops[layer.id] = catalog.load(layer.id, resolution="110m").features
        else:
            shown.append((layer, select_features(layer, bbox=bbox)))
    m = build_map(shown, bbox=bbox, bibliography=number_sources(shown), backdrops=backdrops)
    return len(map_html(m).encode("utf-8"))


def main() -> None:
    """Run the benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each timing")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"layers: {', '.join(Catalog().ids())}")
    reason = chromium_skip_reason()
    if reason:
        print(f"cold start to map visible: skipped ({reason})")
    else:
        starts = [cold_start() for _ in range(args.runs)]
        print(
            f"cold start to map visible (Chromium): median {statistics.median(starts):.1f} s "
            f"(runs: {', '.join(f'{s:.1f}' for s in starts)})"
        )
    if not reason:
        pans = pan_updates(args.runs)
        print(
            f"pan to export panel updated (Chromium, fragment rerun): median "
            f"{statistics.median(pans):.2f} s (min {min(pans):.2f}, max {max(pans):.2f})"
        )
    reruns = rerun_after_toggle(args.runs)
    print(
        f"rerun after a layer toggle (AppTest, server): median {statistics.median(reruns):.2f} s "
        f"(min {min(reruns):.2f}, max {max(reruns):.2f}, n={len(reruns)})"
    )
    for region in ("world", "japan"):
        bbox = tuple(load_regions()[region].bbox)
        print(
            f"payload {region:5}: st_folium args {component_bytes(region) / 1e3:,.0f} kB, "
            f"standalone HTML {standalone_bytes(region) / 1e3:,.0f} kB "
            f"(countries at {resolution_for_bbox(bbox)})"
        )


if __name__ == "__main__":
    main()
