"""From bytes to a parsed JSON document: file type, encoding, nesting depth, JSON syntax.

Everything that can go wrong before there is a document to check is caught here, with a
message that says what the file really is: a PNG or a ZIP renamed ``.geojson`` is named as
such (not as "maybe Latin-1"), an empty or truncated file is called empty or truncated, and
nesting is measured against an explicit cap before the JSON parser could reach Python's
recursion limit. Numbers and text that no writer can store (integers beyond 64 bits, lone
UTF-16 surrogates) are errors here, so nothing downstream meets them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from regionmap.geojson.report import Reporter
from regionmap.geojson.rules import INT64_RANGE, Limits

NOTHING = object()
"""Returned instead of a document when the file cannot be parsed."""

_CHUNK = 8 * 1024 * 1024
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CONVERT = "Convert it to GeoJSON first, e.g. `ogr2ogr -f GeoJSON out.geojson {name}`."
# Leading bytes of the formats people rename or mistake for GeoJSON.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "Choose the GeoJSON file; this one is a picture."),
    (b"\xff\xd8\xff", "a JPEG image", "Choose the GeoJSON file; this one is a picture."),
    (b"GIF8", "a GIF image", "Choose the GeoJSON file; this one is a picture."),
    (b"%PDF-", "a PDF document", "Choose the GeoJSON file; this one is a document."),
    (
        b"PK\x03\x04",
        "a ZIP archive (a zipped Shapefile or a KMZ, perhaps)",
        "Unzip it and convert the layer inside to GeoJSON, e.g. "
        "`ogr2ogr -f GeoJSON out.geojson layer.shp`.",
    ),
    (b"PK\x05\x06", "an empty ZIP archive", "Choose the GeoJSON file itself."),
    (b"\x1f\x8b", "a gzip-compressed file", "Uncompress it first (`gunzip file.geojson.gz`)."),
    (
        b"SQLite format 3\x00",
        "an SQLite database (a GeoPackage, perhaps)",
        _CONVERT.format(name="in.gpkg"),
    ),
    (b"\x00\x00\x27\x0a", "a Shapefile (.shp)", _CONVERT.format(name="in.shp")),
)
_XML = (
    (b"<kml", "KML", _CONVERT.format(name="in.kml")),
    (b"<gpx", "GPX", _CONVERT.format(name="in.gpx")),
    (b"<html", "an HTML page (a failed download, perhaps)", "Download the GeoJSON file again."),
    (b"<!doctype html", "an HTML page (a failed download, perhaps)", "Download it again."),
)


def decode(raw: bytes, report: Reporter) -> str | None:
    """Return the text of a GeoJSON file, or None after reporting what the file is instead."""
    if _sniff(raw, report):
        return None
    for bom, encoding in (
        (b"\xff\xfe\x00\x00", "UTF-32 LE"),
        (b"\x00\x00\xfe\xff", "UTF-32 BE"),
        (b"\xff\xfe", "UTF-16 LE"),
        (b"\xfe\xff", "UTF-16 BE"),
    ):
        if raw.startswith(bom):
            report.add(
                "encoding",
                f"is encoded as {encoding}; GeoJSON must be UTF-8 (RFC 7946 section 11).",
                "Re-save it as UTF-8, e.g. `iconv -f UTF-16 -t UTF-8 in.geojson > out.geojson`.",
            )
            return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        if _looks_binary(raw):
            report.add(
                "file-type",
                "this is a binary file, not GeoJSON (which is UTF-8 text).",
                "Choose the GeoJSON file, or convert the data with `ogr2ogr -f GeoJSON`.",
            )
            return None
        report.add(
            "encoding",
            f"is not valid UTF-8: byte 0x{raw[exc.start]:02X} cannot be decoded "
            "(the file may be Latin-1 or Windows-1252).",
            "Re-save it as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.geojson > out.geojson`.",
            line=line,
            column=column,
        )
        return None


def _sniff(raw: bytes, report: Reporter) -> bool:
    """Report an empty file or another format by its leading bytes; True if reported."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if not head and not raw[4096:].strip():
        report.add(
            "json-syntax",
            "is empty: it holds no data at all." if not raw else "holds only whitespace.",
            "Export or download the layer again; a GeoJSON file starts with {.",
        )
        return True
    for magic, what, fix in _MAGIC:
        if raw.startswith(magic):
            report.add("file-type", f"this is {what}, not GeoJSON.", fix)
            return True
    if head.startswith(b"<"):
        lower = head.lower()
        for tag, what, fix in _XML:
            if tag in lower:
                report.add("file-type", f"this is {what}, not GeoJSON.", fix)
                return True
        report.add("file-type", "this is XML, not GeoJSON.", _CONVERT.format(name="in.xml"))
        return True
    return False


