"""The numbered bibliography of a view as citation files: BibTeX, CSL-JSON and RIS.

Entries come in the figure's order (source [1] first), each keyed ``rmN-key`` so the
number survives in reference managers, and carry the source's title, publisher, URL,
publication and access dates. Written here from the :class:`~regionmap.schema.Source`
fields rather than through a citation library: the three formats are small and fixed, and
no library on PyPI writes all three without pulling in a citation processor.
"""

from __future__ import annotations

import json
import re

from regionmap.citations import Bibliography, Citation

CITATION_FORMATS = ("bib", "csl-json", "ris")
SUFFIXES = {"bib": ".bib", "csl-json": ".json", "ris": ".ris"}
MEDIA_TYPES = {
    "bib": "application/x-bibtex",
    "csl-json": "application/vnd.citationstyles.csl+json",
    "ris": "application/x-research-info-systems",
}
CSL_TYPES = {"news": "article-newspaper", "encyclopedia": "entry-encyclopedia"}
RIS_TYPES = {"news": "NEWS", "encyclopedia": "ENCYC"}


def entry_id(citation: Citation) -> str:
    """The citation key of an entry: its number and source key, e.g. ``rm3-kadena-de``."""
    return f"rm{citation.number}-{citation.source.key}"


def date_parts(value: str) -> list[int]:
    """``2024-05`` as ``[2024, 5]``.

    Examples
    --------
    >>> date_parts("2024-05-15"), date_parts("2024")
    ([2024, 5, 15], [2024])
    """
    return [int(part) for part in str(value).split("-")]


def csl_json(bib: Bibliography) -> str:
    """The bibliography as CSL-JSON (a JSON array of CSL items), in citation order.

    Examples
    --------
    >>> from regionmap.schema import Source
    >>> s = Source(key="k", title="T", publisher="P", url="https://a.example/", accessed="2026")
    >>> json.loads(csl_json(Bibliography([Citation(1, s, ("x",))])))[0]["id"]
    'rm1-k'
    """
    items = []
    for citation in bib.citations:
        source = citation.source
        item = {
            "id": entry_id(citation),
            "type": CSL_TYPES.get(source.kind or "", "webpage"),
            "title": source.title,
            "publisher": source.publisher,
            "container-title": source.publisher,
            "URL": str(source.url),
            "accessed": {"date-parts": [date_parts(source.accessed)]},
            "note": f"Source [{citation.number}] of the figure",
        }
        if source.published:
            item["issued"] = {"date-parts": [date_parts(source.published)]}
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def _bibtex(value: str) -> str:
    """Text for a BibTeX field: special characters escaped, braces balanced."""
    replaced = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}
    return _BIBTEX_SPECIAL.sub(lambda m: replaced.get(m.group(1), "\\" + m.group(1)), value)


def bibtex(bib: Bibliography) -> str:
    """The bibliography as biblatex ``@online`` entries, in citation order."""
    entries = []
    for citation in bib.citations:
        source = citation.source
        fields = [
            ("title", "{" + _bibtex(source.title) + "}"),
            ("organization", _bibtex(source.publisher)),
            ("url", str(source.url).replace("}", "%7D").replace("{", "%7B")),
            ("urldate", str(source.accessed)),
        ]
        if source.published:
            fields.append(("date", str(source.published)))
        fields.append(("note", f"Source [{citation.number}] of the figure"))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@online{{{entry_id(citation)},\n{body}\n}}\n")
    return "\n".join(entries)


def ris(bib: Bibliography) -> str:
    """The bibliography as RIS records, in citation order."""
    records = []
    for citation in bib.citations:
        source = citation.source

        def line(tag: str, value: str) -> str:
            return f"{tag}  - {' '.join(str(value).split())}"

        lines = [
            line("TY", RIS_TYPES.get(source.kind or "", "ELEC")),
            line("ID", entry_id(citation)),
            line("TI", source.title),
            line("PB", source.publisher),
            line("UR", str(source.url)),
            line("Y2", str(source.accessed).replace("-", "/")),
        ]
        if source.published:
            lines.append(line("DA", str(source.published).replace("-", "/")))
        lines += [line("N1", f"Source [{citation.number}] of the figure"), "ER  - "]
        records.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(records)


def citation_file(fmt: str, bib: Bibliography) -> str:
    """The text of a citation file in ``fmt`` (one of :data:`CITATION_FORMATS`)."""
    writers = {"bib": bibtex, "csl-json": csl_json, "ris": ris}
    return writers[fmt](bib)
