"""Report exports: figures (PNG, SVG, PDF), standalone HTML and ``regionmap export``.

Views use the shipped countries (1:50m for the 30°-wide test box) and a small temporary
layer with one point inside the box and one outside, each citing its own source.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shlex
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from regionmap import export as export_mod
from regionmap import figure
from regionmap.appexport import export_bytes, export_key
from regionmap.catalog import ROOT, Catalog
from regionmap.citations import number_sources
from regionmap.cli import cli
from regionmap.export import (
    CREDIT,
    ExportError,
    ExportUsageError,
    collect_view,
    export_view,
    resolve_view,
)
from regionmap.exportcmd import export_command
from regionmap.filters import Filters
from regionmap.htmlpack import unpack_page
from regionmap.offline import remote_asset_urls
from regionmap.projection import choose_projection, metres_per_degree_lon
from regionmap.textfit import text_width, wrap

BBOX = (120.0, 20.0, 150.0, 50.0)
BBOX_TEXT = "120,20,150,50"
DATE = dt.date(2026, 11, 25)
INSIDE = "Inside Source On Kadena"
OUTSIDE = "Outside Source In Paris"
HOSTILE = "$x^2$ <script>alert(1)</script> {{7*7}} & co"
runner = CliRunner()


def _source(key: str, title: str, url: str) -> dict:
    return {
        "key": key,
        "title": title,
        "publisher": "Example Publisher",
        "url": url,
        "accessed": "2026-11-25",
    }


def _point(fid: str, name: str, lon: float, lat: float, sources: list[str]) -> dict:
    return {
        "type": "Feature",
        "properties": {"id": fid, "name": name, "country": "JPN", "sources": sources},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _write_layer(folder: Path, layer_id: str, features: list[dict], **meta) -> None:
    (folder / "layers").mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "data" / f"{layer_id}.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), "utf-8"
    )
    doc = {
        "id": layer_id,
        "title": f"Layer {layer_id}",
        "license": "CC0-1.0",
        "attribution": "Compiled for the tests",
        "data": f"../data/{layer_id}.geojson",
        "group": "Test layers",
        "style": {"color": "#b2182b", "fill_color": "#d6604d", "marker": "square"},
        **meta,
    }
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    (folder / "layers" / f"{layer_id}.yaml").write_text(text, "utf-8")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Catalog:
    """The built-in catalog plus a user folder with small test layers."""
    folder = tmp_path_factory.mktemp("catalog")
    _write_layer(
        folder,
        "sites",
        [
            _point("in", "Inside point", 127.768, 26.356, ["inside"]),
            _point("out", "Outside point", 2.352, 48.857, ["outside"]),
        ],
        sources=[
            _source("inside", INSIDE, "https://example.org/inside"),
            _source("outside", OUTSIDE, "https://example.org/outside"),
        ],
    )
    _write_layer(
        folder,
        "hostile",
        [_point("h", HOSTILE, 135.0, 35.0, ["h"])],
        title=f"Hostile {HOSTILE}",
        sources=[_source("h", f"Source {HOSTILE}", "https://example.org/h")],
    )
    many = [
        _source(f"s{i:03d}", f"Long list source number {i:03d}", f"https://example.org/{i}")
        for i in range(90)
    ]
    _write_layer(
        folder,
        "many",
        [_point("m", "Much cited", 135.0, 35.0, [s["key"] for s in many])],
        sources=many,
    )
    return Catalog(folder, root=ROOT)


def _export(catalog: Catalog, tmp_path: Path, fmt: str, name: str = "view", **kw):
    options = {"bbox": BBOX, "layers": ["sites", "countries"], "export_date": DATE, **kw}
    return export_view(catalog, fmt=fmt, out=tmp_path / f"{name}.{fmt}", **options)


def _pdf_text(path: Path) -> str:
    """The text of every page, whitespace collapsed (wrapped lines joined)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def _svg_text(path: Path) -> str:
    """The SVG's text elements, unescaped, joined by spaces."""
    svg = path.read_text("utf-8")
    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


# --- the figure -------------------------------------------------------------------------------


def test_pdf_has_title_credit_and_exactly_the_sources_in_the_frame(catalog, tmp_path):
    result = _export(catalog, tmp_path, "pdf", title="Sites in East Asia")
    text = _pdf_text(result.path)
    assert "Sites in East Asia" in text
    assert CREDIT in text
    contents = collect_view(catalog, resolve_view(bbox=BBOX), ["sites", "countries"])
    titles = [c.source.title for c in contents.bibliography.citations]
    assert INSIDE in titles and OUTSIDE not in titles
    for title in titles:
        assert title in text
    assert OUTSIDE not in text
    assert "Layer sites: CC0-1.0. Compiled for the tests." in text
    assert "Lambert azimuthal equal-area" in text
    assert result.features == 1 and result.sources == len(titles)


