"""A hostile layer in a real browser: the app and the exported HTML run none of its text.

Every text field of the layer holds a payload (tests/catalogs.py: script tags, event
handlers, attribute break-outs, Jinja, JS template literals, backslashes, ``</script>``,
and Jinja that would create a marker file on the server). The tests open the app and an
exported HTML file in Chromium with DNS blocked, open every popup and tooltip
and the sources panel, and check that no dialog opened, no script error happened,
no element was injected, the text is shown literally and the marker file was never made.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_page, chromium_skip_reason, streamlit_server
from catalogs import PAYLOADS, payload_layer
from test_app_browser import MAP_IFRAME

from regionmap.catalog import ROOT, Catalog
from regionmap.export import export_view

pytestmark = pytest.mark.browser

JAPAN = "122,24,146.5,46"
OPEN_EVERYTHING = """() => {
  const key = Object.keys(window).find(k => k.startsWith('map_'));
  const m = window[key];
  const out = {popups: [], injected: 0};
  const layers = [];
  m.eachLayer(l => { if (l instanceof L.CircleMarker) layers.push(l); });
  // Point markers, also those inside a cluster (not on the map until it opens).
  (window.rmap ? rmap.maps : []).forEach(s => Object.values(s.layers).forEach(
    g => g.eachLayer(l => layers.push(l))));
  layers.forEach(l => {
    const popup = l.getPopup().setLatLng(l.getLatLng());
    m.openPopup(popup);
    const p = popup.getElement();
    out.popups.push(p.textContent);
    out.injected += p.querySelectorAll('img,svg,script,iframe').length;
    const tip = l.getTooltip().setLatLng(l.getLatLng());
    m.openTooltip(tip);
    out.injected += tip.getElement().querySelectorAll('img,svg,script').length;
  });
  out.control = document.querySelectorAll('.leaflet-control-layers').length;
  // The legend: one swatch (our own SVG) per entry, and nothing else.
  const legend = document.querySelector('.rm-legend');
  out.legend = legend ? legend.textContent : '';
  if (legend) {
    out.injected += legend.querySelectorAll('img,script,iframe').length;
    out.injected += legend.querySelectorAll('svg').length -
      legend.querySelectorAll('.rm-legend-entry').length;
  }
  // Labels hold text only.
  out.injected += document.querySelectorAll('.rm-label img,.rm-label svg,.rm-label script').length;
  out.pwned = window.__pwned || null;
  return out;
}"""


@pytest.fixture
def hostile_catalog(tmp_path: Path) -> tuple[Path, Path]:
    """A user catalog holding the hostile layer, and the marker file it tries to create."""
    if reason := chromium_skip_reason():
        pytest.skip(reason)
    folder, marker = tmp_path / "catalog", tmp_path / "pwned-marker"
    payload_layer(folder, marker)
    return folder, marker


def _watch(page) -> tuple[list[str], list[str]]:
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return dialogs, errors


def test_exported_html_runs_no_layer_text(hostile_catalog, tmp_path):
    folder, marker = hostile_catalog
    out = tmp_path / "hostile.html"
    export_view(Catalog(folder, root=ROOT), bbox=JAPAN, layers=["hostile"], fmt="html", out=out)
    with chromium_page() as page:
        dialogs, errors = _watch(page)
        page.goto(out.as_uri())
        page.wait_for_selector(".leaflet-container")
        seen = page.evaluate(OPEN_EVERYTHING)
        body = page.inner_text("body")
    assert not dialogs and not errors and seen["pwned"] is None, (dialogs, errors)
    assert seen["injected"] == 0
    assert len(seen["popups"]) == len(PAYLOADS) + 3
    for payload in PAYLOADS.values():
        assert any(payload in text for text in seen["popups"]), payload
    assert seen["control"] == 0  # no Leaflet layer control (issue 10: one layer switch)
    assert PAYLOADS["script"] in seen["legend"]
    assert PAYLOADS["script"] in body  # the export's sources panel shows the text literally
    assert not marker.exists()


@pytest.fixture
def hostile_app(hostile_catalog) -> Iterator[tuple[str, Path]]:
    """`streamlit run app.py` with the hostile catalog as the user catalog."""
    folder, marker = hostile_catalog
    env = {**os.environ, "REGIONMAP_CATALOG": str(folder)}
    with streamlit_server(ROOT / "app.py", cwd=ROOT, env=env, log=folder / "streamlit.log") as url:
        yield f"{url}/?region=japan", marker


def test_app_runs_no_layer_text(hostile_app):
    url, marker = hostile_app
    with chromium_page(timeout_ms=90_000) as page:
        dialogs, errors = _watch(page)
        page.goto(url)
        frame = page.wait_for_selector(MAP_IFRAME, timeout=90_000).content_frame()
        frame.wait_for_selector(".leaflet-container", timeout=90_000)
        frame.wait_for_function("() => window.map_div && map_div.getSize().x > 0")
        seen = frame.evaluate(OPEN_EVERYTHING)
        page.get_by_role("tab", name="Sources").click()
        page.wait_for_timeout(1000)
        text = page.inner_text("body")
        top_pwned = page.evaluate("() => window.__pwned || null")
        injected = page.evaluate(
            "() => document.querySelectorAll('img[src=x], svg[onload], [onerror]').length"
        )
    assert not dialogs and not errors, (dialogs, errors)
    assert seen["pwned"] is None and top_pwned is None
    assert seen["injected"] == 0 and injected == 0
    assert any(PAYLOADS["img"] in popup for popup in seen["popups"])
    assert PAYLOADS["script"] in text  # the sources panel shows the payload as text
    assert not marker.exists()
