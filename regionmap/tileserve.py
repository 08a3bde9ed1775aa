"""Serving a tiled layer's archive to the app's map, with HTTP range requests.

The app serves its ``static/`` folder (beside ``app.py``) at ``/app/static/`` because
``.streamlit/config.toml`` sets ``server.enableStaticServing = true``; Streamlit answers with
Starlette's ``FileResponse``, which honours ``Range`` (206 Partial Content), so the browser's
pmtiles reader fetches only the directory and the tiles in view. Streamlit resolves symbolic
links and refuses any that leave ``static/``, and serves files up to 200 MB: so the archive is
published there as a hard link (a copy when the catalog is on another file system), under a
name carrying its GeoJSON's hash and the archive's time stamp, so a changed layer gets a new
URL and no stale cache.
``static/`` is a cache: git ignores it, and deleting it is always safe.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from regionmap.catalog import Layer
from regionmap.tilemap import TileSource, archive_zooms
from regionmap.tiles import archive_for

__all__ = ["MAX_SERVED_BYTES", "TILES_FOLDER", "publish"]

#: Streamlit's limit for one static file (``MAX_APP_STATIC_FILE_SIZE``).
MAX_SERVED_BYTES = 200 * 1024 * 1024
#: Where archives go inside the app's static folder (and in its URL).
TILES_FOLDER = "tiles"


def _published_name(layer: Layer, archive: Path) -> str:
    """The GeoJSON's hash, and the archive's own time stamp (a rebuilt archive differs)."""
    digest = archive.with_name(archive.name + ".sha256").read_text(encoding="ascii").strip()
    return f"{layer.id}-{digest[:16]}-{archive.stat().st_mtime_ns:x}.pmtiles"


def publish(layer: Layer, static_dir: Path, base_url: str = "/") -> TileSource | None:
    """Place a tiled layer's archive in the app's static folder; return where the map reads it.

    Parameters
    ----------
    layer : Layer
        A tiled layer (:func:`regionmap.tilemap.is_tiled`).
    static_dir : Path
        The app's ``static/`` folder (created if missing).
    base_url : str
        The server's base path (``server.baseUrlPath``), ``/`` by default.

    Returns
    -------
    TileSource or None
        The archive's URL and deepest zoom; None when the archive is over Streamlit's
        200 MB limit for a static file (the layer is then drawn as vectors).
    """
    assert layer.data_path is not None
    archive = archive_for(layer.data_path)
    if archive.stat().st_size > MAX_SERVED_BYTES:
        return None
    name = _published_name(layer, archive)
    folder = static_dir / TILES_FOLDER
    target = folder / name
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=".publish-", dir=folder)) / name
        try:
            try:
                os.link(archive, staged)
            except OSError:  # another file system, or links not allowed: copy
                shutil.copyfile(archive, staged)
            os.replace(staged, target)
        finally:
            shutil.rmtree(staged.parent, ignore_errors=True)
    base = "/" + base_url.strip("/") if base_url.strip("/") else ""
    return TileSource(
        max_zoom=archive_zooms(target)[1], url=f"{base}/app/static/{TILES_FOLDER}/{name}"
    )
