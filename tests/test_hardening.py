"""Hostile and random input: no traceback, no damaged catalog, concurrent adds are safe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import CORPUS, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regionmap.geojson import GEOMETRY_TYPES, Limits, read_geojson

ADD = [
    "--title",
    "T",
    "--license",
    "CC0-1.0",
    "--source-title",
    "S",
    "--source-url",
    "https://example.org/s",
]

numbers = st.one_of(
    st.integers(-400, 400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
positions = st.lists(numbers, max_size=4)
nested = st.recursive(positions, lambda inner: st.lists(inner, max_size=4), max_leaves=20)
# Every real type, plus near misses: a lower-case name, an unknown one, null and a number.
geometry_types = st.sampled_from([*sorted(GEOMETRY_TYPES), "point", "Circle", None, 7])
geometries = st.fixed_dictionaries(
    {"type": geometry_types},
    optional={
        "coordinates": nested,
        "geometries": st.lists(st.none() | st.just({}), max_size=2),
        "bbox": st.lists(numbers, max_size=7),
    },
)
properties = st.one_of(
    st.none(),
    st.dictionaries(st.text(max_size=5), st.one_of(st.text(max_size=20), numbers), max_size=4),
    st.lists(st.integers(), max_size=2),
)
features = st.fixed_dictionaries(
    {"type": st.sampled_from(["Feature", "feature", "FeatureCollection", None])},
    optional={
        "geometry": st.one_of(st.none(), geometries),
        "properties": properties,
        "id": st.one_of(st.text(max_size=3), st.integers(), st.just({})),
    },
)
documents = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("FeatureCollection"), "features": st.lists(features, max_size=4)},
        optional={
            "crs": st.one_of(
                st.none(),
                st.just({}),
                st.just({"type": "name", "properties": {"name": "EPSG:3857"}}),
            ),
            "bbox": st.lists(numbers),
        },
    ),
    features,
    geometries,
    st.lists(features, max_size=2),
    numbers,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_give_problems_or_a_layer(tmp_path_factory, document):
    """The validator never raises: it returns problems, or a normalised collection."""
    path = tmp_path_factory.mktemp("h") / "doc.geojson"
    path.write_text(json.dumps(document, allow_nan=True), encoding="utf-8")
    result = read_geojson(path)
    assert result.ok == (result.collection is not None)
    for problem in result.problems:
        assert problem.rule and problem.message and problem.severity in ("error", "warning")
    if result.collection is not None:
        json.dumps(result.collection, allow_nan=False)  # output is always valid JSON


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("b") / "doc.geojson"
    path.write_bytes(raw)
    result = read_geojson(path)
    assert result.problems or result.collection is not None


def test_limits_name_the_cap_and_how_to_raise_it(tmp_path):
    path = CORPUS / "valid-mixed-geometries.geojson"
    result = read_geojson(path, limits=Limits(max_features=2))
    (problem,) = result.problems
    assert "cap of 2" in problem.message and "--max-features" in problem.fix
    result = read_geojson(path, limits=Limits(max_bytes=10))
    assert "--max-mb" in result.problems[0].fix
    result = read_geojson(path, limits=Limits(max_vertices=2))
    assert any("--max-vertices" in p.fix for p in result.problems)
    deep = tmp_path / "deep.geojson"
    deep.write_text(
        '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    assert read_geojson(deep).problems[0].rule in (
        "limit-depth",
        "coordinates-shape",
        "member-type",
    )


def _add(catalog: Path, layer_id: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regionmap",
            "add",
            str(CORPUS / "valid-point.geojson"),
            "--id",
            layer_id,
            *ADD,
            "--catalog",
            str(catalog),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_concurrent_adds_of_one_id_give_one_layer_and_one_error(tmp_path):
    catalog = tmp_path / "cat"
    procs = [_add(catalog, "same-id") for _ in range(2)]
    outputs = [(p.wait(timeout=120), p.stdout.read()) for p in procs]
    codes = sorted(code for code, _ in outputs)
    assert codes == [0, 1], outputs
    assert any("already exists" in out for _, out in outputs)
    assert sorted(p.name for p in (catalog / "layers").glob("*.yaml")) == ["same-id.yaml"]
    assert not [p for p in catalog.rglob("*.tmp")]


def test_killed_add_leaves_no_partial_layer(tmp_path):
    """SIGKILL at any moment of an add: either a whole layer or none, never half."""
    catalog = tmp_path / "cat"
    for delay in (0.05, 0.2, 0.4, 0.8):
        proc = _add(catalog, "killed")
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        meta = catalog / "layers" / "killed.yaml"
        if meta.exists():  # the add finished: the layer must be whole and valid
            assert (catalog / "data" / "killed.geojson").exists()
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "regionmap",
                    "validate",
                    "killed",
                    "--catalog",
                    str(catalog),
                ],
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            return
    before = snapshot(catalog) if catalog.exists() else {}
    assert not any(name.endswith(".yaml") for name in before)
