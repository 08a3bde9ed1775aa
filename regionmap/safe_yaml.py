"""Reading layer metadata YAML as plain data, with nothing that can blow up.

``yaml.safe_load`` already refuses ``!!python/object`` and other code-running tags, but it
still expands aliases (a "billion laughs" file of a few hundred bytes becomes gigabytes),
converts integers of any length (Python refuses more than 4,300 digits with a ValueError)
and composes nesting recursively (deep nesting overflows the stack). This module checks the
event stream first, without building anything: aliases and deep nesting are refused there,
in linear time. Then the document is built with libyaml's parser where available.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_YAML_DEPTH", "MAX_YAML_INT_DIGITS", "UnsafeYaml", "load_metadata_yaml"]

MAX_YAML_DEPTH = 32
"""Deepest nesting of mappings and lists in a metadata file (the schema needs 3)."""
MAX_YAML_INT_DIGITS = 30
"""Longest integer accepted in metadata (a feature count has at most 10 digits)."""

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UnsafeYaml(Exception):
    """Metadata that is valid YAML but refused: an alias, deep nesting, a huge number."""

    def __init__(self, message: str, fix: str, mark: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.line = mark.line + 1 if mark is not None else None
        self.column = mark.column + 1 if mark is not None else None


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """A safe loader whose integers have a length cap."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    if len(text.replace("_", "").lstrip("+-")) > MAX_YAML_INT_DIGITS:
        raise UnsafeYaml(
            f"has an integer with {len(text):,} digits; no metadata field needs more than "
            f"{MAX_YAML_INT_DIGITS}.",
            "Write the number out as it should be (a feature count, a year), or quote it.",
            node.start_mark,
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_metadata_yaml(text: str) -> Any:
    """Parse metadata YAML as plain data.

    Raises
    ------
    yaml.YAMLError
        For invalid YAML or a tag that is not plain data (``!!python/object``).
    UnsafeYaml
        For an alias, nesting deeper than ``MAX_YAML_DEPTH`` or an over-long integer.

    Examples
    --------
    >>> load_metadata_yaml("id: x\\ntags: [a, b]")
    {'id': 'x', 'tags': ['a', 'b']}
    >>> load_metadata_yaml("a: &x [1]\\nb: *x")
    Traceback (most recent call last):
    ...
    regionmap.safe_yaml.UnsafeYaml: uses a YAML alias (*x); ...
    """
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYaml(
                f"uses a YAML alias (*{str(event.anchor)[:40]}); aliases are refused in "
                "metadata because a few of them can expand a small file into gigabytes.",
                "Write the value out in full where the alias stands.",
                event.start_mark,
            )
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise UnsafeYaml(
                    f"nests lists or mappings more than {MAX_YAML_DEPTH} levels deep; layer "
                    "metadata needs three.",
                    "Check the file against layers/schema.json.",
                    event.start_mark,
                )
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: plain data only
