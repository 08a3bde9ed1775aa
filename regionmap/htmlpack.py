"""A standalone page's scripts and stylesheets packed as one gzip payload, unpacked in the page.

The exported page carries Leaflet, its plugins, regionmap's own script and the map's layers
(features, popups and their source lists) as text. Packed with gzip they take about a quarter
of the room: :func:`pack_page` moves every script and every ``data:`` stylesheet of the page,
in document order, into one gzip payload (base64 in an inert ``<script type=...>``) and adds
a short loader. In the browser the loader inflates it with the standard
``DecompressionStream`` (no library, nothing fetched), fills each stylesheet in at its
original place (so the cascade is unchanged), then runs the scripts in their original order.

What a reader needs without scripts stays plain HTML: the title, the panel with the credits
and the numbered sources. :func:`unpack_page` gives back the page as it was before packing
(to read or search its scripts). The payload is deterministic: the same page packs to the
same bytes.
"""

from __future__ import annotations

import base64
import gzip
import re

import orjson

__all__ = ["is_packed", "pack_page", "unpack_page"]

_PAYLOAD_TYPE = "application/x-regionmap-pack"
_PAYLOAD = re.compile(
    rf'<script type="{_PAYLOAD_TYPE}" id="rm-pack">(?P<data>[A-Za-z0-9+/=]*)</script>'
)
_LOADER_MARK = "/*rm-unpack*/"
_HOLE = "\x00"
_LOADER = re.compile(r"<script>/\*rm-unpack\*/.*?</script>", re.S)
_PLACEHOLDER = re.compile(r'<style data-rm-pack="(?P<css>\d+)"></style>|<!--rm-pack (?P<js>\d+)-->')
_DATA = r"data:(?P<mime>[\w.+-]+/[\w.+-]+)(?:;charset=[\w-]+)?;base64,(?P<data>[A-Za-z0-9+/=]+)"
#: A script (inline, or a data: URI), or a data: stylesheet, in document order.
_PART = re.compile(
    rf'<script src="{_DATA}"></script>'
    r"|<script>(?P<body>.*?)</script>"
    rf'|<link rel="stylesheet" href="(?P<css>{_DATA.replace("?P<", "?P<css_")})"\s*/?>',
    re.S,
)

#: Inflates the payload and puts each part back: stylesheets at their places, scripts run in
#: order. Plain ES2017 for every browser with DecompressionStream (2023 and later).
_UNPACK_JS = (
    _LOADER_MARK
    + """(async function () {
  var packed = document.getElementById("rm-pack");
  if (!packed) return;
  if (!window.DecompressionStream) {
    var note = document.createElement("p");
    note.textContent = "This map needs a browser from 2023 or later to draw.";
    document.body.insertBefore(note, document.body.firstChild);
    return;
  }
  var text = atob(packed.textContent);
  var bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  var parts = JSON.parse(await new Response(stream).text());
  parts.forEach(function (part) {
    if (part[0] === "css") {
      document.querySelector('style[data-rm-pack="' + part[1] + '"]').textContent = part[2];
      return;
    }
    var script = document.createElement("script");
    script.textContent = part[2];
    document.body.appendChild(script);
  });
})();"""
)


def pack_page(page: str) -> str:
    """The page with its scripts and ``data:`` stylesheets packed into one gzip payload.

    A page without scripts, or one already packed, is returned as it is.

    Examples
    --------
    >>> page = "<html><head><script>var a = 1;</script></head><body></body></html>"
    >>> packed = pack_page(page)
    >>> "var a" in packed, unpack_page(packed) == page
    (False, True)
    """
    if is_packed(page):
        return page
    parts: list[list[str]] = []  # kind, number, text, the original tag (for unpack_page)
    kept: list[str] = []
    position = 0
    for match in _PART.finditer(page):
        kept.append(page[position : match.start()])
        position = match.end()
        number = str(len(parts))
        kind = "css" if match.group("css") else "js"
        name = {"css": "css_data", "js": "data"}[kind]
        if match.group(name):  # a data: URI: its text, and its tag with a hole for it
            text = base64.b64decode(match.group(name)).decode("utf-8")
            start, end = match.span(name)
            template = page[match.start() : start] + _HOLE + page[end : match.end()]
        else:
            text, template = match.group("body"), f"<script>{_HOLE}</script>"
        parts.append([kind, number, text, template])
        kept.append(
            f'<style data-rm-pack="{number}"></style>'
            if kind == "css"
            else f"<!--rm-pack {number}-->"
        )
    if not parts:
        return page
    kept.append(page[position:])
    rest = "".join(kept)
    payload = base64.b64encode(gzip.compress(orjson.dumps(parts), 9, mtime=0)).decode("ascii")
    tail = (
        f'<script type="{_PAYLOAD_TYPE}" id="rm-pack">{payload}</script>'
        f"<script>{_UNPACK_JS}</script>"
    )
    at = rest.rfind("</html>")
    return rest[:at] + tail + rest[at:] if at >= 0 else rest + tail


def is_packed(page: str) -> bool:
    """True when the page carries a packed payload."""
    return _PAYLOAD.search(page) is not None


def unpack_page(page: str) -> str:
    """The page as it was before :func:`pack_page` (a page not packed is returned as it is)."""
    found = _PAYLOAD.search(page)
    if found is None:
        return page
    parts = orjson.loads(gzip.decompress(base64.b64decode(found.group("data"))))
    tags = {number: _tag(template, text) for _, number, text, template in parts}
    rest = page[: found.start()] + page[found.end() :]
    rest = _LOADER.sub("", rest, count=1)
    return _PLACEHOLDER.sub(lambda m: tags.get(m.group("css") or m.group("js"), m.group(0)), rest)


def _tag(template: str, text: str) -> str:
    """A packed part's original tag: its text inline, or as the base64 of a data: URI."""
    before, after = template.split(_HOLE)
    if before.endswith("base64,"):
        text = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return before + text + after
