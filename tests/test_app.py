"""The Streamlit explorer (app.py) under streamlit.testing.v1.AppTest."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from catalogs import payload_layer, point, source, write_layer
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from regionmap.catalog import ROOT, Catalog
from regionmap.export import export_view
from regionmap.filters import Filters
from regionmap.offline import remote_asset_urls
from regionmap.safe_html import escape_text
from regionmap.view import View, view_contents

APP = ROOT / "app.py"
#: The Japan preset's centre (lat, lon), as the app moves the mounted map there.
JAPAN_CENTER = [35.0, 134.25]
REMOTE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def _app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def map_args(at: AppTest, index: int = 0) -> dict:
    """The JSON arguments of a map component (0: the main map)."""
    components = at.get("component_instance")
    assert len(components) > index, "the map component is missing"
    proto = components[index].proto
    args = json.loads(proto.json_args)
    for special in proto.special_args:  # the lists travel as JSON bytes (component_args)
        if special.key == "lists":
            args.update(json.loads(special.bytes))
    return args


def _groups_js(args: dict) -> str:
    """The scripts of the groups the map component swaps in (regionmap.mapcomponent)."""
    return "".join(g["js"] for g in args.get("groups") or [])


def _served(url: str) -> Path:
    """The file the app's server sends for one of its /app/static/ URLs."""
    assert url.startswith("/app/static/"), url
    return ROOT / "static" / url.removeprefix("/app/static/")


def _map_text(args: dict) -> str:
    """What the map receives: the page, the swapped-in groups and the countries file they name.

    The countries come from the app's static folder (regionmap.appbase), named by the groups.
    """
    groups = _groups_js(args)
    files = re.findall(r'rmap\.useBase\(map_div, \{"url":"([^"]+)"', groups)
    return args["script"] + groups + "".join(_served(u).read_text("utf-8") for u in files)


def _tooltips(args: dict) -> set[str]:
    """The feature names in the map's tooltips (escaped text as it is in the page).

    The data layers travel as feature groups beside the base map (regionmap.appmap).
    Polygons go through folium's tojson ("\\u003c"), points through regionmap's own JSON.
    """
    page = _map_text(args)
    found = re.findall(r'"tooltip": ?"(.*?)(?:\\u003c|<)span hidden', page)
    # The tooltips are JSON strings: read their \\u escapes (names such as "Alcântara").
    return {json.loads(f'"{text}"') for text in found}


def _assert_offline(args: dict) -> None:
    # Scripts and stylesheets are inlined, or files of the app's own server (regionmap.appstatic).
    for link in args["js_links"] + args["css_links"]:
        assert link.startswith("data:") or _served(link).is_file(), link
        if not link.startswith("data:"):
            assert not REMOTE.search(_served(link).read_text("utf-8"))
    page = args["header"] + args["html"] + args["script"]
    assert remote_asset_urls(args["header"] + args["html"]) == []
    assert not REMOTE.search(page)


