"""The standalone page packs its scripts into one gzip payload and draws the same map.

What a reader checks: the file is much smaller, the numbered sources can still be read (and
searched) in the file itself, and opened offline in Chromium the packed page draws exactly
what the unpacked one draws.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import chromium_page

from regionmap.catalog import Catalog
from regionmap.export import export_view
from regionmap.htmlpack import is_packed, pack_page, unpack_page

CATALOG = Catalog()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "world.html"
    export_view(CATALOG, region="world", fmt="html", out=out)
    return out


def test_the_page_is_packed_small_and_unpacks_to_the_plain_page(world):
    page = world.read_text("utf-8")
    plain = unpack_page(page)
    assert is_packed(page) and not is_packed(plain)
    assert len(page.encode()) < 0.45 * len(plain.encode())
    assert not re.search(r"<script src=", page), "every script travels in the payload"
    assert "L.map(" in plain and "L.map(" not in page
    assert pack_page(plain) == page, "the same page packs to the same bytes"


def test_the_sources_stay_readable_in_the_file(world):
    page = world.read_text("utf-8")
    panel = re.search(r'<details id="rm-about".*?</details>', page, re.S)
    assert panel is not None
    assert re.search(r"\[\d+\] [^<]+\. .*https?://", panel.group(0)), "numbered sources as text"


def _drawn(path: Path) -> tuple[bytes, int, str]:
    """The page opened offline in Chromium: its screenshot, drawn shapes and a font size."""
    with chromium_page() as page:  # the network blocked
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function(
            "() => document.querySelector('.leaflet-container[data-rm-labels-placed]')"
        )
        page.wait_for_timeout(300)
        assert not errors, errors
        shapes = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
        font = page.evaluate(
            "getComputedStyle(document.querySelector('.leaflet-container')).fontSize"
        )
        return page.screenshot(), shapes, font


def test_the_packed_page_draws_what_the_plain_page_draws(world, tmp_path):
    plain = tmp_path / "plain.html"
    plain.write_text(unpack_page(world.read_text("utf-8")), "utf-8")
    packed_shot, packed_shapes, packed_font = _drawn(world)
    plain_shot, plain_shapes, plain_font = _drawn(plain)
    assert packed_shapes == plain_shapes > 150
    assert packed_font == plain_font, "the stylesheets keep their places in the cascade"
    assert packed_shot == plain_shot
