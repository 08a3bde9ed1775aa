"""The frame picks exactly the features whose shapes meet it, whatever their kind (issue 17).

A view looks features up in the layer's bounds index first, so that a city in a layer of a
million points reads only the points near it; these tests pin that the index never changes
what a frame shows.
"""

from __future__ import annotations

from catalogs import point, write_layer

from regionmap.catalog import Catalog
from regionmap.filters import Filters
from regionmap.view import View, view_contents

FRAME = (10.0, 10.0, 20.0, 20.0)


def _feature(fid: str, geometry: dict | None, **props: object) -> dict:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": geometry,
        "properties": {"name": fid, **props},
    }


def _polygon(*ring: tuple[float, float]) -> dict:
    return {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]}


def _shown(catalog: Catalog, frame: tuple, filters: Filters | None = None) -> set[str]:
    contents = view_contents(catalog, View(frame, ("mixed",), filters or Filters()))
    return {f["properties"]["name"] for _, features in contents.data_layers for f in features}


def _catalog(tmp_path) -> Catalog:
    features = [
        point("inside", "inside", 15, 15, note="harbour"),
        point("edge", "edge", 20, 12),  # on the frame's east edge: the frame includes it
        point("outside", "outside", 25, 15, note="harbour"),
        # An L whose bounds cover the frame's corner, while the shape itself stays clear of it.
        _feature("l-shape", _polygon((21, 0), (30, 0), (30, 30), (0, 30), (0, 21), (21, 21))),
        _feature("crossing", {"type": "LineString", "coordinates": [[0, 15], [30, 15]]}),
        _feature("far", _polygon((40, 40), (50, 40), (50, 50))),
        _feature("many", {"type": "MultiPoint", "coordinates": [[0, 0], [12, 12]]}),
    ]
    write_layer(tmp_path, "mixed", features)
    return Catalog(tmp_path)


def test_a_frame_shows_exactly_the_shapes_that_meet_it(tmp_path):
    catalog = _catalog(tmp_path)
    assert _shown(catalog, FRAME) == {"inside", "edge", "crossing", "many"}


def test_the_frame_and_the_filters_together(tmp_path):
    catalog = _catalog(tmp_path)
    assert _shown(catalog, FRAME, Filters(search="harbour")) == {"inside"}
    assert _shown(catalog, (-180, -85, 180, 85), Filters(search="HARBOUR")) == {
        "inside",
        "outside",
    }


def test_frames_asked_one_after_another_each_get_their_own_features(tmp_path):
    catalog = _catalog(tmp_path)
    assert _shown(catalog, (22, 12, 28, 18)) == {"outside", "crossing", "l-shape"}
    assert _shown(catalog, (41, 41, 42, 42)) == {"far"}
    assert _shown(catalog, (60, 60, 70, 70)) == set()
    assert _shown(catalog, FRAME) == {"inside", "edge", "crossing", "many"}
