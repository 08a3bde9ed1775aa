"""Benchmark the explorer against its floor, in one run, on this machine.

Run from the repository root::

    python benchmarks/bench_app.py [--runs 3]

The floor is ``benchmarks/floor_app.py``: a bare Streamlit page (no regionmap code) that draws
an inline offline Leaflet map of the same 1:110m countries with one marker. Both pages are
served by ``streamlit run`` and driven in Debian's headless Chromium with the network blocked
(``tests/browser.py``). Every figure of issue 15's table is printed with its ratio to the
floor's figure measured in the same run, and its target:

* cold start: ``streamlit run`` in a fresh process until the countries are drawn;
* region change: sidebar region "Japan" chosen until the map is centred there (the floor has
  the same selectbox and redraws its page);
* layer toggle: a sidebar checkbox ticked until the map shows the change (the floor toggles
  its marker);
* pan: ``panBy`` on the Japan view until the export panel shows the new frame (reference: the
  floor's toggle, a Streamlit rerun that redraws a map);
* standalone HTML export of the default layers, world and Japan, as `regionmap export` writes
  it (packed; reference: the floor's page);
* bytes the browser receives over Streamlit's websocket per rebuild (region change, toggle,
  pan), against the floor's.

Timings are taken in the page (``performance.now``) from the user's mousedown to the first
frame where the condition holds, so Playwright's own latency stays out.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from browser import chromium_page, chromium_skip_reason, streamlit_server  # noqa: E402

JAPAN = (122.0, 24.0, 146.5, 46.0)
APP_FRAME = "iframe[title='app.regionmap_map']"
FLOOR_FRAME = "iframe"
#: Issue 15's targets: (kind, value); "x" is a ratio to the floor, "s" seconds, "MB" size.
TARGETS = {
    "cold": ("x", 1.5),
    "region": ("s", 0.6),
    "toggle": ("s", 0.3),
    "pan": ("s", 0.4),
    "html": ("MB", 0.45),
}


def machine() -> str:
    """A one-line description of the machine."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 2**20:.0f} GiB RAM"
    return (
        f"{cpu}, {os.cpu_count()} CPUs{mem}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


@dataclass
class Page:
    """What one served page measured."""

    cold: list[float] = field(default_factory=list)
    region: list[float] = field(default_factory=list)
    toggle: list[float] = field(default_factory=list)
    pan: list[float] = field(default_factory=list)
    bytes: dict[str, list[int]] = field(default_factory=dict)
    same_instance: dict[str, bool] = field(default_factory=dict)


# Poll (every frame) until the map in the iframe satisfies `cond`, timed from the next
# mousedown (or from now when `now` is true). `cond` is a function body of (w, d): the
# iframe's window and document.
_WATCH = """([sel, cond, now]) => {
  window.__t0 = now ? performance.now() : null; window.__dt = null;
  const check = new Function('w', 'd', cond);
  if (!now) document.addEventListener('mousedown', () => {
    if (window.__t0 === null) window.__t0 = performance.now();
  }, {capture: true, once: true});
  const tick = () => {
    if (window.__t0 !== null) {
      try {
        const f = document.querySelector(sel); const w = f && f.contentWindow;
        if (w && check(w, w.document)) { window.__dt = performance.now() - window.__t0; return; }
      } catch (e) {}
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
_DRAWN = "d.querySelectorAll('path.leaflet-interactive').length > 50"
_MAP = "(w.map_div || w.map)"
_IN_JAPAN = (
    f"const c = {_MAP}.getCenter(); return {_DRAWN} && c.lng > {JAPAN[0]} && "
    f"c.lng < {JAPAN[2]} && c.lat > {JAPAN[1]} && c.lat < {JAPAN[3]};"
)
_AT_WORLD = f"const c = {_MAP}.getCenter(); return {_DRAWN} && {_MAP}.getZoom() < 3;"
_COUNT = "d.querySelectorAll('path.leaflet-interactive, .leaflet-marker-icon').length"


def _watch(page, sel: str, cond: str, *, now: bool = False) -> None:
    page.evaluate(_WATCH, [sel, cond, now])


def _waited(page, timeout_ms: float = 60_000) -> float:
    page.wait_for_function("() => window.__dt !== null", timeout=timeout_ms, polling=50)
    return page.evaluate("() => window.__dt") / 1000


def _frame(page, sel: str):
    return page.wait_for_selector(sel, timeout=120_000).content_frame()


def _probe(page, sel: str, value: str | None = None) -> str | None:
    """Set (or read) a mark on the map's window: it survives only if the iframe does."""
    frame = _frame(page, sel)
    if value is not None:
        frame.evaluate(f"() => {{ window.rmBenchProbe = {value!r}; }}")
    return frame.evaluate("() => window.rmBenchProbe || null")


class _Socket:
    """Bytes received over the page's websockets (Streamlit's ForwardMsgs)."""

    def __init__(self, page) -> None:
        self.total = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload: bytes | str) -> None:
        self.total += len(payload if isinstance(payload, bytes) else payload.encode())


