"""regionmap.offline: folium maps that load nothing from the network."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import folium
import pytest

from regionmap.offline import ASSET_VERSIONS, OfflineMap, offline_js_css, remote_asset_urls

REPO = Path(__file__).resolve().parents[1]
POPUP_TEXT = "Offline popup: Okinawa"

# A Streamlit page that shows a plain OfflineMap with regionmap's map component, as app.py
# does (regionmap.mapcomponent): the page's scripts and stylesheets stay data: URIs.
_ST_APP = textwrap.dedent(
    f"""
    import folium
    import streamlit.components.v1 as components

    from regionmap.mapcomponent import COMPONENT_DIR, component_args, mount_args
    from regionmap.offline import OfflineMap

    show = components.declare_component("regionmap_map", path=str(COMPONENT_DIR))
    m = OfflineMap(location=(26.21, 127.68), zoom_start=5)
    folium.Marker((26.21, 127.68), popup=folium.Popup({POPUP_TEXT!r})).add_to(m)
    page = mount_args(m)
    show(**component_args(page), key="map-" + page["key"], height=400)
    """
)


def _env_with_repo() -> dict[str, str]:
    """The environment, with the repository first on PYTHONPATH (for subprocesses)."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def _decode(uri: str) -> bytes:
    header, _, payload = uri.partition(",")
    assert header.endswith(";base64"), header[:40]
    return base64.b64decode(payload)


def _demo_map() -> OfflineMap:
    """An OfflineMap with a default marker, a jQuery popup and a layer control."""
    m = OfflineMap(location=(26.21, 127.68), zoom_start=5)
    group = folium.FeatureGroup(name="Points").add_to(m)
    folium.Marker((26.21, 127.68), popup=folium.Popup(POPUP_TEXT), tooltip="Naha").add_to(group)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


