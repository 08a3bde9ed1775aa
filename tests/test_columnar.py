"""A big layer read from its column copy: every face of a view says what a full parse says.

A big layer's second load reads its features lazily from the column copy beside its GeoJSON
(:mod:`regionmap.columnar`). Whatever a user sees (legend counts, numbered sources, the
table, the filter widgets' choices, a selection) must be the same as from a full parse.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
import yaml
from catalogs import point, source, write_layer

import regionmap.prepared as prepared
from regionmap.catalog import Catalog
from regionmap.choices import filter_choices
from regionmap.columnar import LazyFeatures, columns_for
from regionmap.filters import Filters
from regionmap.geojson import read_geojson
from regionmap.layercache import load_layer
from regionmap.legend import legend_entries
from regionmap.table import table_page
from regionmap.view import View, features_bbox, view_contents

WORLD = (-180.0, -85.0, 180.0, 85.0)
JAPAN = (122.0, 24.0, 146.5, 46.0)


def _features() -> list[dict]:
    """300 sites: some cite a source of their own, some an agreement, years and countries."""
    features = []
    for i in range(300):
        props: dict = {"country": ["JPN", "KOR", "PHL"][i % 3], "since": str(1950 + i % 60)}
        if i % 7 == 0:
            props["sources"] = ["own"]
        if i % 5 == 0:
            props["agreement"] = "pact"
        if i % 11 == 0:
            props["until"] = str(2000 + i % 20)
        lon, lat = 120 + (i % 30) * 0.8, 10 + (i // 30) * 3.2
        features.append(point(f"s{i}", f"Site {i}", lon, lat, **props))
    features.append({"type": "Feature", "properties": {"name": "nowhere"}, "geometry": None})
    return features


@pytest.fixture
def catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The same layer twice: ``lazy`` read from its column copy, ``parsed`` without one."""
    monkeypatch.setattr(prepared, "RECORD_MIN_FEATURES", 10)
    lazy = tmp_path / "lazy"
    write_layer(
        lazy,
        "sites",
        _features(),
        sources=[source("src"), source("own", url="https://example.org/own")],
        agreements=[
            {
                "key": "pact",
                "name": "A pact",
                "parties": ["USA", "JPN"],
                "signed": "1960-01-19",
                "status": "in force",
                "sources": ["src"],
            }
        ],
        time={"start": "since", "end": "until"},
    )
    data = lazy / "data" / "sites.geojson"
    data.write_bytes(orjson.dumps(read_geojson(data).collection))  # as `regionmap add` stores it
    Catalog(lazy, root=tmp_path / "none").load("sites")  # checks, records, writes the columns
    assert columns_for(data).is_file()
    parsed = tmp_path / "parsed"
    shutil.copytree(lazy, parsed)
    columns_for(parsed / "data" / "sites.geojson").unlink()
    (parsed / "data" / "sites.geojson").with_suffix(".columns.arrow").mkdir()  # unreadable copy
    return lazy, parsed


def _catalog(folder: Path) -> Catalog:
    return Catalog(folder, root=folder.parent / "none")


def _faces(folder: Path, view: View) -> dict:
    """What a user reads off a view: legend, sources, numbers per feature, the table, choices."""
    catalog = _catalog(folder)
    contents = view_contents(catalog, view)
    bib = contents.bibliography
    layer = catalog.load("sites")
    shown = contents.data_layers
    page = table_page(shown, bib, 0, size=25)
    return {
        "legend": [(e.layer_id, e.count) for e in contents.legend],
        "sources": [c.text() for c in bib.citations],
        "numbers": [bib.numbers("sites", f) for _, features in shown for f in features],
        "refs": contents.refs(),
        "table": (page.total, page.rows),
        "choices": filter_choices([layer]),
        "selected": contents.selected[1] if contents.selected else None,
        "problems": [str(p) for p in layer.problems],
        "swatches": [e.area for e in legend_entries(shown, {"sites": layer.meta.style})],
        "fit": features_bbox(shown),
    }


@pytest.mark.parametrize(
    "view",
    [
        View(WORLD, ("sites",)),
        View(JAPAN, ("sites",), selected="sites:s42"),
        View(WORLD, ("sites",), Filters(years=(1990, 1995)), selected="sites:s7"),
        View(WORLD, ("sites",), Filters(search="site 1", countries=("KOR",))),
        View(WORLD, ("sites",), Filters(agreements=("pact",))),
        View(JAPAN, ("sites",), Filters(countries=("PHL", "JPN"), years=(2005, 2010))),
        View((0.0, 0.0, 1.0, 1.0), ("sites",)),
    ],
    ids=[
        "world",
        "japan-selected",
        "years",
        "search-country",
        "agreement",
        "country-years",
        "empty",
    ],
)
def test_a_view_of_the_column_copy_says_what_a_full_parse_says(catalogs, view):
    lazy, parsed = catalogs
    from_columns, from_parse = _faces(lazy, view), _faces(parsed, view)
    assert isinstance(_catalog(lazy).load("sites").features, LazyFeatures)
    assert not isinstance(_catalog(parsed).load("sites").features, LazyFeatures)
    assert from_columns == from_parse


def test_the_world_view_reads_only_the_features_naming_their_own_sources(catalogs):
    lazy, _ = catalogs
    catalog = _catalog(lazy)
    contents = view_contents(catalog, View(WORLD, ("sites",)))
    features = load_layer(catalog, "sites").features  # the copy the view used
    assert contents.legend[0].count == 300
    assert isinstance(features, LazyFeatures)
    assert features.read_count == len(range(0, 300, 7)), "only the 43 citing sites are read"
    selected = view_contents(catalog, View(WORLD, ("sites",), selected="sites:s101")).selected
    assert selected is not None and selected[1]["properties"]["name"] == "Site 101"
    assert features.read_count == 44, "a selection reads the selected feature"
    narrowed = Filters(countries=("KOR",), agreements=("pact",), years=(1990, 2005))
    view_contents(catalog, View(WORLD, ("sites",), narrowed))
    assert features.read_count == 44, "the filters are answered from the columns"


def test_an_edited_source_list_is_still_checked_against_every_feature(catalogs):
    lazy, _ = catalogs
    meta_path = lazy / "layers" / "sites.yaml"
    doc = yaml.safe_load(meta_path.read_text())
    doc["sources"] = [s for s in doc["sources"] if s["key"] != "own"]
    meta_path.write_text(yaml.safe_dump(doc, sort_keys=False))
    layer = _catalog(lazy).load("sites")
    assert not layer.ok
    first = next(p for p in layer.problems if p.is_error)
    assert "unknown source key 'own'" in str(first) and "s0" in str(first)


def test_a_copy_of_other_bytes_is_never_used(catalogs, tmp_path):
    lazy, _ = catalogs
    data = lazy / "data" / "sites.geojson"
    other = tmp_path / "other"
    shutil.copytree(lazy, other)
    doc = yaml.safe_load((other / "layers" / "sites.yaml").read_text())
    text = (other / "data" / "sites.geojson").read_text().replace("Site 1", "Place 1")
    (other / "data" / "sites.geojson").write_text(text)
    shutil.copy(columns_for(data), columns_for(other / "data" / "sites.geojson"))
    layer = _catalog(other).load("sites")
    assert doc["id"] == "sites" and layer.ok
    names = [f["properties"]["name"] for f in layer.features]
    assert "Place 1" in names and "Site 1" not in names
