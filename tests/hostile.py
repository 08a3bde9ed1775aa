"""A hostile catalog: one good layer beside every kind of file that once took regionmap down.

Each case of issue 13 is one layer (``layers/<id>.yaml`` with, where it matters, its
``data/<id>.geojson``); :data:`BROKEN` lists the ids that must come out broken and
:data:`WARNED` those that load with a warning. Built in a temporary folder by
:func:`build_hostile_catalog` (``from hostile import ...``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from catalogs import point, source, write_layer

#: Layers that must be listed as broken, with the rule each must report.
BROKEN: dict[str, str] = {
    "big-integer": "json-number",
    "billion-laughs": "yaml-unsafe",
    "lone-surrogate": "text-surrogate",
    "too-many-sources": "limit-entries",
    "metadata-link-outside": "metadata-path",
    "png-as-geojson": "file-type",
    "zip-as-geojson": "file-type",
    "kml-as-geojson": "file-type",
    "empty-file": "json-syntax",
    "truncated-file": "json-syntax",
    "deep-nesting": "limit-depth",
    "odc-pddl-licence": "metadata",
    "python-object-tag": "yaml-unsafe",
    "data-dot-dot": "data-path",
    "data-absolute": "data-path",
    "data-link-outside": "data-path",
    "data-missing": "data-path",
    "broken-yaml": "yaml-syntax",
    "binary-yaml": "file",
    "invalid-geojson": "coordinate-range",
}
#: Layers that load, with a warning of this rule.
WARNED: dict[str, str] = {
    "null-geometries": "null-geometry",
    "antimeridian-line": "antimeridian",
    "terminal-escapes": "",
}
GOOD = "good"
SECRET_FIELD = "secret_field_name_outside"
NULL_FEATURES = 20_000


def _meta(layer_id: str, **extra: object) -> str:
    doc = {
        "id": layer_id,
        "title": f"Layer {layer_id}",
        "license": "CC0-1.0",
        "data": f"../data/{layer_id}.geojson",
        "sources": [source("src")],
        **extra,
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _raw_layer(folder: Path, layer_id: str, data: bytes, **meta: object) -> None:
    """A layer whose data file holds exactly these bytes."""
    (folder / "data" / f"{layer_id}.geojson").write_bytes(data)
    (folder / "layers" / f"{layer_id}.yaml").write_text(_meta(layer_id, **meta), "utf-8")


def _feature_text(props: str) -> bytes:
    return (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        + props
        + ',"geometry":{"type":"Point","coordinates":[139.7,35.7]}}]}'
    ).encode()


def build_hostile_catalog(folder: Path) -> Path:
    """Write the hostile catalog into ``folder`` (and a secret file beside it); return it."""
    write_layer(folder, GOOD, [point("g1", "Good site", 139.7, 35.7, sources=["src"])])
    layers, data = folder / "layers", folder / "data"
    outside = folder.parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    (outside / "secret.yaml").write_text(f"{SECRET_FIELD}: 1\nid: metadata-link-outside\n")
    (outside / "secret.geojson").write_bytes(_feature_text("{}"))

    _raw_layer(folder, "big-integer", _feature_text('{"n": ' + "9" * 4301 + "}"))
    laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        laughs.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    (layers / "billion-laughs.yaml").write_text("\n".join(laughs) + "\nid: *i\n")
    _raw_layer(folder, "lone-surrogate", _feature_text('{"name": "bad \\ud800 text"}'))
    many = [source(f"s{i}") for i in range(6000)]
    (data / "too-many-sources.geojson").write_bytes(_feature_text("{}"))
    (layers / "too-many-sources.yaml").write_text(_meta("too-many-sources", sources=many), "utf-8")
    os.symlink(outside / "secret.yaml", layers / "metadata-link-outside.yaml")
    _raw_layer(folder, "png-as-geojson", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _raw_layer(folder, "zip-as-geojson", b"PK\x03\x04" + b"\x00" * 200)
    _raw_layer(
        folder,
        "kml-as-geojson",
        b'<?xml version="1.0"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"></kml>\n',
    )
    _raw_layer(folder, "empty-file", b"")
    _raw_layer(folder, "truncated-file", _feature_text("{}")[:70])
    _raw_layer(folder, "deep-nesting", _feature_text('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}"))
    (data / "odc-pddl-licence.geojson").write_bytes(_feature_text("{}"))
    (layers / "odc-pddl-licence.yaml").write_text(
        _meta("odc-pddl-licence", license="ODC-PDDL"), "utf-8"
    )
    (layers / "python-object-tag.yaml").write_text(
        "id: !!python/object/apply:os.system ['touch /tmp/regionmap-pwned']\ntitle: T\n"
    )
    (layers / "data-dot-dot.yaml").write_text(
        _meta("data-dot-dot", data="../../elsewhere/secret.geojson"), "utf-8"
    )
    (layers / "data-absolute.yaml").write_text(
        _meta("data-absolute", data=str(outside / "secret.geojson")), "utf-8"
    )
    os.symlink(outside / "secret.geojson", data / "data-link-outside.geojson")
    (layers / "data-link-outside.yaml").write_text(_meta("data-link-outside"), "utf-8")
    (layers / "data-missing.yaml").write_text(_meta("data-missing"), "utf-8")
    (layers / "broken-yaml.yaml").write_text("id: broken-yaml\ntitle: [unclosed\n")
    (layers / "binary-yaml.yaml").write_bytes(b"\x00\x01\x02\xff\xfe" * 100)
    write_layer(folder, "invalid-geojson", [point("x", "Far out", 200.0, 10.0)])

    nulls = [
        {"type": "Feature", "properties": {"i": i}, "geometry": None} for i in range(NULL_FEATURES)
    ]
    write_layer(folder, "null-geometries", nulls)
    line = {
        "type": "Feature",
        "properties": {"name": "Across the date line"},
        "geometry": {"type": "LineString", "coordinates": [[170.0, 10.0], [-170.0, 12.0]]},
    }
    write_layer(folder, "antimeridian-line", [line])
    write_layer(
        folder,
        "terminal-escapes",
        [point("t1", "Name \x1b[2J cleared", 140.0, 36.0)],
        title="Retitled \x1b]0;owned\x07 window",
        sources=[
            {
                **source("src", "Escapes source", "https://example.org/escapes"),
                "publisher": "Publisher \u202eevil",
            }
        ],
    )
    assert json.loads((data / GOOD.join(["", ".geojson"])).read_text())["features"]
    return folder