def _looks_binary(raw: bytes) -> bool:
    """True for bytes that are not text in any 8-bit encoding (NULs, many control bytes)."""
    head = raw[:8192]
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return controls > len(head) // 20


def nesting_depth(raw: bytes | str, cap: int) -> int:
    """The deepest nesting of arrays and objects outside strings (stops once beyond ``cap``).

    Linear and vectorised: brackets inside strings are told apart by the parity of the
    unescaped quotes before them. Works on UTF-8 bytes, where quote, bracket and backslash
    bytes never occur inside a multi-byte character.

    Examples
    --------
    >>> nesting_depth(b'{"a": [[1], "[[["]}', cap=10)
    3
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    buf = np.frombuffer(data, dtype=np.uint8)
    depth = deepest = 0
    in_string = False
    for start in range(0, len(buf), _CHUNK):
        chunk = buf[start : start + _CHUNK]
        quotes = np.flatnonzero(chunk == 0x22)
        before = np.maximum(quotes + start - 1, 0)
        suspect = (quotes + start > 0) & (buf[before] == 0x5C)
        if suspect.any():  # rare: only quotes right after a backslash need a closer look
            keep = np.ones(len(quotes), dtype=bool)
            for i in np.flatnonzero(suspect):
                keep[i] = not _escaped(buf, start + int(quotes[i]))
            quotes = quotes[keep]
        steps = _STEP[chunk]
        brackets = np.flatnonzero(steps)
        if len(brackets):
            inside = (np.searchsorted(quotes, brackets) + in_string) % 2 == 1
            levels = depth + np.cumsum(steps[brackets[~inside]], dtype=np.int64)
            if len(levels):
                deepest = max(deepest, int(levels.max()))
                depth = int(levels[-1])
        in_string ^= bool(len(quotes) % 2)
        if deepest > cap:
            break
    return deepest


def _longest_digit_run(raw: bytes | str) -> int:
    """The longest run of ASCII digits in the file (vectorised; a regex is ten times slower)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    buf = np.frombuffer(data, dtype=np.uint8)
    longest = carried = 0
    for start in range(0, len(buf), _CHUNK):
        chunk = buf[start : start + _CHUNK]
        digit = np.concatenate(([False], (chunk >= 0x30) & (chunk <= 0x39), [False]))
        edges = np.flatnonzero(digit[1:] != digit[:-1])
        if not len(edges):
            carried = 0
            continue
        begins, ends = edges[0::2], edges[1::2]
        runs = ends - begins
        if begins[0] == 0:  # a run carried over from the previous chunk
            runs[0] += carried
        longest = max(longest, int(runs.max()))
        carried = int(runs[-1]) if ends[-1] == len(chunk) else 0
    return longest


def _escaped(buf: np.ndarray, index: int) -> bool:
    """True if the quote at ``index`` follows an odd run of backslashes."""
    run = 0
    while index - run - 1 >= 0 and buf[index - run - 1] == 0x5C:
        run += 1
    return run % 2 == 1


@dataclass(frozen=True)
class Scan:
    """What two scans of a file's bytes found before parsing: its nesting and longest digits."""

    depth: int
    longest_digits: int


def scan(data: str | bytes, limits: Limits) -> Scan:
    """Scan a file's text (or bytes, without encoding the text again) before :func:`parse`."""
    return Scan(nesting_depth(data, limits.max_document_depth), _longest_digit_run(data))


