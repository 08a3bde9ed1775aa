"""Shared fixtures: temporary catalogs and the shared third-party inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from regionmap.catalog import ROOT, Catalog

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
SHARED = ROOT.parent / "shared"
REALWORLD = SHARED / "realworld"
PEER = SHARED / "peer-suites" / "geojsonhint"


@pytest.fixture
def empty_catalog(tmp_path: Path) -> Catalog:
    """A catalog whose user folder is an empty temporary directory."""
    folder = tmp_path / "catalog"
    folder.mkdir()
    return Catalog(folder, root=tmp_path / "no-builtin")


@pytest.fixture
def copy_builtin(tmp_path: Path) -> Path:
    """A copy of the built-in catalog (layers/ and data/) in a temporary folder."""
    target = tmp_path / "builtin"
    for sub in ("layers", "data"):
        shutil.copytree(ROOT / sub, target / sub)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes, to prove nothing changed."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".regionmap.lock"
    }


@pytest.fixture(scope="session")
def pg_cluster():
    """A running PostgreSQL + PostGIS cluster for the whole test session.

    ``REGIONMAP_TEST_PG`` (a superuser URL of a database with PostGIS) is used when set;
    otherwise a throwaway cluster is started from the installed server binaries.
    """
    import os

    from pgcluster import ExternalCluster, binaries_missing, running_cluster

    if os.environ.get("REGIONMAP_TEST_PG"):
        yield ExternalCluster(os.environ["REGIONMAP_TEST_PG"])
        return
    reason = binaries_missing()
    if reason:
        pytest.skip(f"PostGIS store tests need a PostgreSQL server: {reason}")
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster, request) -> str:
    """A URL of a fresh, empty catalog schema in the test database (dropped afterwards)."""
    import secrets

    schema = f"t_{secrets.token_hex(4)}"
    yield f"{pg_cluster.url()}?schema={schema}"
    pg_cluster.sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["folder", "postgis"])
def catalog_spec(request, tmp_path) -> str:
    """A writable catalog spec in each store: a temporary folder, then a PostGIS schema."""
    if request.param == "folder":
        folder = tmp_path / "catalog"
        folder.mkdir()
        return str(folder)
    return request.getfixturevalue("pg_url")
