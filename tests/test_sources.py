"""Source rules over every curated layer (data/curated/*.yaml), one test per layer and rule.

The rules (DESIGN.md "Sources" and "Time"): no weak site, one URL per page, a publisher that
fits the URL, a `kind` on every source and a `location` on every feature, end dates not
before start dates, a date precision that matches the date, and a reason on every feature
that rests on encyclopedias alone. The lists behind them live in regionmap/source_rules.py.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
import yaml

from regionmap.catalog import ROOT
from regionmap.source_rules import (
    ENCYCLOPEDIA_DOMAINS,
    SOURCE_KINDS,
    host_of,
    page_key,
    publisher_problem,
    title_problem,
    weak_reason,
)

CURATED_DIR = ROOT / "data" / "curated"
LAYERS = sorted(p.stem for p in CURATED_DIR.glob("*.yaml"))
LOCATIONS = ("installation", "place", "stand-in")
START_FIELDS = ("since", "established", "date")
PRECISION_PATTERNS = {
    "day": r"\d{4}-\d{2}-\d{2}",
    "month": r"\d{4}-\d{2}",
    "year": r"\d{4}",
}


@cache
def curated(layer_id: str) -> dict:
    return yaml.safe_load((CURATED_DIR / f"{layer_id}.yaml").read_text(encoding="utf-8"))


def sources(layer_id: str) -> list[dict]:
    return curated(layer_id)["sources"]


def feature_items(layer_id: str) -> list[dict]:
    return curated(layer_id)["features"]


def fail_if(layer_id: str, rule: str, problems: list[str]) -> None:
    """Fail naming the layer, the rule and every offending source key or feature id."""
    if problems:
        listed = "\n  ".join(problems)
        pytest.fail(f"{layer_id}: {len(problems)} breach(es) of '{rule}':\n  {listed}")


def date_parts(value: object) -> tuple[int, ...]:
    return tuple(int(p) for p in str(value).split("-"))


def test_the_three_curated_layers_are_checked():
    assert {"basing", "test-ranges", "events"} <= set(LAYERS)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_no_weak_sources(layer_id):
    problems = [
        f"{s['key']}: {s['url']} is {reason}"
        for s in sources(layer_id)
        if (reason := weak_reason(s["url"]))
    ]
    fail_if(layer_id, "no weak sources", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_one_url_per_page(layer_id):
    seen: dict[str, str] = {}
    problems = []
    for s in sources(layer_id):
        key = page_key(s["url"])
        if key in seen:
            problems.append(f"{s['key']} and {seen[key]} cite one page ({key}): keep one entry")
        seen.setdefault(key, s["key"])
    fail_if(layer_id, "one URL per page", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_publisher_fits_the_url(layer_id):
    problems = [
        f"{s['key']}: {problem}"
        for s in sources(layer_id)
        if (problem := publisher_problem(s["url"], s["publisher"]))
    ]
    fail_if(layer_id, "publisher fits the URL's domain", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_wikipedia_titles_name_the_linked_article(layer_id):
    problems = [
        f"{s['key']}: {problem}"
        for s in sources(layer_id)
        if (problem := title_problem(s["url"], s["title"]))
    ]
    fail_if(layer_id, "the title names the page the URL opens", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_every_source_has_a_kind(layer_id):
    problems = []
    for s in sources(layer_id):
        kind = s.get("kind")
        on_encyclopedia = any(
            host_of(s["url"]) == d or host_of(s["url"]).endswith("." + d)
            for d in ENCYCLOPEDIA_DOMAINS
        )
        if kind not in SOURCE_KINDS:
            problems.append(f"{s['key']}: kind {kind!r}; give one of {', '.join(SOURCE_KINDS)}")
        elif on_encyclopedia and kind != "encyclopedia":
            problems.append(f"{s['key']}: {host_of(s['url'])} is an encyclopedia, not {kind!r}")
    fail_if(layer_id, "every source has a kind", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_every_feature_has_a_location(layer_id):
    problems = [
        f"{f['id']}: location {f.get('location')!r}; give one of {', '.join(LOCATIONS)}"
        for f in feature_items(layer_id)
        if f.get("location") not in LOCATIONS
    ]
    fail_if(layer_id, "every feature has a location", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_until_is_not_before_the_start(layer_id):
    problems = []
    for f in feature_items(layer_id):
        start = next((f[k] for k in START_FIELDS if f.get(k) is not None), None)
        until = f.get("until")
        if until is None or start is None:
            continue
        a, b = date_parts(start), date_parts(until)
        common = min(len(a), len(b))
        if b[:common] < a[:common]:
            problems.append(f"{f['id']}: until {until} is before the start {start}")
    for agreement in curated(layer_id).get("agreements") or []:
        ended = agreement.get("ended")
        if ended is not None and date_parts(ended) < date_parts(agreement["signed"]):
            problems.append(f"agreement {agreement['key']}: ended {ended} before signed")
    fail_if(layer_id, "until is not before since", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_date_precision_matches_the_date(layer_id):
    problems = []
    for f in feature_items(layer_id):
        if "date" not in f and "date_precision" not in f:
            continue
        precision, date = f.get("date_precision"), str(f.get("date"))
        pattern = PRECISION_PATTERNS.get(precision)
        if pattern is None:
            problems.append(f"{f['id']}: date_precision {precision!r}; use day, month or year")
        elif not re.fullmatch(pattern, date):
            problems.append(f"{f['id']}: date {date} is not of precision {precision!r}")
    fail_if(layer_id, "date_precision matches the date", problems)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_encyclopedia_only_features_say_why(layer_id):
    kinds = {s["key"]: s.get("kind") for s in sources(layer_id)}
    problems = []
    for f in feature_items(layer_id):
        only = all(kinds.get(k) == "encyclopedia" for k in f["sources"])
        reason = (f.get("encyclopedia_only_reason") or "").strip()
        if only and not reason:
            problems.append(f"{f['id']}: cites encyclopedias only; add encyclopedia_only_reason")
        if reason and not only:
            problems.append(f"{f['id']}: has encyclopedia_only_reason but cites other kinds")
    fail_if(layer_id, "an encyclopedia-only feature says why", problems)
