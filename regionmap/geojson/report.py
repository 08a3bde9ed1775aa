"""Collecting the problems of one file, with a bound on how many are kept.

A file with a million bad features must not yield a million messages (or the memory to hold
them): three examples per rule and feature are enough to act on, and after
``MAX_PER_RULE`` problems of one rule the rest are only counted, then summed up in one
closing problem of that rule.
"""

from __future__ import annotations

from collections import Counter

from regionmap.problems import Problem, Severity

MAX_PER_RULE = 100
"""Problems of one rule kept in full; the rest are counted."""


class Reporter:
    """Collects problems for one file, folding repeats."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._seen: Counter[tuple[int | None, str]] = Counter()
        self._per_rule: Counter[tuple[str, Severity]] = Counter()
        self._dropped: Counter[tuple[str, Severity]] = Counter()
        self.error_features: set[int | None] = set()

    def add(
        self,
        rule: str,
        message: str,
        fix: str = "",
        severity: Severity = "error",
        feature: int | None = None,
        feature_id: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        """Record one problem (or only count it, past the caps)."""
        if severity == "error":
            self.error_features.add(feature)
        key = (feature, rule)
        self._seen[key] += 1
        if self._seen[key] > 3:  # three examples per rule and feature are enough to act on
            return
        if self._per_rule[(rule, severity)] >= MAX_PER_RULE:
            self._dropped[(rule, severity)] += 1
            return
        self._per_rule[(rule, severity)] += 1
        self.problems.append(
            Problem(self.path, rule, message, fix, severity, feature, feature_id, line, column)
        )

    def finish(self) -> list[Problem]:
        """The problems, with one closing line per rule whose problems were only counted."""
        for (rule, severity), count in self._dropped.items():
            self.problems.append(
                Problem(
                    self.path,
                    rule,
                    f"has {count:,} more problem(s) of this rule, not listed one by one "
                    f"(the first {MAX_PER_RULE} are).",
                    "Fix the ones listed; the others are most likely the same mistake.",
                    severity,
                )
            )
        self._dropped.clear()
        return self.problems