def cold_start(script: Path, sel: str) -> float:
    """Seconds from `streamlit run` to the countries drawn in Chromium."""
    start = time.perf_counter()
    with (
        streamlit_server(script, cwd=ROOT, timeout=120) as url,
        chromium_page(timeout_ms=120_000) as page,
    ):
        page.goto(url)
        _frame(page, sel).wait_for_function(f"() => {_DRAWN.replace('d.', 'document.')}")
        return time.perf_counter() - start


def _choose_region(page, title: str) -> None:
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name=title, exact=True).wait_for()


def interactions(script: Path, sel: str, toggle_label: str, runs: int, floor: bool) -> Page:
    """Region changes, toggles and (app only) pans in one served page."""
    out = Page()
    with (
        streamlit_server(script, cwd=ROOT, timeout=120) as url,
        chromium_page(viewport=(1300, 900), timeout_ms=120_000) as page,
    ):
        socket = _Socket(page)
        page.goto(url)
        _frame(page, sel).wait_for_function(f"() => {_DRAWN.replace('d.', 'document.')}")
        page.wait_for_timeout(2000)
        sidebar = page.locator("[data-testid='stSidebar']")
        out.bytes = {"region": [], "toggle": []}
        for _ in range(runs):
            for title, cond in (("Japan", _IN_JAPAN), ("World", _AT_WORLD)):
                _probe(page, sel, "same")
                _choose_region(page, title)
                _watch(page, sel, cond)
                before = socket.total
                page.get_by_role("option", name=title, exact=True).click()
                dt = _waited(page)
                page.wait_for_timeout(1500)  # let the rerun finish before counting its bytes
                if title == "Japan":
                    out.region.append(dt)
                    out.bytes["region"].append(socket.total - before)
                    out.same_instance["region"] = _probe(page, sel) == "same"
            for _ in range(2):
                _probe(page, sel, "same")
                count = _frame(page, sel).evaluate(f"() => {_COUNT.replace('d.', 'document.')}")
                _watch(page, sel, f"return {_DRAWN} && {_COUNT} !== {count};")
                before = socket.total
                sidebar.get_by_text(toggle_label, exact=False).first.click()
                out.toggle.append(_waited(page))
                page.wait_for_timeout(1500)
                out.bytes["toggle"].append(socket.total - before)
                out.same_instance["toggle"] = _probe(page, sel) == "same"
        if not floor:
            out.pan, out.bytes["pan"], out.same_instance["pan"] = _pans(page, socket, runs)
    return out


_VIEW = """() => { const b = map_div.getBounds(); return {
  bounds: {_southWest: b.getSouthWest(), _northEast: b.getNorthEast()},
  center: map_div.getCenter()}; }"""


_PAN_TIMED = """(dx) => new Promise(done => {
  const inner = document.querySelector("iframe[title='app.regionmap_map']")
    .contentWindow;
  const caption = () => [...document.querySelectorAll("[data-testid=stCaptionContainer]")]
    .map(e => e.textContent).find(t => t.startsWith("Frame ")) || "";
  const before = caption(), t0 = performance.now();
  inner.map_div.panBy([dx, 0], {animate: false});
  const tick = () => caption() !== before
    ? done((performance.now() - t0) / 1000) : requestAnimationFrame(tick);
  requestAnimationFrame(tick);
})"""


def _pans(page, socket: _Socket, runs: int) -> tuple[list[float], list[int], bool]:
    """Seconds from a pan of the Japan view until the export panel shows the new frame."""
    from regionmap.frame import format_bbox, map_frame

    _choose_region(page, "Japan")
    page.get_by_role("option", name="Japan", exact=True).click()
    page.wait_for_timeout(3000)
    inner = _frame(page, APP_FRAME)
    page.get_by_text("Export this view").click()
    inner.evaluate("() => { window.rmBenchProbe = 'same'; }")
    times, sizes = [], []
    for step in range(runs * 2):
        page.wait_for_timeout(2000)  # let the previous update settle
        dx = 200 if step % 2 else -200
        before = socket.total
        # Timed in the page, from the pan to the first frame where the export panel's caption
        # changed (Playwright's own round trips stay out); then checked to name the new view.
        seconds = page.evaluate(_PAN_TIMED, dx)
        frame = map_frame(inner.evaluate(_VIEW), (0, 0, 1, 1)).bbox
        page.get_by_text(f"Frame {format_bbox(frame)}").wait_for()
        times.append(seconds)
        page.wait_for_timeout(1000)
        sizes.append(socket.total - before)
    return times, sizes, inner.evaluate("() => window.rmBenchProbe") == "same"


