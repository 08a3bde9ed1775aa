"""The layer metadata model (one ``layers/<id>.yaml`` file) and its JSON Schema.

Field names follow datasette metadata (``license``, ``license_url``), Frictionless Data
Package (``sources`` with ``title`` and ``path``/``url``) and STAC (``providers``, time
properties). Everything here is plain text: titles, descriptions and citations are escaped
wherever they are shown.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections import Counter
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
KEY_PATTERN = r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$"
ISO_DATE_PATTERN = r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$"
ISO3_PATTERN = r"^[A-Z]{3}$"
SPDX_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.+-]*$"
PLACEHOLDER_LICENSES = {"na", "n/a", "none", "unknown", "tbd", "todo", "?", "-"}
ALLOWED_URL_SCHEMES = ("http", "https")


def check_http_url(value: str) -> str:
    """Accept only absolute http(s) URLs with a host; anything else is rejected."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ALLOWED_URL_SCHEMES or not parts.netloc:
        raise ValueError(
            f"{value!r} is not an http(s) link; use an absolute URL that starts with "
            "https:// (javascript:, data:, relative and other links are never shown)"
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in value.strip()):
        raise ValueError(f"{value!r} contains spaces or control characters; percent-encode them")
    return value.strip()


def _date_to_text(value: Any) -> Any:
    """YAML turns 2024-04-01 into a date; keep dates as ISO text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    return value


def _check_license(value: str) -> str:
    """Accept an SPDX licence id (from the real SPDX list) or "other"; refuse placeholders.

    Ids are matched case-insensitively and returned in their SPDX spelling. Placeholders such
    as "NA" (geodatasets has 54 of them) and near misses such as "ODC-PDDL" are refused, the
    latter with the id that was probably meant.
    """
    text = value.strip()
    if text.lower() in PLACEHOLDER_LICENSES:
        raise ValueError(
            f"{value!r} is a placeholder, not a licence; give an SPDX id such as "
            '"CC0-1.0", "PDDL-1.0" or "CC-BY-4.0", or "other" with a license_url'
        )
    if text.lower() == "other":
        return text
    known = spdx_license_ids()
    if text.lower() in known:
        return known[text.lower()]
    guess = suggest_license(text)
    hint = f" (did you mean {guess}?)" if guess else ""
    raise ValueError(
        f"{value[:80]!r} is not an SPDX licence id{hint}; use an id from the SPDX list "
        '(https://spdx.org/licenses/) such as "CC0-1.0", "PDDL-1.0" or "CC-BY-4.0", or '
        '"other" with a license_url'
    )


@functools.cache
def spdx_license_ids() -> dict[str, str]:
    """The SPDX licence ids (from the ``license-expression`` package), by lower-case id."""
    from license_expression import get_spdx_licensing

    ids = get_spdx_licensing().known_symbols
    return {
        key.lower(): key
        for key in ids
        if not key.startswith("LicenseRef-") and not key.lower().endswith("exception")
    }


def suggest_license(value: str) -> str | None:
    """The SPDX id a near miss most likely means ("ODC-PDDL" → "PDDL-1.0"), or None.

    Examples
    --------
    >>> suggest_license("ODC-PDDL")
    'PDDL-1.0'
    >>> suggest_license("CC-BY")
    'CC-BY-4.0'
    """
    known = spdx_license_ids()
    lower = value.strip().lower()
    stems: dict[str, list[str]] = {}
    for key, canonical in known.items():
        stem = re.split(r"-v?\d", key, maxsplit=1)[0]
        stems.setdefault(stem, []).append(canonical)
    words = [lower, *re.split(r"[^a-z0-9.+]+", lower)]
    words += ["-".join(lower.split("-")[i:]) for i in range(1, lower.count("-") + 1)]
    for word in words:
        if word in stems:
            return max(stems[word], key=_version_key)
    close = difflib.get_close_matches(lower, list(known), n=1, cutoff=0.8)
    return known[close[0]] if close else None


def _version_key(license_id: str) -> tuple[int, ...]:
    """Sort key: the version numbers in an id, highest last (plain ids before -only/-or-later)."""
    numbers = tuple(int(n) for n in re.findall(r"\d+", license_id))
    return (*numbers, -len(license_id))


def _check_relative_path(value: str) -> str:
    """Refuse NUL and other control characters in a file path (no file system takes them)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("the path holds a control character; write a plain relative path")
    return value


