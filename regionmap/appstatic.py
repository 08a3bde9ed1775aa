"""Files the app's map reads from the app's own server instead of receiving them on every rerun.

Streamlit sends a component's arguments again with every rerun. For the map those were the
page's scripts and stylesheets (Leaflet, the plugins, regionmap.js: about 0.36 MB as ``data:``
URIs) and the countries (about 0.7 MB): most of every pan's bytes. With static serving on
(``.streamlit/config.toml``), the app writes them once into its ``static/`` folder, served at
``/app/static/`` by Streamlit 1.56 or later with their real content types, and the map names
them by URL. The URLs carry the content's hash, so a changed file gets a new name and the
browser's cache never serves a stale one. Still offline: the files come from the app's own
server, never from the network. ``static/`` is a cache (git-ignored); deleting it is safe.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import folium

__all__ = ["ASSET_FOLDER", "publish_assets", "publish_bytes", "static_url"]

#: Where the map's scripts and stylesheets go inside the static folder.
ASSET_FOLDER = "assets"
#: How many files each folder keeps (the oldest go first).
KEEP_FILES = 64
_SUFFIXES = {"text/javascript": ".js", "application/javascript": ".js", "text/css": ".css"}
_published: dict[tuple[str, str], str] = {}


def static_url(folder: str, name: str, base_url: str = "/") -> str:
    """The URL Streamlit serves ``static/<folder>/<name>`` at, under ``server.baseUrlPath``."""
    prefix = "/" + base_url.strip("/") if base_url.strip("/") else ""
    return f"{prefix}/app/static/{folder}/{name}"


def publish_bytes(static_dir: Path, folder: str, name: str, data: bytes) -> Path:
    """Write ``static/<folder>/<name>`` once (atomically: a browser never reads half a file).

    The folder keeps the :data:`KEEP_FILES` newest files; ``name`` should carry a hash of
    ``data``, so an existing file of that name already holds it.
    """
    target = static_dir / folder / name
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(prefix=".publish-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(staged, target)
    finally:
        Path(staged).unlink(missing_ok=True)
    files = sorted(
        (p for p in target.parent.iterdir() if p.is_file() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    for old in files[KEEP_FILES:]:
        if old != target:
            old.unlink(missing_ok=True)
    return target


def _decode(uri: str) -> tuple[bytes, str] | None:
    """The bytes and file suffix of a ``data:`` URI of a script or stylesheet, else None."""
    head, sep, body = uri.partition(",")
    if not uri.startswith("data:") or not sep:
        return None
    media, *params = head[len("data:") :].split(";")
    suffix = _SUFFIXES.get(media.strip().lower())
    if suffix is None:
        return None
    data = base64.b64decode(body) if "base64" in params else urllib.parse.unquote_to_bytes(body)
    return data, suffix


def _asset_url(name: str, uri: str, static_dir: Path, base_url: str) -> str:
    """Publish one inlined asset (once per process); return its URL (the URI if not inlined)."""
    key = (name, uri)
    if key not in _published:
        decoded = _decode(uri)
        if decoded is None:
            return uri
        data, suffix = decoded
        file_name = f"{name}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        publish_bytes(static_dir, ASSET_FOLDER, file_name, data)
        _published[key] = static_url(ASSET_FOLDER, file_name, base_url)
    path = static_dir / ASSET_FOLDER / _published[key].rsplit("/", 1)[1]
    if not path.is_file():  # the cache folder was emptied while the app ran
        del _published[key]
        return _asset_url(name, uri, static_dir, base_url)
    return _published[key]


def publish_assets(m: folium.Map, static_dir: Path, base_url: str = "/") -> folium.Map:
    """Point the map's inlined scripts and stylesheets at published copies; return the map."""

    def walk(element: object) -> list[object]:
        found = [element]
        for child in getattr(element, "_children", {}).values():
            found += walk(child)
        return found

    for element in walk(m):
        for attr in ("default_js", "default_css"):
            entries = getattr(element, attr, None)
            if entries:
                urls = [(n, _asset_url(n, uri, static_dir, base_url)) for n, uri in entries]
                setattr(element, attr, urls)
    return m