def standalone_bytes(region: str) -> int:
    """Bytes of the standalone HTML export of the default layers for a region preset.

    The file ``regionmap export --region REGION --format html`` writes: the map, its panel of
    credits and numbered sources, packed as the export packs it (:mod:`regionmap.htmlpack`).
    """
    from regionmap.catalog import Catalog
    from regionmap.export import export_view

    with tempfile.TemporaryDirectory(prefix="bench-app-html-") as tmp:
        out = Path(tmp) / f"{region}.html"
        export_view(Catalog(), region=region, fmt="html", out=out)
        return out.stat().st_size


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _verdict(kind: str, target: float, value: float, ratio: float) -> str:
    got = ratio if kind == "x" else value
    return "met" if got <= target else "MISSED"


def main() -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each timing")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    from floor_app import floor_page

    floor_html = len(floor_page().encode("utf-8"))
    html = {r: standalone_bytes(r) for r in ("world", "japan")}
    reason = chromium_skip_reason()
    if reason:
        print(f"browser figures skipped ({reason})")
        rows = []
    else:
        floor_script, app_script = ROOT / "benchmarks" / "floor_app.py", ROOT / "app.py"
        floor, app = Page(), Page()
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            floor.cold.append(cold_start(floor_script, FLOOR_FRAME))
            app.cold.append(cold_start(app_script, APP_FRAME))
        f = interactions(floor_script, FLOOR_FRAME, "Marker", args.runs, floor=True)
        a = interactions(app_script, APP_FRAME, "Dated public events", args.runs, floor=False)
        floor.region, floor.toggle, floor.bytes = f.region, f.toggle, f.bytes
        app.region, app.toggle, app.pan, app.bytes = a.region, a.toggle, a.pan, a.bytes
        app.same_instance = a.same_instance
        rows = [
            ("cold start -> countries drawn", "cold", _med(app.cold), _med(floor.cold)),
            ("region change -> map centred on Japan", "region", _med(app.region),
             _med(floor.region)),
            ("layer toggle -> map redrawn", "toggle", _med(app.toggle), _med(floor.toggle)),
            ("pan -> export panel follows (ref: floor toggle)", "pan", _med(app.pan),
             _med(floor.toggle)),
        ]  # fmt: skip
    print()
    print("| figure | regionmap | floor | ratio | target | |")
    print("|---|---|---|---|---|---|")
    for label, key, value, ref in rows:
        kind, target = TARGETS[key]
        unit = f"≤ {target}×" if kind == "x" else f"≤ {target} s"
        print(
            f"| {label} | {value:.2f} s | {ref:.2f} s | {value / ref:.2f}× | {unit} | "
            f"{_verdict(kind, target, value, value / ref)} |"
        )
    for region in ("world", "japan"):
        kind, target = TARGETS["html"]
        size = html[region] / 1e6
        print(
            f"| standalone HTML, {region} | {size:.2f} MB | {floor_html / 1e6:.2f} MB | "
            f"{html[region] / floor_html:.2f}× | ≤ {target} MB | "
            f"{_verdict(kind, target, size, 0)} |"
        )
    if not reason:
        for key in ("region", "toggle", "pan"):
            got = _med(app.bytes.get(key, []))
            ref = _med(floor.bytes.get(key if key != "pan" else "toggle", []))
            print(
                f"| websocket bytes per rebuild: {key} | {got / 1e3:,.0f} kB | "
                f"{ref / 1e3:,.0f} kB | {got / ref:.2f}× | only what changed | "
                f"{'same map' if app.same_instance.get(key) else 'NEW map instance'} |"
            )
        print()
        print(
            "runs: cold app "
            + ", ".join(f"{v:.1f}" for v in app.cold)
            + " / floor "
            + ", ".join(f"{v:.1f}" for v in floor.cold)
            + "; region "
            + ", ".join(f"{v:.2f}" for v in app.region)
            + "; toggle "
            + ", ".join(f"{v:.2f}" for v in app.toggle)
            + "; pan "
            + ", ".join(f"{v:.2f}" for v in app.pan)
        )


if __name__ == "__main__":
    main()