def test_svg_has_legend_labels_and_point_labels_with_numbers(catalog, tmp_path):
    result = _export(catalog, tmp_path, "svg")
    text = _svg_text(result.path)
    assert "Layer sites (1)" in text
    assert "Countries (Natural Earth)" in text
    contents = collect_view(catalog, resolve_view(bbox=BBOX), ["sites", "countries"])
    number = next(c.number for c in contents.bibliography.citations if c.source.title == INSIDE)
    assert f"Inside point [{number}]" in text
    assert "Outside point" not in text
    assert re.search(r"\b\d+ km\b", text), "scale bar in km"


def test_labels_can_be_turned_off(catalog, tmp_path):
    text = _svg_text(_export(catalog, tmp_path, "svg", labels=False).path)
    assert "Inside point" not in text
    assert "Layer sites (1)" in text


def test_png_has_the_requested_size_and_is_not_blank(catalog, tmp_path):
    result = _export(catalog, tmp_path, "png", dpi=100, width_in=4)
    with Image.open(result.path) as image:
        assert image.width == 400
        assert round(image.info["dpi"][0]) == 100
        pixels = np.asarray(image.convert("RGB"), dtype=float)
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    assert pixels[:55].min() < 80, "the title is drawn in the top half inch"
    assert pixels[-40:].min() < 80, "the source list is drawn at the bottom"


def test_png_width_follows_dpi(catalog, tmp_path):
    result = _export(catalog, tmp_path, "png", dpi=60, width_in=5.5)
    with Image.open(result.path) as image:
        assert image.width == 330


def test_svg_and_pdf_are_byte_identical_across_runs(catalog, tmp_path):
    for fmt in ("svg", "pdf"):
        first = _export(catalog, tmp_path, fmt, name="a").path.read_bytes()
        second = _export(catalog, tmp_path, fmt, name="b").path.read_bytes()
        assert first == second, fmt


def test_export_date_is_the_only_date(catalog, tmp_path):
    svg = _export(catalog, tmp_path, "svg").path.read_text("utf-8")
    pdf = _pdf_text(_export(catalog, tmp_path, "pdf").path)
    assert "Exported 2026-11-25" in _svg_text(tmp_path / "view.svg")
    assert "Exported 2026-11-25" in pdf
    assert "<dc:date>" not in svg
    assert b"CreationDate" not in (tmp_path / "view.pdf").read_bytes()


def test_user_text_is_drawn_literally(catalog, tmp_path):
    options = {"layers": ["hostile", "countries"], "title": f"Title {HOSTILE}"}
    svg_path = _export(catalog, tmp_path, "svg", **options).path
    raw = svg_path.read_text("utf-8")
    assert "<script>" not in raw
    assert html.escape(HOSTILE, quote=False) in raw
    text = _svg_text(svg_path)
    assert f"Title {HOSTILE}" in text
    assert f"Hostile {HOSTILE} (1)" in text
    assert f"Source {HOSTILE}" in text
    pdf = _pdf_text(_export(catalog, tmp_path, "pdf", **options).path)
    assert f"Title {HOSTILE}" in pdf
    assert f"Source {HOSTILE}" in pdf


def test_long_source_list_continues_on_a_second_pdf_page(catalog, tmp_path):
    result = _export(catalog, tmp_path, "pdf", layers=["many", "countries"])
    assert result.pages >= 2
    reader = PdfReader(result.path)
    first = " ".join(reader.pages[0].extract_text().split())
    rest = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[1:])
    assert "continued on the next page" in first
    assert "Long list source number 089" in rest
    every = first + " " + rest
    assert all(f"Long list source number {i:03d}" in every for i in range(90))
    svg = _svg_text(_export(catalog, tmp_path, "svg", layers=["many", "countries"]).path)
    assert "Long list source number 089" in svg


def test_numbers_are_deterministic_basemaps_first(catalog):
    """The same view numbers the same way; the countries' sources come first, so they keep
    their numbers whatever the frame and filters do to the data layers."""
    filters = Filters(search="point")
    contents = collect_view(catalog, resolve_view(bbox=BBOX), ["countries", "sites"], filters)
    again = collect_view(catalog, resolve_view(bbox=BBOX), ["countries", "sites"], filters)
    numbered = [(c.number, c.source.url) for c in contents.bibliography.citations]
    assert numbered == [(c.number, c.source.url) for c in again.bibliography.citations]
    countries = catalog.load("countries", resolution="50m")
    first = {s.url for s in countries.meta.sources}
    assert {url for n, url in numbered[: len(first)]} == first
    assert [layer.id for layer, _ in contents.shown] == ["sites", "countries"]
    data = number_sources(contents.data_layers)
    assert [c.source.url for c in data.citations] == [u for _, u in numbered[len(first) :]]