class _SrcHrefParser(HTMLParser):
    """Independent of regionmap: collect every <script src> and <link href>."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag, name) in {("script", "src"), ("link", "href")}:
                self.found.append((tag, value or ""))

    handle_startendtag = handle_starttag


def _script_and_link_urls(html: str) -> list[tuple[str, str]]:
    parser = _SrcHrefParser()
    parser.feed(html)
    parser.close()
    return parser.found


# --- assets -------------------------------------------------------------------------------


def test_vendored_assets_match_versions_file():
    assets = resources.files("regionmap").joinpath("assets")
    lines = [
        line
        for line in assets.joinpath("VERSIONS.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    seen = set()
    for line in lines:
        spec, digest, rel, _source = line.split()
        node = assets
        for part in rel.split("/"):
            node = node.joinpath(part)
        assert hashlib.sha256(node.read_bytes()).hexdigest() == digest, rel
        seen.add((spec, rel))
    assert ("leaflet@1.9.4", "leaflet/leaflet.js") in seen
    assert ("leaflet@1.9.4", "leaflet/LICENSE") in seen
    assert ("jquery@3.7.1", "jquery/jquery.min.js") in seen
    assert ("jquery@3.7.1", "jquery/LICENSE.txt") in seen
    assert ASSET_VERSIONS == {"leaflet": "1.9.4", "jquery": "3.7.1"}


def test_offline_js_css_are_data_uris_of_leaflet_and_jquery_only():
    js, css = offline_js_css()
    assert [name for name, _ in js] == ["leaflet", "jquery", "regionmap_leaflet_icons"]
    assert [name for name, _ in css] == ["leaflet_css"]
    for _, uri in js:
        assert uri.startswith("data:text/javascript;base64,")
    assert css[0][1].startswith("data:text/css;base64,")

    leaflet, jquery, icons = (_decode(uri).decode("utf-8") for _, uri in js)
    assert "Leaflet 1.9.4" in leaflet[:300]
    assert "jQuery v3.7.1" in jquery[:300]
    assert "sourceMappingURL" not in leaflet[-200:]
    assert icons.count("data:image/png;base64,") == 3
    assert 'L.Icon.Default.imagePath = ""' in icons

    stylesheet = _decode(css[0][1]).decode("utf-8")
    urls = re.findall(r"url\(\s*([^)]*)\)", stylesheet)
    # layers.png, layers-2x.png, marker-icon.png inlined; the IE-only VML behaviour stays.
    assert sum(u.startswith('"data:image/png;base64,') for u in urls) == 3
    assert [u for u in urls if not u.startswith('"data:')] == ["#default#VML"]

    everything = " ".join(uri for _, uri in js + css).lower()
    for unwanted in ("bootstrap", "awesome", "fontawesome", "glyphicons"):
        assert unwanted not in " ".join(name for name, _ in js + css)
    assert "http" not in everything[:200]


def test_offline_js_css_returns_fresh_lists():
    js, css = offline_js_css()
    js.append(("x", "y"))
    css.clear()
    js2, css2 = offline_js_css()
    assert len(js2) == 3 and len(css2) == 1
    assert js2[0][1] is offline_js_css()[0][0][1]  # the URIs themselves are cached


# --- OfflineMap ---------------------------------------------------------------------------


def test_offline_map_defaults_to_no_tiles_and_own_lists():
    a, b = OfflineMap(), OfflineMap(location=(0, 0), zoom_start=3)
    assert not any(isinstance(c, folium.TileLayer) for c in a._children.values())
    assert OfflineMap.default_js == [] and OfflineMap.default_css == []
    a.add_js_link("extra", "data:text/javascript;base64,")
    assert [n for n, _ in b.default_js] == ["leaflet", "jquery", "regionmap_leaflet_icons"]
    assert "extra" not in [n for n, _ in offline_js_css()[0]]
    tiled = OfflineMap(tiles="OpenStreetMap")  # opt-in basemap still works
    assert any(isinstance(c, folium.TileLayer) for c in tiled._children.values())


def test_rendered_map_loads_no_remote_script_or_stylesheet():
    m = _demo_map()
    # An opt-in online basemap: its tile URL and attribution link are legitimate text in the
    # page (JS strings, an <a href>), not <script src>/<link href> the page loads.
    folium.TileLayer(
        "https://tiles.invalid/{z}/{x}/{y}.png",
        attr='&copy; <a href="https://tiles.invalid/copyright">Tiles</a>',
        name="online",
        overlay=False,
    ).add_to(m)
    html = m.get_root().render()
    assert "https://tiles.invalid/" in html  # the URLs are there, just not as assets

    found = _script_and_link_urls(html)
    assert {tag for tag, _ in found} == {"script", "link"}
    assert len([1 for tag, _ in found if tag == "script"]) == 3
    offending = [(t, u) for t, u in found if re.match(r"\s*(https?:)?//", u, re.IGNORECASE)]
    assert offending == []
    assert all(u.startswith("data:") for _, u in found)
    assert remote_asset_urls(html) == []
    assert "$(`" in html  # the popup really uses jQuery


def test_remote_asset_detector_flags_stock_folium_and_ignores_text():
    stock = folium.Map(tiles=None)
    folium.Marker((0, 0), popup=folium.Popup("x")).add_to(stock)
    flagged = remote_asset_urls(stock.get_root().render())
    assert any("leaflet" in u for u in flagged)
    assert any("bootstrap" in u for u in flagged)
    html = (
        '<!-- <script src="https://in.comment.test/x.js"></script> -->'
        '<a href="https://link.test/">attribution https://text.test</a>'
        "<script>var u = 'https://string.test/a.js';</script>"
        '<script src="data:text/javascript;base64,"></script>'
        '<link rel="stylesheet" href="//cdn.test/x.css">'
        '<img src="HTTP://img.test/i.png">'
    )
    assert remote_asset_urls(html) == ["//cdn.test/x.css", "HTTP://img.test/i.png"]


def test_offline_module_does_not_import_streamlit():
    code = "import sys, regionmap.offline; sys.exit('streamlit' in sys.modules)"
    env = _env_with_repo()
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_map_component_receives_only_data_uris(tmp_path):
    from streamlit.testing.v1 import AppTest

    app = tmp_path / "app.py"
    app.write_text(_ST_APP, encoding="utf-8")
    at = AppTest.from_file(str(app), default_timeout=60).run()
    assert not at.exception
    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    (lists,) = [a for a in component.proto.special_args if a.key == "lists"]
    args.update(json.loads(lists.bytes))
    links = args["js_links"] + args["css_links"]
    assert len(args["js_links"]) == 3 and len(args["css_links"]) == 1
    assert all(u.startswith("data:") for u in links)
    assert "http://" not in args["header"] and "https://" not in args["header"]
    assert POPUP_TEXT in args["script"]


# --- real browser, network blocked ----------------------------------------------------------


def _watch(page) -> tuple[list[str], list[str]]:
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    return requests, errors


def _check_map(frame) -> None:
    """Leaflet loaded, the default marker image decoded, and the jQuery popup opens."""
    frame.locator(".leaflet-container").first.wait_for()
    assert frame.locator(".leaflet-container").evaluate(
        "() => typeof window.L === 'object' && window.L.version === '1.9.4'"
        " && typeof window.jQuery === 'function'"
    )
    icon = frame.locator("img.leaflet-marker-icon")
    icon.wait_for()
    icon.evaluate("e => e.decode()")  # rejects if the image cannot be loaded
    width, src = icon.evaluate("e => [e.naturalWidth, e.src]")
    assert width > 0 and src.startswith("data:image/png;base64,")
    shadow = frame.locator("img.leaflet-marker-shadow")
    assert shadow.evaluate("e => e.decode().then(() => e.naturalWidth)") > 0
    assert frame.locator(".leaflet-popup-content").count() == 0
    icon.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    assert POPUP_TEXT in popup.inner_text()


@pytest.mark.browser
def test_saved_html_works_offline_in_chromium(tmp_path):
    from browser import chromium_page

    path = tmp_path / "map.html"
    _demo_map().save(str(path))
    with chromium_page() as page:
        requests, errors = _watch(page)
        page.goto(path.as_uri())
        _check_map(page)
        # Leaflet's CSS is applied, with its layer-control image inlined.
        toggle = page.locator(".leaflet-control-layers-toggle")
        assert toggle.evaluate("e => getComputedStyle(e).backgroundImage").startswith(
            'url("data:image/png;base64,'
        )
        assert (
            page.locator(".leaflet-pane").first.evaluate("e => getComputedStyle(e).position")
            == "absolute"
        )
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []


@pytest.mark.browser
def test_map_component_works_offline_in_chromium(tmp_path):
    from browser import chromium_page, require_chromium, streamlit_server

    require_chromium()
    (tmp_path / "app.py").write_text(_ST_APP, encoding="utf-8")
    log = tmp_path / "streamlit.log"
    with (
        streamlit_server("app.py", cwd=tmp_path, env=_env_with_repo(), log=log) as base,
        chromium_page(timeout_ms=60_000) as page,
    ):
        requests, errors = _watch(page)
        page.goto(f"{base}/")
        frame = page.frame_locator("iframe[title='app.regionmap_map']")
        _check_map(frame)
    off_host = [u for u in requests if not u.startswith((base, "data:", "blob:", "about:"))]
    assert off_host == []
    assert [e for e in errors if "leaflet" in e.lower() or "is not defined" in e] == []


def test_plugins_are_vendored_with_their_licences_and_inlined():
    from regionmap.offline import PLUGIN_VERSIONS, plugin_js_css

    text = resources.files("regionmap").joinpath("assets", "VERSIONS.txt").read_text("utf-8")
    for spec, licence in (
        ("leaflet.markercluster@1.5.3", "markercluster/MIT-LICENCE.txt"),
        ("leaflet-minimap@3.6.1", "minimap/LICENSE.txt"),
        ("html-to-image@1.11.13", "html-to-image/LICENSE"),
    ):
        assert f"{spec}  " in text and licence in text
    assert PLUGIN_VERSIONS == {
        "leaflet.markercluster": "1.5.3",
        "leaflet-minimap": "3.6.1",
        "html-to-image": "1.11.13",
    }
    js, css = plugin_js_css()
    assert [n for n, _ in js] == [
        "leaflet_markercluster",
        "leaflet_minimap",
        "html_to_image",
        "regionmap_map_js",
    ]
    assert all(uri.startswith("data:") for _, uri in js + css)
    minimap_css = _decode(dict(css)["minimap_css"]).decode()
    assert "url(images/" not in minimap_css and "data:image/svg+xml" in minimap_css
