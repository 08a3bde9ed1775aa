"""A tiled layer keeps the rest right: counts, sources, legend and figures (issue 17).

The map draws a tiled layer from its archive, but every count, number and figure still comes
from the GeoJSON (the source of truth) through the one ViewContents of the view.
"""

from __future__ import annotations

import random

import pytest
from catalogs import point, source, write_layer

from regionmap.catalog import ROOT, Catalog
from regionmap.export import export_view
from regionmap.filters import Filters
from regionmap.tilemap import is_tiled
from regionmap.tiles import archive_for, build_pmtiles
from regionmap.view import View, view_contents

CITY = (135.3, 34.55, 135.7, 34.8)


def _features():
    rng = random.Random(5)
    return [
        point(f"p{i}", f"Place {i}", rng.uniform(135.0, 136.0), rng.uniform(34.3, 35.0),
              year=str(1990 + i % 30), sources=["b"] if i % 7 == 0 else None)
        for i in range(2500)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    """The same layer twice: once with a current archive, once without."""
    found = {}
    for name in ("tiled", "plain"):
        folder = tmp_path_factory.mktemp(name)
        write_layer(
            folder,
            "crowd",
            _features(),
            sources=[source("a"), source("b", "Second", "https://example.org/b")],
            time={"start": "year"},
        )
        if name == "tiled":
            build_pmtiles(folder / "data" / "crowd.geojson", "crowd")
        found[name] = Catalog(folder, root=ROOT)
    assert is_tiled(found["tiled"].load("crowd")) and not is_tiled(found["plain"].load("crowd"))
    return found


def _summary(contents):
    return (
        [(lc.id, len(lc.features)) for lc in contents.layers],
        [(c.number, c.source.url) for c in contents.bibliography.citations],
        [(e.layer_id, e.count) for e in contents.legend],
    )


def test_view_counts_sources_and_legend_are_those_of_the_geojson(catalogs):
    view = View(CITY, ("crowd", "countries"), Filters(years=(2000, 2010)))
    tiled = view_contents(catalogs["tiled"], view)
    assert _summary(tiled) == _summary(view_contents(catalogs["plain"], view))
    shown = dict((lc.id, lc.features) for lc in tiled.layers)["crowd"]
    west, south, east, north = CITY
    assert 0 < len(shown) < 2500
    for feature in shown:  # in the frame and in the window, counted from the source
        lon, lat = feature["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north
        assert 2000 <= int(feature["properties"]["year"]) <= 2010


def test_a_figure_of_a_tiled_layer_renders_from_the_source_clipped_to_the_frame(catalogs, tmp_path):
    results = {
        name: export_view(catalog, bbox=CITY, layers=["crowd"], fmt="png", out=tmp_path / name)
        for name, catalog in catalogs.items()
    }
    tiled, plain = results["tiled"], results["plain"]
    assert tiled.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tiled.features, tiled.sources) == (plain.features, plain.sources)
    assert 0 < tiled.features < 2500
    archive = archive_for(catalogs["tiled"].load("crowd").data_path)
    assert archive.is_file()  # the figure read the GeoJSON; the archive is left as it was