def parse(text: str, report: Reporter, limits: Limits, scanned: Scan | None = None) -> Any:
    """Parse JSON, reporting syntax errors with line and column, and what no reader keeps.

    ``scanned`` is :func:`scan` of the file's bytes, made while they were at hand (so a large
    file's bytes need not be held while its text is parsed); by default the text is scanned.
    """
    cap = limits.max_document_depth
    scanned = scanned or scan(text, limits)
    depth = scanned.depth
    if depth > cap:
        report.add(
            "limit-depth",
            f"nests arrays or objects more than {cap} levels deep; the cap is {cap} "
            f"({limits.max_depth} for properties, set by --max-depth, plus "
            f"{cap - limits.max_depth} for GeoJSON's own structure).",
            "GeoJSON never needs deep nesting: flatten deep properties, check how the file "
            "was produced, or raise --max-depth.",
        )
        return NOTHING
    duplicates: list[str] = []
    constants: list[str] = []
    too_big: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            duplicates.extend(k for k, _ in pairs if k in seen or seen.add(k))
        return obj

    def constant(name: str) -> float:
        constants.append(name)
        return float(name.replace("Infinity", "inf"))

    def integer(digits: str) -> int:
        # Python refuses to convert more than 4300 digits (and orjson to write more than
        # 64 bits), so a huge integer is an error here instead of a crash later.
        if len(digits) <= 18:
            return int(digits)
        if len(digits) <= 21:
            value = int(digits)
            if INT64_RANGE[0] <= value <= INT64_RANGE[1]:
                return value
        too_big.append(digits)
        return 0

    # The integer hook costs a Python call per integer; only files with a run of 19 or more
    # digits (the shortest integer that can exceed 64 bits) need it.
    long_digits = scanned.longest_digits >= 19
    hooks: dict[str, Any] = {"parse_int": integer} if long_digits else {}
    try:
        doc = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=constant, **hooks)
    except json.JSONDecodeError as exc:
        _syntax_error(text, exc, report)
        return NOTHING
    except RecursionError:  # the depth cap above keeps this from happening
        report.add(
            "limit-depth",
            "nests arrays or objects too deeply for the JSON reader.",
            "GeoJSON never needs deep nesting; check how the file was produced.",
        )
        return NOTHING
    if duplicates:
        names = ", ".join(sorted({_short(d, 30) for d in duplicates})[:5])
        report.add(
            "duplicate-member",
            f"has objects with the same member twice ({names}); which one counts is ambiguous.",
            "Keep one of each member name in every object.",
        )
    if constants:
        report.add(
            "json-syntax",
            f"uses {', '.join(sorted(set(constants)))}, which is not valid JSON.",
            "Replace NaN/Infinity with real numbers, or null in properties.",
        )
    if too_big:
        longest = max(too_big, key=len)
        report.add(
            "json-number",
            f"has {len(too_big):,} integer(s) too large to store exactly (the longest has "
            f"{len(longest.lstrip('-')):,} digits: {longest[:12]}…); integers must fit in "
            "64 bits.",
            'Write such a value as a string if it is a code ("12345678901234567890123"), or '
            "as a decimal number such as 1.5e30 if it is a measurement.",
        )
    if _SURROGATE_ESCAPE.search(text):
        _check_surrogates(doc, report)
    return doc


def _syntax_error(text: str, exc: json.JSONDecodeError, report: Reporter) -> None:
    """Report a JSON syntax error in words that say what happened."""
    rest = text[exc.pos :]
    if not rest.strip():
        report.add(
            "json-syntax",
            "ends early: the JSON stops before the document is complete (the file is "
            "probably truncated, e.g. by an interrupted download or copy).",
            "Get the whole file again; its last characters close every [ and { it opens.",
            line=exc.lineno,
            column=exc.colno,
        )
        return
    if exc.pos == len(text) - len(text.lstrip()):
        report.add(
            "json-syntax",
            f"is not JSON: it starts with {_short(rest.strip(), 24)!r}, where a GeoJSON file "
            "starts with {.",
            "Choose the GeoJSON file, or convert the data to GeoJSON first (e.g. `ogr2ogr`).",
            line=exc.lineno,
            column=exc.colno,
        )
        return
    report.add(
        "json-syntax",
        f"is not valid JSON: {exc.msg}.",
        "Fix the JSON syntax at that position (a JSON linter or `python -m json.tool` shows it).",
        line=exc.lineno,
        column=exc.colno,
    )


def _check_surrogates(doc: Any, report: Reporter) -> None:
    """Report text holding lone UTF-16 surrogates (``\\ud800``): no UTF-8 writer can store it."""
    found: list[str] = []
    count = 0
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                count += 1
                if len(found) < 3:
                    found.append(where or "the top level")
        elif isinstance(value, dict):
            for key, item in value.items():
                here = f"{where}.{_short(key, 30)}" if where else _short(key, 30)
                if _has_surrogate(key):
                    count += 1
                    if len(found) < 3:
                        found.append(f"the member name at {where or 'the top level'}")
                stack.append((item, here))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))
    if count:
        report.add(
            "text-surrogate",
            f"has {count:,} text value(s) with a lone surrogate escape such as \\ud800 (at "
            f"{'; '.join(found)}); it stands for no character and cannot be stored as UTF-8.",
            "Replace the escape with the character it was meant to be (a \\ud800-\\udbff "
            "escape must be followed by a \\udc00-\\udfff one), or remove it.",
        )


def _has_surrogate(text: str) -> bool:
    """True if the text holds a code point that UTF-8 cannot encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _short(text: str, limit: int) -> str:
    """Text cut to ``limit`` characters, with lone surrogates shown as escapes."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"