def test_filters_narrow_data_not_basemap(catalog, tmp_path):
    contents = collect_view(
        catalog, resolve_view(bbox=BBOX), ["sites", "countries"], Filters(search="nothing")
    )
    assert contents.feature_count == 0
    assert dict((la.id, len(f)) for la, f in contents.shown)["countries"] > 5
    with pytest.raises(ExportError, match=r'nothing to export.*search "nothing"'):
        _export(catalog, tmp_path, "png", filters=Filters(search="nothing"))


def test_default_title_and_subtitle(catalog, tmp_path):
    result = _export(catalog, tmp_path, "pdf", region="japan", bbox=None, layers=["sites"])
    text = _pdf_text(result.path)
    # Issue #12: the title is short (the region), the layers go into the subtitle.
    assert "Japan: Layer sites" not in text
    assert text.index("Japan") < text.index("Layer sites · Exported 2026-11-25")
    assert "Exported 2026-11-25 · filters: no filters · view 122°E–146.5°E, 24°N–46°N" in text


def test_an_edited_layer_is_reloaded(tmp_path):
    folder = tmp_path / "cat"
    _write_layer(
        folder,
        "edit",
        [_point("a", "A", 130, 30, ["s"])],
        sources=[_source("s", "S", "https://example.org/s")],
    )
    catalog = Catalog(folder, root=ROOT)
    view = resolve_view(bbox=BBOX)
    assert collect_view(catalog, view, ["edit"]).feature_count == 1
    features = [_point("a", "A", 130, 30, ["s"]), _point("b", "B", 131, 31, ["s"])]
    _write_layer(folder, "edit", features, sources=[_source("s", "S", "https://example.org/s")])
    assert collect_view(catalog, view, ["edit"]).feature_count == 2


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"region": "atlantis", "bbox": None}, ExportUsageError, "choose one of: world"),
        ({"layers": ["sites", "nope"]}, ExportUsageError, "choose from: .*countries"),
        ({"fmt": "gif"}, ExportUsageError, "choose one of: png, svg, pdf, html"),
        ({"bbox": (150, 20, 120, 50)}, ExportUsageError, "west >= east"),
        ({"bbox": (120, 20, 150, 95)}, ExportUsageError, "out of range"),
        ({"bbox": (-30, -20, -10, -5), "layers": ["sites"]}, ExportError, "nothing to export"),
        ({"dpi": 5}, ExportUsageError, "dpi 5 is out of range"),
    ],
)
def test_bad_input_is_a_clear_error_and_leaves_no_file(catalog, tmp_path, options, error, message):
    options = {"fmt": "png", **options}
    fmt = options.pop("fmt")
    with pytest.raises(error, match=message):
        export_view(
            catalog,
            **{"bbox": BBOX, "layers": ["sites", "countries"], **options},
            fmt=fmt,
            out=tmp_path / "out.png",
        )
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_a_clear_error(catalog, tmp_path):
    with pytest.raises(ExportError, match=r"folder .*missing.* does not exist"):
        _export(catalog, tmp_path / "missing", "svg")
    (tmp_path / "folder.svg").mkdir()
    with pytest.raises(ExportError, match="it is a folder"):
        _export(catalog, tmp_path, "svg", name="folder")
    assert [p.name for p in tmp_path.iterdir()] == ["folder.svg"]


