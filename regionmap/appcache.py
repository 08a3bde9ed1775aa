"""What the app prepares once for every process, in its static folder (issue 15).

Read back without folium: a cold start whose view was prepared by an earlier process loads
neither folium nor pandas before the map is drawn (``import folium`` alone took 0.52 s of a
2-core machine's cold start, pandas 0.24 s of it).

* :func:`prepared_base`: a box's countries file (:class:`BasePart`, built by
  :func:`regionmap.appbase.base_part`), indexed in ``static/base-index/``.
* :func:`prepared_map`: the map component's arguments for one view (its page and its groups'
  scripts, :mod:`regionmap.mapcomponent`), in ``static/map-index/``.

Every entry's name is a hash of what it is made of and of :func:`code_digest`, so a new
version of regionmap prepares again; an entry that cannot be read, or names a file that is
gone, is built again; a folder that cannot be written keeps nothing. ``static/`` is a cache
(git-ignored): deleting it is safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from regionmap.appstatic import publish_bytes, static_url

__all__ = [
    "BASE_FOLDER",
    "BasePart",
    "code_digest",
    "prepared_base",
    "prepared_map",
    "publish_base",
]

#: Where base files go inside the app's static folder (and in its URL).
BASE_FOLDER = "base"
#: Where the index of prepared bases goes (:func:`prepared_base`).
INDEX_FOLDER = "base-index"
#: Where the prepared map arguments go (:func:`prepared_map`).
MAP_FOLDER = "map-index"


@dataclass(frozen=True)
class BasePart:
    """The countries of one box, as the JSON document the browser draws."""

    data: bytes
    """The document: the shapes by layer with their style, and the labels and inset."""
    digest: str
    """Its SHA-256 (hex, first 20 characters): its file name and its identity in the page."""
    sources: Mapping[str, tuple[str, ...]]
    """For each source-list key in the popups, the URLs of the sources it lists."""


def _entry_name(key: tuple) -> str:
    return hashlib.sha256(repr((key, code_digest())).encode()).hexdigest()[:24] + ".json"


def prepared_base(static_dir: Path, key: tuple, build: Callable[[], BasePart]) -> BasePart:
    """A box's base as prepared by an earlier run (any process), else built and kept.

    ``key`` names what the base is made of (the box, the online basemap, the basemaps'
    file stamps); with :func:`code_digest` it names an index entry in the static folder,
    ``base-index/<hash>.json``, holding the base file's digest and its source lists, so that
    a cold start or a first visit of a region reads the file instead of fitting, styling and
    escaping the countries again (``build`` runs only without a usable entry).
    """
    index = static_dir / INDEX_FOLDER / _entry_name(key)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
        entry = orjson.loads(index.read_bytes())
        data = (static_dir / BASE_FOLDER / f"{entry['digest']}.json").read_bytes()
        if hashlib.sha256(data).hexdigest()[:20] == entry["digest"]:
            sources = {str(k): tuple(v) for k, v in entry["sources"].items()}
            return BasePart(data, entry["digest"], sources)
    part = build()
    with contextlib.suppress(OSError):
        publish_bytes(static_dir, BASE_FOLDER, f"{part.digest}.json", part.data)
        entry_bytes = orjson.dumps({"digest": part.digest, "sources": dict(part.sources)})
        publish_bytes(static_dir, INDEX_FOLDER, index.name, entry_bytes)
    return part


def prepared_map(
    static_dir: Path, key: tuple, build: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """The map component's arguments for a view, as an earlier run (any process) built them.

    ``key`` names the view and all it is drawn from (the view, the layers' file stamps, the
    box, the styles, the countries file, the day, the base URL). ``build`` returns
    ``{"page": mount_args(...), "groups": group_scripts(...)}``; it runs only without a
    usable entry. An entry is used only while every script and stylesheet file its page
    names under ``/app/static/`` is still there.
    """
    path = static_dir / MAP_FOLDER / _entry_name(key)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
        entry = orjson.loads(path.read_bytes())
        page = entry["page"]
        links = [*page["js_links"], *page["css_links"]]
        if all(_served(static_dir, url) for url in links) and isinstance(entry["groups"], list):
            return entry
    entry = build()
    with contextlib.suppress(OSError, TypeError):
        publish_bytes(static_dir, MAP_FOLDER, path.name, orjson.dumps(entry))
    return entry


def _served(static_dir: Path, url: str) -> bool:
    """Whether a page's link is inline (``data:``) or a file of the static folder that exists."""
    if url.startswith("data:"):
        return True
    _, found, rest = url.partition("/app/static/")
    return bool(found) and ".." not in rest and (static_dir / rest).is_file()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of regionmap's code and page files: a new version prepares everything again."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *package.glob("static/**/*")]):
        if path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def publish_base(base: BasePart, static_dir: Path, base_url: str = "/") -> str:
    """Write the base to the app's static folder (once, atomically); return its URL."""
    name = f"{base.digest}.json"
    publish_bytes(static_dir, BASE_FOLDER, name, base.data)
    return static_url(BASE_FOLDER, name, base_url)
