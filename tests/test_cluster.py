"""Dense point layers are aggregated on the map; sparse ones are drawn point by point."""

from __future__ import annotations

import random

from catalogs import write_layer

from regionmap.catalog import Catalog
from regionmap.citations import number_sources
from regionmap.cluster import MAX_POINTS, aggregate
from regionmap.offline import remote_asset_urls
from regionmap.render import build_map, map_html


def _points(count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "type": "Feature",
            "properties": {"name": f"<b>p{i}</b>"},
            "geometry": {"type": "Point", "coordinates": [rng.uniform(-180, 180),
                                                          rng.uniform(-80, 80)]},
        }
        for i in range(count)
    ]  # fmt: skip


def test_sparse_layers_are_untouched():
    features = _points(MAX_POINTS)
    kept, cells = aggregate(features, (-180, -90, 180, 90))
    assert kept is features and cells == []


def test_dense_layer_counts_every_point_once():
    features = _points(20_000)
    kept, cells = aggregate(features, (-180, -90, 180, 90))
    assert len(kept) + sum(cell.count for cell in cells) == 20_000
    assert all(cell.count > 1 and len(cell.names) <= 3 for cell in cells)


def test_large_point_map_is_light_and_escaped(tmp_path):
    write_layer(tmp_path, "dense", _points(50_000))
    layer = Catalog(tmp_path, root=tmp_path / "none").load("dense")
    shown = [(layer, layer.features)]
    bbox = (-180, -60, 180, 84)
    html = map_html(build_map(shown, bbox=bbox, bibliography=number_sources(shown)))
    assert len(html.encode()) < 10_000_000
    assert "<b>p1</b>" not in html and "&lt;b&gt;p" in html.replace("\\u0026", "&")
    assert remote_asset_urls(html) == []
