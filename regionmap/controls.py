"""Control characters and bidi overrides, made visible wherever catalog text is shown.

Layer text may carry terminal escape sequences (``ESC ] 0 ; title BEL`` retitles a terminal
window; other sequences move the cursor or hide text) and Unicode bidi overrides (U+202E
shows "evil" as "live"). :func:`reveal_controls` replaces each such character with its
visible escape (``\\x1b``, ``\\u202e``), so that what is printed or drawn is what the file
holds. The CLI runs every line it prints through it; the escaping helpers of
:mod:`regionmap.safe_html` do the same for the browser.
"""

from __future__ import annotations

import re

__all__ = ["has_controls", "reveal_controls"]

# C0 and C1 control characters and DEL, the bidi embeddings, overrides, isolates and marks,
# the line and paragraph separators, and lone surrogates (which no terminal can encode).
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_CONTROLS_BUT_WHITESPACE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
    "\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def reveal_controls(text: str, *, keep_whitespace: bool = False) -> str:
    """Return ``text`` with control characters and bidi controls as visible escapes.

    ``keep_whitespace`` leaves tab, line feed and carriage return alone: right for HTML,
    where they are only spacing, wrong for a terminal line.

    Examples
    --------
    >>> reveal_controls("a\\x1b]0;owned\\x07b")
    'a\\\\x1b]0;owned\\\\x07b'
    >>> reveal_controls("\\u202eevil")
    '\\\\u202eevil'
    >>> reveal_controls("Tōkyō")
    'Tōkyō'
    """
    pattern = _CONTROLS_BUT_WHITESPACE if keep_whitespace else _CONTROLS
    return pattern.sub(_escape, text)


def has_controls(text: str) -> bool:
    """True if the text holds a character :func:`reveal_controls` would replace."""
    return _CONTROLS.search(text) is not None