@pytest.fixture
def user_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user catalog (REGIONMAP_CATALOG) with one small layer of three sites."""
    folder = tmp_path / "user-catalog"
    write_layer(
        folder,
        "sites",
        [
            point(
                "kadena",
                "Kadena Air Base",
                127.768,
                26.356,
                country="JPN",
                host="JPN",
                user="USA",
                since="1945",
                note="Okinawa.",
                sources=["s1"],
            ),
            point(
                "yokosuka",
                "Yokosuka",
                139.67,
                35.29,
                country="JPN",
                host="JPN",
                user="USA",
                since="1945",
                note="Tokyo Bay.",
            ),
            point(
                "ramstein",
                "Ramstein Air Base",
                7.6,
                49.44,
                country="DEU",
                host="DEU",
                user="USA",
                since="1953",
                note="Rhineland-Palatinate.",
            ),
        ],
        title="Test sites",
        sources=[source("s1", "Kadena source", "https://example.org/kadena")],
        popup=[{"field": "host", "label": "Host"}, {"field": "user", "label": "User"}],
        time={"start": "since"},
        group="Declared presence",
    )
    monkeypatch.setenv("REGIONMAP_CATALOG", str(folder))
    return folder


def test_app_runs_offline():
    at = _app().run()
    assert not at.exception, at.exception
    args = map_args(at)
    _assert_offline(args)
    assert "Natural Earth" in _map_text(args)  # the countries, credited
    assert args["groups"] and all(set(g) == {"name", "key", "js"} for g in args["groups"])
    text = " ".join(m.value for m in at.caption) + " ".join(m.value for m in at.markdown)
    assert "Boundaries: Natural Earth, de facto; depiction implies no endorsement." in text


def test_toggling_each_layer_changes_the_map():
    at = _app().run()
    catalog_layers = [Catalog().load(i, resolution="110m") for i in Catalog().ids()]
    toggled = 0
    for layer in catalog_layers:
        if not layer.ok or not layer.features:
            continue
        box = at.checkbox(key=f"layer:{layer.id}")
        name = escape_text(layer.features[0]["properties"]["name"])
        before = _tooltips(map_args(at))
        if not box.value:
            box.check().run()
            assert name not in before and name in _tooltips(map_args(at)), layer.id
        else:
            box.uncheck().run()
            assert name in before and name not in _tooltips(map_args(at)), layer.id
        assert not at.exception
        toggled += 1
    assert toggled >= 1


def test_region_and_fit_change_the_map(user_catalog):
    at = _app().run()
    world = map_args(at)
    at.selectbox(key="region").set_value("japan").run()
    japan = map_args(at)
    # One mounted map moved in place: the same page and key, a new centre and zoom.
    assert (japan["script"], japan["key"]) == (world["script"], world["key"])
    assert world["center"] != JAPAN_CENTER and japan["center"] == JAPAN_CENTER
    assert japan["zoom"] > world["zoom"]
    assert at.query_params["region"] == "japan"
    at.checkbox(key="fit").check().run()  # the sites span Okinawa to Germany
    assert not at.exception
    fitted = map_args(at)
    assert fitted["key"] == japan["key"] and fitted["center"] != JAPAN_CENTER
    assert fitted["zoom"] < japan["zoom"]
    assert at.query_params["fit"] == "1"


def test_filters_change_map_table_and_sources(user_catalog):
    at = _app().run()
    assert {"Kadena Air Base", "Yokosuka", "Ramstein Air Base"} <= _tooltips(map_args(at))
    at.text_input(key="q").input("kadena").run()
    names = _tooltips(map_args(at))
    assert "Kadena Air Base" in names and "Yokosuka" not in names
    table = at.dataframe[0].value
    assert list(table[table["layer"] == "Test sites"]["name"]) == ["Kadena Air Base"]
    assert "Kadena source" in " ".join(h.proto.body for h in at.html)  # the Sources panel
    assert at.query_params["q"] == "kadena"

    at.text_input(key="q").input("").run()
    at.multiselect(key="countries").select("DEU").run()
    names = _tooltips(map_args(at))
    assert "Ramstein Air Base" in names and "Kadena Air Base" not in names

    at.multiselect(key="countries").unselect("DEU").run()
    low, high = at.slider(key="years").min, at.slider(key="years").max
    at.slider(key="years").set_range(1950, high).run()
    names = _tooltips(map_args(at))
    assert "Ramstein Air Base" in names and "Yokosuka" not in names
    assert low <= 1945


def test_broken_layer_is_reported_and_others_render(user_catalog):
    (user_catalog / "layers" / "broken-meta.yaml").write_text("id: broken-meta\ntitle: [", "utf-8")
    write_layer(user_catalog, "broken-data", [point("a", "A", 1, 1)])
    (user_catalog / "data" / "broken-data.geojson").write_text('{"type": "Feature', "utf-8")
    write_layer(user_catalog, "bad-coords", [point("b", "B", 200, 10)])
    at = _app().run()
    assert not at.exception, at.exception
    problems = [e for e in at.expander if e.label.startswith("Layer problems")]
    assert problems and "3 broken" in problems[0].label
    text = " ".join(m.value for m in problems[0].markdown).replace("\\", "")
    for layer_id in ("broken-meta", "broken-data", "bad-coords"):
        assert layer_id in text
    messages = " ".join(str(df.value.to_dict()) for df in problems[0].dataframe)
    assert "coordinate-range" in messages and "yaml-syntax" in messages
    args = map_args(at)
    assert "Kadena Air Base" in _tooltips(args)
    assert "Natural Earth" in _map_text(args)  # the countries, credited


def test_query_params_restore_state(user_catalog):
    at = _app()
    at.query_params.update(
        {
            "region": "japan",
            "layers": "sites,countries",
            "country": "JPN,XXXX",
            "feature": "sites:kadena",
            "unknown": "ignored",
        }
    )
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="region").value == "japan"
    assert at.checkbox(key="layer:sites").value
    assert at.checkbox(key="layer:countries").value
    for other in Catalog().ids():
        if other not in ("sites", "countries"):
            assert not at.checkbox(key=f"layer:{other}").value
    assert at.multiselect(key="countries").value == ["JPN"]
    args = map_args(at)
    assert args["center"] == JAPAN_CENTER
    assert _tooltips(args) >= {"Kadena Air Base", "Yokosuka"}
    assert "Ramstein Air Base" not in _tooltips(args)
    selected = " ".join(m.value for m in at.markdown)
    assert "**Kadena Air Base** · Test sites" in selected
    assert at.query_params["feature"] == "sites:kadena"


def test_hostile_layer_through_st_folium(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    payload_layer(tmp_path / "cat", marker)
    monkeypatch.setenv("REGIONMAP_CATALOG", str(tmp_path / "cat"))
    at = _app()
    at.query_params["region"] = "japan"
    at.run()
    assert not at.exception, at.exception
    args = map_args(at)
    page = json.dumps(args)
    assert not marker.exists()
    assert "AAA49ZZZ" not in page and "LOOPLOOP" not in page
    assert "<script>alert" not in args["script"] and "<svg onload" not in args["script"]
    _assert_offline(args)


def _geojson(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_add_a_layer_from_the_browser(user_catalog):
    at = _app().run()
    at.file_uploader(key="upload").upload(
        "my bases.geojson", _geojson(point("x", "Uploaded site", 140.1, 36.2))
    ).run()
    assert not at.exception, at.exception
    assert any("No errors" in s.value for s in at.success)
    assert len(at.get("component_instance")) == 2  # the main map and the preview
    assert "Uploaded site" in _tooltips(map_args(at, 1))
    form = at.text_input
    values = {
        "Layer id (kebab-case)": "my-bases",
        "Title": "My bases",
        "Licence (SPDX id, e.g. CC0-1.0)": "CC0-1.0",
        "Source title": "Base list",
        "Source URL (http or https)": "https://example.org/bases",
    }
    for widget in form:
        if widget.label in values:
            widget.input(values[widget.label])
    next(b for b in at.button if b.label == "Add to catalog").click().run()
    assert not at.exception, at.exception
    assert (user_catalog / "layers" / "my-bases.yaml").is_file()
    assert any("Added layer" in s.value for s in at.success)
    assert "Uploaded site" in _tooltips(map_args(at))


def test_upload_problems_and_size_cap(user_catalog, monkeypatch):
    monkeypatch.setenv("REGIONMAP_MAX_UPLOAD_MB", "1")
    at = _app().run()
    at.file_uploader(key="upload").upload("bad.geojson", _geojson(point("b", "B", 200, 10))).run()
    assert any("error(s)" in e.value for e in at.error)
    report = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "coordinate-range" in report and "bad.geojson" in report
    big = b" " * (1024 * 1024 + 10) + _geojson(point("c", "C", 1, 1))
    at.file_uploader(key="upload").upload("big.geojson", big).run()
    assert any("uploads are limited to 1 MB" in e.value for e in at.error)
    assert not at.exception


# --- exports of the current view ----------------------------------------------------------------

EPOCH = "1764028800"  # 2025-11-25 00:00 UTC
EPOCH_DATE = dt.date(2025, 11, 25)
PANNED = (125.5, 30.0, 140.0, 40.25)


class _KeptStorage(MemoryMediaFileStorage):
    """The media storage of the latest AppTest run, kept to read download buttons' files."""

    latest: MemoryMediaFileStorage | None = None

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        _KeptStorage.latest = self


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Callable[[AppTest, str], bytes]:
    """Read the file behind a download button (by key) of the last run."""
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _KeptStorage)

    def read(at: AppTest, key: str) -> bytes:
        buttons = [b for b in at.get("download_button") if b.proto.id.endswith(key)]
        assert buttons, f"no download button {key}"
        assert _KeptStorage.latest is not None
        return _KeptStorage.latest.get_file(buttons[0].proto.url.rsplit("/", 1)[-1]).content

    return read


