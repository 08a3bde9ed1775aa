"""Labels that never overlap: the placement itself, and five real views measured in Chromium."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import shapely
from browser import chromium_page

from regionmap.catalog import Catalog
from regionmap.export import export_view
from regionmap.labels_place import LabelRequest, overlaps, place_labels, segment_hits_rect

VIEWS = {
    "japan": {"region": "japan"},
    "europe": {"region": "europe"},
    "korean-peninsula": {"region": "korean-peninsula"},
    "indo-pacific": {"region": "indo-pacific"},
    "app-japan-frame": {"bbox": "109.9,22,158.5,47"},
}
"""The five views of issue #12 (the last is the frame the app exports for Japan)."""
DATE = dt.date(2026, 11, 25)


def test_crowded_points_get_numbers_and_a_key():
    # Twelve points stacked 1 pt apart: not every full label fits.
    reqs = [
        LabelRequest(f"Long installation name {i} [{i}]", f"[{i}]", 100, 50 + i, 2)
        for i in range(12)
    ]
    layout = place_labels(reqs, 200, 100, size=6)
    assert overlaps(layout, reqs) == []
    assert layout.keyed, "some labels should fall back to their numbers"
    assert {p.index for p in layout.placed} | set(layout.unplaced) == set(range(12))
    for placed in layout.placed:
        assert (
            placed.box[0] >= 0
            and placed.box[2] <= 200
            and placed.box[1] >= 0
            and placed.box[3] <= 100
        )


def test_labels_keep_clear_of_obstacles():
    reqs = [LabelRequest("Scale bar neighbour [1]", "[1]", 180, 10, 2)]
    bar = (120.0, 0.0, 200.0, 25.0)
    layout = place_labels(reqs, 200, 100, size=6, obstacles=[bar])
    for placed in layout.placed:
        box = placed.box
        assert not (box[0] < bar[2] and bar[0] < box[2] and box[1] < bar[3] and bar[1] < box[3])
        assert placed.leader is None or not segment_hits_rect(placed.leader, (130, 5, 150, 20))


MEASURE = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect();
    return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, text: el.textContent}; };
  return {
    texts: [...document.querySelectorAll('text')].map(rect).filter(r => r.x1 > r.x0),
    labels: [...document.querySelectorAll('g[id^="rm-label"] text, text[id^="rm-label"]')]
      .map(rect),
    markers: [...document.querySelectorAll('g[id^="PathCollection"] use')].map(rect),
  };
}"""


def _overlap(a: dict, b: dict, tol: float = 0.01) -> bool:
    return (
        a["x0"] + tol < b["x1"]
        and b["x0"] + tol < a["x1"]
        and (a["y0"] + tol < b["y1"] and b["y0"] + tol < a["y1"])
    )


@pytest.mark.browser
@pytest.mark.parametrize("name", list(VIEWS))
def test_no_text_overlaps_in_chromium(tmp_path: Path, name: str):
    out = tmp_path / f"{name}.svg"
    export_view(
        Catalog(),
        fmt="svg",
        out=out,
        labels=True,
        north_arrow=True,
        export_date=DATE,
        **VIEWS[name],
    )
    with chromium_page(viewport=(1200, 900)) as page:
        page.goto(out.as_uri())
        found = page.evaluate(MEASURE)
    texts, labels, markers = found["texts"], found["labels"], found["markers"]
    assert labels and markers, "the view should have labelled markers"
    clashes = [
        (a["text"], b["text"])
        for i, a in enumerate(texts)
        for b in texts[i + 1 :]
        if _overlap(a, b)
    ]
    assert clashes == []
    covered = [(lb["text"], m) for lb in labels for m in markers if _overlap(lb, m)]
    assert covered == []
    leaders = _leaders(out.read_text(encoding="utf-8"))
    assert all(line.length <= 50 for line in leaders), "leader lines are short (at most 50 pt)"
    crossing = [
        (a.wkt, b.wkt) for i, a in enumerate(leaders) for b in leaders[i + 1 :] if a.intersects(b)
    ]
    assert crossing == []


def _leaders(svg: str) -> list[shapely.LineString]:
    """The leader lines of a figure SVG (``gid="rm-leader"``), in points."""
    found = re.findall(
        r'<g id="rm-leader">\s*<path d="M ([\d.]+) ([\d.]+)\s+L ([\d.]+) ([\d.]+)', svg
    )
    return [
        shapely.LineString([(float(a), float(b)), (float(c), float(d))]) for a, b, c, d in found
    ]


def _svg(tmp_path: Path, name: str, **options) -> str:
    out = tmp_path / name
    export_view(Catalog(), fmt="svg", out=out, export_date=DATE, **options)
    return out.read_text(encoding="utf-8")


def test_inset_and_north_arrow_can_be_switched(tmp_path: Path):
    default = _svg(tmp_path, "a.svg", region="japan")
    assert 'id="rm-inset' in default and ">N<" not in default
    bare = _svg(tmp_path, "b.svg", region="japan", inset=False, north_arrow=True)
    assert 'id="rm-inset' not in bare and ">N<" in bare


def test_crowded_view_has_a_key_under_the_map(tmp_path: Path):
    svg = _svg(tmp_path, "k.svg", bbox="109.9,22,158.5,47", labels=True)
    assert "Numbered on the map: [" in svg
