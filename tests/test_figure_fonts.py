"""Every script prints: the bundled Noto Sans JP/KR fonts draw the CJK source titles."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from regionmap.catalog import Catalog
from regionmap.export import collect_view, export_view, resolve_view
from regionmap.fonts import FONT_DIR, bundled_families
from regionmap.textfit import font_family, missing_glyphs

CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")


def test_fonts_are_bundled_with_their_licence():
    assert bundled_families() == ("Noto Sans JP", "Noto Sans KR")
    assert font_family()[:3] == ("DejaVu Sans", "Noto Sans JP", "Noto Sans KR")
    assert "SIL Open Font License" in (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert sum(p.stat().st_size for p in FONT_DIR.glob("*.ttf")) < 10_000_000


def test_japanese_and_korean_have_glyphs():
    assert missing_glyphs(["캠프 워커", "防衛省市ヶ谷地区", "【ホワイトビーチ地区】"]) == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_japan_pdf_prints_cjk_titles(tmp_path: Path):
    catalog = Catalog()
    contents = collect_view(catalog, resolve_view(region="japan"))
    titles = [c.source.title for c in contents.bibliography.citations if CJK.search(c.source.title)]
    assert any(KANA.search(t) for t in titles) and any(HANGUL.search(t) for t in titles)
    out = tmp_path / "japan.pdf"
    result = export_view(
        catalog, region="japan", fmt="pdf", out=out, export_date=dt.date(2026, 1, 2)
    )
    assert not [w for w in result.warnings if "glyph" in w], result.warnings
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    for title in titles:
        assert " ".join(title.split()) in flat, title
