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
