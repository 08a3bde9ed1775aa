"""Tiled layers for the browser map: which layers draw from tiles, embedding and thinning."""

from __future__ import annotations

import json
import random

from catalogs import point, write_layer

from regionmap.catalog import ROOT, Catalog
from regionmap.tilemap import archive_zooms, embedded_source, is_tiled, spec_json, thinned_note
from regionmap.tiles import archive_for, build_pmtiles


def _catalog(tmp_path, count=2000):
    rng = random.Random(3)
    features = [
        point(f"p{i}", f"P{i}", rng.uniform(-20, 40), rng.uniform(-30, 50)) for i in range(count)
    ]
    write_layer(tmp_path, "many", features)
    return Catalog(tmp_path, root=ROOT)


def test_a_layer_is_tiled_only_with_a_current_archive(tmp_path):
    catalog = _catalog(tmp_path)
    layer = catalog.load("many")
    assert not is_tiled(layer)
    build_pmtiles(layer.data_path, "many")
    assert is_tiled(layer)
    layer.data_path.write_text(layer.data_path.read_text() + "\n")  # the GeoJSON changed
    assert not is_tiled(catalog.load("many"))


def test_an_archive_over_the_limit_is_thinned_to_a_zoom_that_fits(tmp_path):
    catalog = _catalog(tmp_path)
    layer = catalog.load("many")
    archive = build_pmtiles(layer.data_path, "many")
    low, high = archive_zooms(archive)
    whole = embedded_source(layer)
    assert whole.data == archive.read_bytes() and whole.max_zoom == high
    assert thinned_note(layer, whole) is None
    limit = archive.stat().st_size // 2
    thin = embedded_source(layer, limit=limit)
    assert thin.data is not None and len(thin.data) <= limit
    assert low <= thin.max_zoom < high and thin.thinned_from == high
    note = thinned_note(layer, thin, limit)
    assert note is not None and f"zoom {thin.max_zoom} (of {high})" in note
    assert archive_for(layer.data_path).read_bytes() == archive.read_bytes()  # left as it was


def test_spec_json_never_opens_a_template_tag():
    text = spec_json({"title": "{{7*7}} {{{x {%y {#z </script>", "n": {"a": {}}})
    assert not any(tag in text for tag in ("{{", "{%", "{#", "</"))
    assert json.loads(text.replace("<\\/", "</"))["title"] == "{{7*7}} {{{x {%y {#z </script>"