def _report_view(at: AppTest, bbox: tuple, tooltip: str | None = None) -> AppTest:
    """Do what the browser does when the map moves: set the component's value, as Leaflet has it."""
    west, south, east, north = bbox
    at.session_state[map_args(at)["key"]] = {
        "last_object_clicked_tooltip": tooltip,
        "bounds": {
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
        "center": {"lat": (south + north) / 2, "lng": (west + east) / 2},
    }
    return at.run()


def _panel_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption).replace("\\", "")


def test_prepared_svg_is_the_file_export_view_writes(
    user_catalog, monkeypatch, downloads, tmp_path
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    at = _app()
    at.query_params.update({"region": "japan", "layers": "sites,countries", "country": "JPN"})
    at.run()
    before = map_args(at)
    _report_view(at, PANNED)
    assert not at.exception, at.exception
    after = map_args(at)
    assert after["script"] == before["script"] and after["key"] == before["key"]  # map unchanged
    _assert_offline(after)
    assert not at.info  # the frame is the map's view: no fallback note
    assert "Frame 125.5°E–140°E, 30°N–40.25°N" in _panel_text(at)
    at.text_input(key="export_title").input("Bases around Tokyo").run()
    at.button(key="prep:svg").click().run()
    assert not at.exception and not at.error, (at.exception, at.error)
    data = downloads(at, "download:svg")
    written = export_view(
        Catalog(),
        bbox=PANNED,
        layers=["sites", "countries"],
        filters=Filters(countries=("JPN",)),
        fmt="svg",
        out=tmp_path / "direct.svg",
        title="Bases around Tokyo",
        export_date=EPOCH_DATE,
    )
    assert data == written.path.read_bytes()
    svg = data.decode("utf-8")
    assert "Yokosuka" in svg and "Kadena Air Base" not in svg  # Kadena (26.4°N) is south of it
    assert "2025-11-25" in svg and "country JPN" in svg
    command = " ".join(at.get("code")[0].proto.code_text.split())
    assert "--bbox 125.5,30,140,40.25 --layers sites,countries --country JPN" in command
    _report_view(at, (126.0, 30.0, 140.0, 40.25))  # panned again: the file is stale
    assert not [b for b in at.get("download_button") if b.proto.id.endswith("download:svg")]
    assert at.button(key="prep:svg").label == "Prepare SVG"


def test_export_frames_the_app_view_until_the_map_reports(user_catalog):
    at = _app()
    at.query_params["region"] = "japan"
    at.run()
    assert any("has not reported its view" in i.value for i in at.info)
    assert "Frame 122°E–146.5°E, 24°N–46°N" in _panel_text(at)
    _report_view(at, (170.0, -50.0, 190.0, -30.0))  # across the antimeridian
    assert any("antimeridian" in i.value for i in at.info)
    assert "Frame 122°E–146.5°E, 24°N–46°N" in _panel_text(at)
    _report_view(at, (-500.0, -89.0, 400.0, 89.0))  # zoomed far out: the world, clamped
    assert not at.info and "Frame 180°W–180°E, 89°S–89°N" in _panel_text(at)


def test_empty_frame_is_an_error_message_not_an_exception(user_catalog):
    at = _app()
    at.query_params.update({"region": "japan", "q": "no such place anywhere"})
    at.run()
    at.button(key="prep:pdf").click().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Cannot export: nothing to export" in errors and "Widen the view" in errors
    assert not [b for b in at.get("download_button") if b.proto.id.endswith("download:pdf")]


def test_a_click_in_the_fragment_selects_the_feature(user_catalog):
    at = _app()
    at.query_params["region"] = "japan"
    at.run()
    _report_view(at, PANNED, tooltip="Yokosuka \u27e6sites:yokosuka\u27e7")
    assert not at.exception, at.exception
    assert "**Yokosuka** · Test sites" in " ".join(m.value for m in at.markdown)
    assert at.query_params["feature"] == "sites:yokosuka"


def test_no_layers_no_export(user_catalog):
    at = _app()
    at.query_params["layers"] = ""
    at.run()
    assert not at.exception
    assert "Turn on a layer to export the view." in _panel_text(at)
    assert not [b for b in at.button if b.key and b.key.startswith("prep:")]


def test_fit_to_results_frames_the_search_and_filters_say_what_they_hide(user_catalog):
    at = _app().run()
    at.text_input(key="q").input("kadena").run()
    next(b for b in at.button if b.label == "Fit to results").click().run()
    assert not at.exception, at.exception
    args = map_args(at)
    lat, lon = args["center"]
    # Centred near Kadena, zoomed in to a box under 5 degrees wide (view_zoom's map size).
    assert abs(lon - 127.768) < 2.5 and abs(lat - 26.356) < 2.5 and args["zoom"] >= 7
    assert "Kadena Air Base" in _tooltips(map_args(at))
    at.text_input(key="q").input("").run()
    at.multiselect(key="agreements").select("us-phl-edca-2014").run()
    notes = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "The agreement filter hides this layer" in notes and "Dated public events" in notes


def test_the_reported_frame_drives_map_table_and_sources():
    """Issue 10: at Japan the map shows about 109.9–158.5°E; Taiyuan (111.6°E) is in that
    frame, so it is drawn, listed and cited, and the numbers are those of an export."""
    at = _app()
    at.query_params["region"] = "japan"
    at.run()
    assert "Taiyuan Satellite Launch Center" not in _tooltips(map_args(at))  # the preset box
    _report_view(at, (109.9, 19.5, 158.5, 49.8))
    assert not at.exception, at.exception
    assert "Taiyuan Satellite Launch Center" in _tooltips(map_args(at))
    table = at.dataframe[0].value
    assert "Taiyuan Satellite Launch Center" in list(table["name"])
    # the sources tab's numbered list (escaped HTML), one paragraph per source
    panel = [line for h in at.html for line in re.findall(r"<p>(\[\d+\] .*?)</p>", h.proto.body)]
    contents = view_contents(Catalog(), View((109.9, 19.5, 158.5, 49.8)))
    assert len(panel) == len(contents.bibliography.citations)
    for line, citation in zip(panel, contents.bibliography.citations, strict=True):
        assert line.startswith(f"[{citation.number}] ")


def test_first_draw_loads_no_export_or_geopandas_code():
    """Starting the app imports neither matplotlib (figures) nor geopandas/pyproj: they load
    only when an export or a file upload asks for them (issue 15, cold start)."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=120).run()\n"
        "assert not at.exception, at.exception\n"
        "print(sorted(m for m in ('matplotlib', 'geopandas', 'pyproj', 'regionmap.figure')"
        " if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def test_a_static_folder_that_cannot_be_written_sends_the_map_inline(monkeypatch):
    """The countries and scripts go inline, with a log line, never a traceback."""
    import regionmap.appcache
    import regionmap.appstatic

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "static")

    monkeypatch.setattr(regionmap.appcache, "publish_bytes", refuse)
    monkeypatch.setattr(regionmap.appstatic, "publish_bytes", refuse)
    monkeypatch.setattr(regionmap.appstatic, "_published", {})
    at = _app().run()
    assert not at.exception, at.exception
    args = map_args(at)
    assert "/app/static/" not in _groups_js(args)  # no file named
    assert "Natural Earth" in _groups_js(args)  # the countries, inline
    assert all(link.startswith("data:") for link in args["js_links"] + args["css_links"])


def test_a_cold_start_reads_a_big_layers_check_record(tmp_path, monkeypatch):
    """The app's first run after an add reads the layer's check record, not every feature."""
    import regionmap.prepared as prepared
    from regionmap.store import NewLayer, add_layer

    # Above every built-in layer (at most 254 countries), so only the user's layer is recorded
    # and nothing is written into the repository's data/.
    monkeypatch.setattr(prepared, "RECORD_MIN_FEATURES", 300)
    source = tmp_path / "many.geojson"
    features = [point(f"p{i}", f"Place {i}", 130 + i * 0.01, 33 + i * 0.005) for i in range(320)]
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    folder = tmp_path / "catalog"
    new = NewLayer("many", "Many places", "CC0-1.0", "Synthetic", "https://example.org/many")
    add_layer(Catalog(folder), source, new, tiles=True)  # checks its output while cutting
    assert (folder / "data" / "many.checked.json").is_file()
    assert (folder / "data" / "many.columns.arrow").is_file()  # and its features as columns
    checked: list[str] = []
    real = prepared.read_geojson
    monkeypatch.setattr(
        prepared, "read_geojson", lambda path, **kw: checked.append(str(path)) or real(path, **kw)
    )
    monkeypatch.setenv("REGIONMAP_CATALOG", str(folder))
    at = _app().run()
    assert not at.exception, at.exception
    assert at.checkbox(key="layer:many").value  # a new layer is on by default
    assert not [p for p in checked if p.endswith("many.geojson")]  # read from its record