DataPath = Annotated[str, AfterValidator(_check_relative_path)]
HttpUrl = Annotated[str, AfterValidator(check_http_url)]
IsoDate = Annotated[
    str,
    BeforeValidator(_date_to_text),
    Field(pattern=ISO_DATE_PATTERN, description="ISO 8601 date: YYYY-MM-DD, YYYY-MM or YYYY"),
]
Key = Annotated[str, Field(pattern=KEY_PATTERN, max_length=80)]
SourceKind = Literal["official", "primary", "news", "encyclopedia", "other"]
Iso3 = Annotated[str, Field(pattern=ISO3_PATTERN, description="ISO 3166-1 alpha-3 code")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Source(_Model):
    """One bibliography entry. Features cite it by ``key`` in their ``sources`` list."""

    key: Key
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    url: HttpUrl
    published: IsoDate | None = None
    accessed: IsoDate
    kind: SourceKind | None = Field(
        default=None,
        description=(
            "What the page is: 'official' (a government, ministry, armed service, agency, "
            "parliament or international organisation), 'primary' (the treaty text, or the "
            "actor itself, e.g. a manufacturer announcing its own test), 'news', "
            "'encyclopedia' or 'other'"
        ),
    )


class Agreement(_Model):
    """A publicly declared agreement that basing sites fall under."""

    key: Key
    name: str = Field(min_length=1)
    parties: list[Iso3] = Field(min_length=2)
    signed: IsoDate
    status: Literal["in force", "ended"]
    ended: IsoDate | None = None
    sources: list[Key] = Field(min_length=1)


class PopupField(_Model):
    """A feature property shown in the popup and the table, with its label."""

    field: str = Field(min_length=1)
    label: str = Field(min_length=1)


class Style(_Model):
    """How the layer is drawn, on the interactive map and in figures."""

    color: str = Field(default="#3366cc", pattern=r"^#[0-9a-fA-F]{6}$")
    fill_color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    fill_opacity: float = Field(default=0.4, ge=0, le=1)
    weight: float = Field(default=1.5, ge=0, le=20)
    radius: float = Field(default=6, ge=1, le=30)
    marker: Literal["circle", "square", "triangle", "diamond"] = "circle"
    label: str | None = Field(
        default=None,
        max_length=200,
        description="Property whose value is shown as a label beside each point",
    )


class TimeFields(_Model):
    """Which feature properties hold a date, or the start and end of a date range."""

    start: str = Field(min_length=1)
    end: str | None = Field(
        default=None,
        description="Property with the end of the range; a feature without one is still open",
    )
    precision: str | None = Field(
        default=None,
        description="Property saying how precise the start date is: day, month or year",
    )


class LayerMeta(_Model):
    """The metadata of one layer: ``layers/<id>.yaml``.

    Examples
    --------
    >>> meta = LayerMeta.model_validate({
    ...     "id": "rivers", "title": "Rivers", "license": "CC0-1.0",
    ...     "data": "../data/rivers.geojson",
    ...     "sources": [{"key": "ne", "title": "Natural Earth", "publisher": "NACIS",
    ...                  "url": "https://www.naturalearthdata.com/", "accessed": "2026-11-25"}],
    ... })
    >>> meta.group
    'Other'
    """

    id: str = Field(pattern=ID_PATTERN, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    license: Annotated[str, AfterValidator(_check_license)] = Field(pattern=SPDX_PATTERN)
    license_url: HttpUrl | None = None
    attribution: str | None = Field(
        default=None, description="Plain-text credit shown on the map and on every export"
    )
    data: DataPath = Field(min_length=1, description="GeoJSON file, relative to this metadata file")
    resolutions: dict[Literal["110m", "50m", "10m"], DataPath] = Field(
        default_factory=dict,
        description="Alternative files by Natural Earth scale, chosen by the view's extent",
    )
    sources: list[Source] = Field(min_length=1)
    agreements: list[Agreement] = Field(default_factory=list)
    style: Style = Field(default_factory=Style)
    popup: list[PopupField] = Field(default_factory=list)
    time: TimeFields | None = None
    group: str = "Other"
    default_visible: bool = True
    geometry_type: str | None = None
    feature_count: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check_keys(self) -> LayerMeta:
        if self.license.lower() == "other" and not self.license_url:
            raise ValueError('license "other" needs a license_url that says what the terms are')
        # Linear in the number of sources: a counter, then a set (never list.count in a loop).
        counts = Counter(s.key for s in self.sources)
        dupes = sorted(k for k, n in counts.items() if n > 1)
        if dupes:
            raise ValueError(f"source keys must be unique; repeated: {', '.join(dupes[:10])}")
        keys = set(counts)
        for agreement in self.agreements:
            unknown = [k for k in agreement.sources if k not in keys]
            if unknown:
                raise ValueError(
                    f"agreement {agreement.key!r} cites unknown source key(s) "
                    f"{', '.join(unknown)}; add them to 'sources'"
                )
        return self

    def source_map(self) -> dict[str, Source]:
        """Bibliography entries by key."""
        return {s.key: s for s in self.sources}

    def agreement_map(self) -> dict[str, Agreement]:
        """Agreements by key."""
        return {a.key: a for a in self.agreements}


def layer_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``layers/<id>.yaml``, for editors and ``layers/schema.json``."""
    schema = LayerMeta.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "regionmap layer metadata"
    return schema


def is_kebab_id(value: str) -> bool:
    """True for a valid layer id such as ``test-ranges``."""
    return bool(re.fullmatch(ID_PATTERN, value)) and len(value) <= 64
