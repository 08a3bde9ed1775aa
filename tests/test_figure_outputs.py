"""Paper sizes, alt text in every format, citation files and the archive bundle (issue #12)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from browser import chromium_page
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from regionmap.catalog import Catalog
from regionmap.cli import cli
from regionmap.export import collect_view, export_view, resolve_view

DATE = dt.date(2026, 11, 25)
JAPAN = {"region": "japan", "export_date": DATE}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog()


@pytest.mark.parametrize(
    ("paper", "orientation", "size"),
    [
        ("a4", "portrait", (595, 842)),
        ("letter", "landscape", (792, 612)),
        ("a5", "portrait", (420, 595)),
    ],
)
def test_paper_sizes(catalog, tmp_path, paper, orientation, size):
    out = tmp_path / "j.pdf"
    export_view(catalog, fmt="pdf", out=out, paper=paper, orientation=orientation, **JAPAN)
    pages = PdfReader(out).pages
    assert len(pages) >= 1
    for page in pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size


def test_cli_a4_gives_a4_pages(tmp_path):
    out = tmp_path / "j.pdf"
    result = CliRunner().invoke(
        cli, ["export", "--region", "japan", "--paper", "a4", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height)))
        for p in PdfReader(out).pages
    } == {(595, 842)}


def test_a4_png_has_the_page_size(catalog, tmp_path):
    out = tmp_path / "j.png"
    export_view(catalog, fmt="png", out=out, paper="a4", dpi=72, **JAPAN)
    width, height = Image.open(out).size  # 595.3 x 841.9 pt, rounded down to whole pixels
    assert abs(width - 595) <= 1 and abs(height - 842) <= 1


def _alt_from_files(folder: Path, catalog: Catalog) -> dict[str, str]:
    found = {}
    for fmt in ("svg", "pdf", "png", "html"):
        out = folder / f"j.{fmt}"
        result = export_view(catalog, fmt=fmt, out=out, dpi=60, **JAPAN)
        found["result-" + fmt] = result.alt_text
        if fmt == "svg":
            match = re.search(r"<desc>(.*?)</desc>", out.read_text(encoding="utf-8"), re.S)
            found[fmt] = match.group(1) if match else ""
        elif fmt == "pdf":
            found[fmt] = PdfReader(out).metadata.subject or ""
        elif fmt == "png":
            found[fmt] = Image.open(out).text.get("Description", "")
        else:
            match = re.search(
                r'class="folium-map"[^>]*aria-label="([^"]*)"|aria-label="([^"]*)"[^>]*class="folium-map"',
                out.read_text(encoding="utf-8"),
            )
            found[fmt] = match.group(1) or match.group(2) if match else ""
    return found


def test_alt_text_in_every_format(catalog, tmp_path):
    import html

    found = _alt_from_files(tmp_path, catalog)
    alt = found["result-svg"]
    assert len(alt.split()) >= 12
    contents = collect_view(catalog, resolve_view(region="japan"))
    for layer, feats in contents.data_layers:
        assert f"{layer.meta.title} ({len(feats)} feature" in alt
    assert "Japan" in alt and "Natural Earth" in alt and "2026-11-25" in alt
    assert "every date" in alt
    for fmt in ("svg", "pdf", "png", "html"):
        assert html.unescape(found[fmt]) == alt, fmt
        assert found["result-" + fmt] == alt


def test_citation_files_follow_the_figure_numbers(catalog, tmp_path):
    contents = collect_view(catalog, resolve_view(region="japan"))
    keys = [f"rm{c.number}-{c.source.key}" for c in contents.bibliography.citations]
    outs = {}
    for fmt, name in (("bib", "j.bib"), ("csl-json", "j.json"), ("ris", "j.ris")):
        outs[fmt] = tmp_path / name
        export_view(catalog, fmt=fmt, out=outs[fmt], **JAPAN)
    items = json.loads(outs["csl-json"].read_text(encoding="utf-8"))
    assert [item["id"] for item in items] == keys
    for item, citation in zip(items, contents.bibliography.citations, strict=True):
        # CSL-JSON shape: id, a CSL type, strings, and dates as date-parts of integers.
        assert item["type"] in {"webpage", "article-newspaper", "entry-encyclopedia"}
        assert item["title"] == citation.source.title and item["URL"] == str(citation.source.url)
        parts = item["accessed"]["date-parts"]
        assert (
            len(parts) == 1
            and all(isinstance(v, int) for v in parts[0])
            and 1 <= len(parts[0]) <= 3
        )
    bib = outs["bib"].read_text(encoding="utf-8")
    assert re.findall(r"@online\{([^,]+),", bib) == keys
    assert bib.count("{") == bib.count("}")
    ris = outs["ris"].read_text(encoding="utf-8")
    assert re.findall(r"^ID  - (.+?)\r?$", ris, re.M) == keys
    assert ris.count("ER  - ") == len(keys)


def test_bundle_manifest_matches_its_files(catalog, tmp_path):
    out = tmp_path / "j.zip"
    export_view(catalog, fmt="bundle", out=out, dpi=60, **JAPAN)
    again = tmp_path / "again.zip"
    export_view(catalog, fmt="bundle", out=again, dpi=60, **JAPAN)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        for name, info in manifest["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == info["sha256"], name
        assert {i.date_time for i in archive.infolist()} == {(2026, 11, 25, 0, 0, 0)}
    assert set(names) == {*manifest["files"], "manifest.json"}
    assert {
        "figure.html",
        "figure.png",
        "figure.pdf",
        "sources.bib",
        "sources.ris",
        "sources.csl.json",
    } <= set(names)
    assert manifest["natural_earth_version"] == "4.1.0"
    assert manifest["export_date"] == "2026-11-25" and manifest["view"]["region"] == "japan"
    for layer in manifest["layers"]:
        path = Catalog().entry(layer["id"]).meta_path
        assert layer["metadata_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert layer["data_sha256"]
    assert out.read_bytes() == again.read_bytes(), "the bundle is deterministic"


@pytest.mark.browser
def test_bundle_html_opens_offline(catalog, tmp_path):
    out = tmp_path / "j.zip"
    export_view(catalog, fmt="bundle", out=out, dpi=50, **JAPAN)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    with chromium_page() as page:
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto((folder / "figure.html").as_uri())
        page.wait_for_selector(".leaflet-container .leaflet-interactive", state="attached")
        drawn = page.locator(".leaflet-container .leaflet-interactive").count()
        label = page.get_attribute(".folium-map", "aria-label")
        assert page.evaluate("typeof L") == "object"
    assert failed == []
    assert drawn > 20, "the countries and the points are drawn"
    assert label and "Japan" in label