def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(catalog, tmp_path, monkeypatch):
    out = tmp_path / "view.pdf"
    out.write_bytes(b"old report")

    def broken(pages, fmt, path, **kw):
        Path(path).write_bytes(b"%PDF-partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(figure, "save_pages", broken)
    with pytest.raises(ExportError, match="No space left on device"):
        _export(catalog, tmp_path, "pdf")
    assert out.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["view.pdf"]


# --- HTML -----------------------------------------------------------------------------------


def test_html_is_self_contained_with_sources_and_note(catalog, tmp_path):
    result = _export(catalog, tmp_path, "html", layers=["sites", "hostile", "countries"])
    packed = result.path.read_text("utf-8")
    page = unpack_page(packed)  # the page with its scripts as text
    assert remote_asset_urls(packed) == [] and remote_asset_urls(page) == []
    assert "Exported 2026-11-25" in packed
    assert INSIDE in page and OUTSIDE not in page
    assert "Boundaries: Natural Earth (public domain), de facto" in page
    assert "<script>alert(1)" not in page
    assert "{{7*7}}" not in page and "&#123;&#123;7*7&#125;&#125;" in page


_MARKERS = """() => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const out = [];
  map.eachLayer(l => {
    if ((l instanceof L.CircleMarker || l instanceof L.Marker) && l.getTooltip()) {
      const p = map.latLngToContainerPoint(l.getLatLng());
      out.push({x: p.x, y: p.y, tip: l.getTooltip().getContent()});
    }
  });
  return out;
}"""


@pytest.mark.browser
def test_html_opens_offline_in_chromium_with_popup_citations(catalog, tmp_path):
    from browser import chromium_page

    result = _export(catalog, tmp_path, "html", layers=["sites", "countries"])
    with chromium_page(viewport=(1100, 800), timeout_ms=30_000) as page:
        remote: list[str] = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(("file:", "data:")) else remote.append(r.url),
        )
        page.goto(result.path.as_uri())
        page.wait_for_function(
            "() => document.querySelectorAll('path.leaflet-interactive').length > 5"
        )
        # The map has settled (fitted, clusters drawn) once regionmap has placed its labels.
        page.wait_for_selector("[data-rm-labels-placed]", state="attached")
        page.wait_for_timeout(300)
        markers = page.evaluate(_MARKERS)
        inside = [m for m in markers if "Inside point" in m["tip"]]
        assert inside and not [m for m in markers if "Outside point" in m["tip"]]
        page.locator(".folium-map").click(position={"x": inside[0]["x"], "y": inside[0]["y"]})
        link = page.wait_for_selector(".leaflet-popup-content a[href^='http']")
        assert INSIDE in page.locator(".leaflet-popup-content").inner_text()
        assert link.get_attribute("href") == "https://example.org/inside"
        assert "Exported 2026-11-25" in page.locator("#rm-about summary").inner_text()
        assert remote == []


# --- pieces ---------------------------------------------------------------------------------


def test_projection_by_extent():
    world = choose_projection((-180, -60, 180, 84))
    assert world.lonlat and "plate carrée" in world.credit
    assert world.scale_dx == pytest.approx(metres_per_degree_lon(12))
    japan = choose_projection((122, 24, 146.5, 46))
    assert "+proj=laea +lat_0=35 +lon_0=134.25" in japan.crs
    assert "centred on 35°N, 134.25°E" in japan.credit
    assert "North Pole" in choose_projection((-180, 60, 180, 84)).name


def test_metres_per_degree_matches_the_field_notes():
    assert metres_per_degree_lon(0) == pytest.approx(111320, rel=1e-4)
    assert metres_per_degree_lon(35) == pytest.approx(111320 * np.cos(np.radians(35)), rel=3e-3)


def test_wrap_keeps_lines_within_width():
    text = "A long title " * 10 + "https://example.org/" + "x" * 200
    lines = wrap(text, 7, 200)
    assert len(lines) > 3
    assert all(text_width(line, 7) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


# --- CLI ------------------------------------------------------------------------------------


def _cli(*args: str, catalog: Catalog):
    argv = ["export", *args, "--catalog", str(catalog.user_dir), "--date", "2026-11-25"]
    return runner.invoke(cli, argv, catch_exceptions=False)


def test_cli_export_writes_the_file(catalog, tmp_path):
    out = tmp_path / "japan.svg"
    result = _cli(
        "--bbox", BBOX_TEXT, "--layers", "sites,countries", "--out", str(out), catalog=catalog
    )
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "1 feature(s)" in result.output
    assert "Layer sites (1)" in _svg_text(out)


def test_cli_filters_mean_what_they_mean_in_the_app(catalog, tmp_path):
    out = tmp_path / "v.pdf"
    args = ["--bbox", BBOX_TEXT, "--layers", "sites", "--out", str(out)]
    result = _cli(*args, "--country", "kor", catalog=catalog)
    assert result.exit_code == 1 and "country KOR" in result.output
    result = _cli(*args, "--country", "jpn", "--search", "inside", catalog=catalog)
    assert result.exit_code == 0, result.output
    assert 'filters: search "inside"; country JPN' in _pdf_text(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "atlantis"], "choose one of: world"),
        (["--region", "japan", "--layers", "nope"], "choose from: basing"),
        (["--region", "japan", "--format", "gif"], "'gif' is not one of 'png', 'svg'"),
        (["--region", "japan", "--bbox", "1,2,3,4"], "exactly one"),
        (["--region", "japan", "--years", "2020-1990"], "FROM <= TO"),
        (["--region", "japan", "--country", "JP"], "ISO 3166-1 alpha-3"),
        (["--region", "japan", "--dpi", "0"], "--dpi"),
    ],
)
def test_cli_usage_errors_exit_2_with_choices(catalog, tmp_path, args, message):
    out = tmp_path / "out.png"
    result = _cli(*args, "--out", str(out), catalog=catalog)
    assert result.exit_code == 2, result.output
    assert re.search(message, result.output)
    assert not out.exists()


