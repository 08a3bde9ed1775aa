"""The table pages through a big layer: only one page of rows is built and sent to the browser."""

from __future__ import annotations

from catalogs import point, write_layer

from regionmap.catalog import ROOT, Catalog
from regionmap.citations import Bibliography
from regionmap.table import feature_rows, table_page


def _shown(tmp_path, counts):
    catalog = Catalog(tmp_path, root=ROOT)
    shown = []
    for n, count in enumerate(counts):
        features = [point(f"L{n}p{i}", f"Place {n}-{i}", i * 0.01, n) for i in range(count)]
        write_layer(tmp_path, f"layer{n}", features)
    catalog = Catalog(tmp_path, root=ROOT)
    for n, _ in enumerate(counts):
        layer = catalog.load(f"layer{n}")
        shown.append((layer, layer.features))
    return shown


def test_pages_hold_the_whole_table_in_order_once(tmp_path):
    shown = _shown(tmp_path, [1234, 7, 600])
    whole = feature_rows(shown, Bibliography())
    pages, page = [], table_page(shown, Bibliography(), 0, size=500)
    assert (page.total, page.pages) == (1841, 4)
    for n in range(page.pages):
        page = table_page(shown, Bibliography(), n, size=500)
        assert page.page == n and len(page.rows) == min(500, 1841 - n * 500)
        pages.extend(page.rows)
    assert pages == whole  # same rows, same refs, same order: the pages span layer boundaries
    assert table_page(shown, Bibliography(), 99, size=500).page == 3  # clamped to the last page
    assert table_page(shown, Bibliography(), -1, size=500).page == 0


def test_a_page_names_its_features_by_the_same_refs_as_the_whole_table(tmp_path):
    shown = _shown(tmp_path, [1200])
    page = table_page(shown, Bibliography(), 2, size=500)
    assert [row["ref"] for row in page.rows][:2] == ["layer0:L0p1000", "layer0:L0p1001"]
    assert page.rows[0]["name"] == "Place 0-1000"