def test_cli_format_from_suffix_or_error(catalog, tmp_path):
    result = _cli("--region", "japan", "--out", str(tmp_path / "x.tiff"), catalog=catalog)
    assert result.exit_code == 2 and "cannot tell the format" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bbox", "-30,-20,-10,-5", "--layers", "sites"], "nothing to export"),
        (
            ["--bbox", BBOX_TEXT, "--layers", "sites", "--out", "/nonexistent/dir/x.png"],
            "does not exist",
        ),
    ],
)
def test_cli_errors_exit_1_and_leave_no_file(catalog, tmp_path, args, message):
    out = ["--out", str(tmp_path / "x.png")] if "--out" not in args else []
    result = _cli(*args, *out, catalog=catalog)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


# --- the app's downloads ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "html"])
def test_export_bytes_are_the_file_export_view_writes(catalog, tmp_path, fmt):
    exported = export_bytes(catalog, fmt=fmt, bbox=BBOX, layers=["sites", "countries"],
                            export_date=DATE, title="Same file")  # fmt: skip
    written = _export(catalog, tmp_path, fmt, title="Same file")
    assert exported.data == written.path.read_bytes()
    assert exported.file_name == f"regionmap-view-2026-11-25.{fmt}"
    assert exported.media_type == export_mod.MEDIA_TYPES[fmt]
    assert exported.result.features == written.features == 1
    assert not list(Path(tempfile.gettempdir()).glob("regionmap-export-*"))


def test_export_bytes_errors_are_export_errors(catalog):
    with pytest.raises(ExportError, match="nothing to export"):
        export_bytes(catalog, fmt="svg", bbox=(-30, -20, -10, -5), layers=["sites"])
    with pytest.raises(ExportUsageError, match=r"no layers chosen; choose from: .*sites"):
        export_bytes(catalog, fmt="svg", bbox=BBOX, layers=())
    with pytest.raises(ExportUsageError, match="unknown format 'gif'"):
        export_bytes(catalog, fmt="gif", bbox=BBOX, layers=["sites"])


def test_export_command_writes_the_same_file(catalog, tmp_path):
    options = {
        "bbox": (120.125, 20.0, 150.5, 50.0),
        "layers": ("sites", "countries"),
        "filters": Filters(search="inside", countries=("JPN",), years=(1900, 2030)),
        "title": "-A title with 'quotes'",
        "dpi": 72,
    }
    command = export_command(export_date=DATE, out=str(tmp_path / "cli.png"), **options)
    argv = shlex.split(command)
    assert argv[:4] == ["regionmap", "export", "--bbox", "120.125,20,150.5,50"]
    result = runner.invoke(cli, [*argv[1:], "--catalog", str(catalog.user_dir)])
    assert result.exit_code == 0, result.output
    exported = export_bytes(catalog, fmt="png", export_date=DATE, **options)
    assert exported.data == (tmp_path / "cli.png").read_bytes()


def test_export_key_tells_a_stale_file():
    options = {"bbox": BBOX, "layers": ("sites",), "filters": Filters(), "title": None, "dpi": 300}
    key = export_key("pdf", DATE, options, ("stamp",))
    assert key == export_key("pdf", DATE, {**options, "dpi": 72}, ("stamp",))
    assert key != export_key(
        "pdf", DATE, {**options, "bbox": (121.0, 20.0, 150.0, 50.0)}, ("stamp",)
    )
    assert key != export_key("pdf", DATE, {**options, "filters": Filters(search="x")}, ("stamp",))
    assert key != export_key("pdf", DATE, options, ("edited",))
    assert key != export_key("pdf", dt.date(2026, 11, 26), options, ("stamp",))
    assert export_key("png", DATE, options) != export_key("png", DATE, {**options, "dpi": 72})


def test_export_module_has_no_streamlit():
    assert "streamlit" not in Path(export_mod.__file__).read_text("utf-8")
