"""Plain text for figures: fonts, widths and line wrapping, measured without drawing.

Widths come from the fonts' advance widths (no kerning), so wrapping is fast and
deterministic. DejaVu Sans (shipped with matplotlib) is the text font; the Noto Sans JP and
KR fonts that ship with regionmap (:mod:`regionmap.fonts`) draw kana, ideographs and Hangul,
then any installed CJK font, and :func:`missing_glyphs` says which characters no font can draw.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties, findfont, get_font

from regionmap.fonts import bundled_families

FONT = "DejaVu Sans"
FALLBACK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Noto Sans KR",
    "IPAexGothic",
    "IPAGothic",
    "NanumGothic",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
)
"""Fonts used, when installed, for characters neither DejaVu Sans nor the bundled fonts have."""


def plain(text: Any) -> str:
    """Layer text made safe to draw: a string, control characters turned into spaces.

    Examples
    --------
    >>> plain("a\\x00b\\n")
    'a b'
    """
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in str(text)
    ).strip()


@cache
def font_family() -> tuple[str, ...]:
    """DejaVu Sans, the bundled CJK fonts, then any installed fallback font for CJK text."""
    bundled = bundled_families()
    installed = {font.name for font in font_manager.fontManager.ttflist}
    extra = (name for name in FALLBACK_FONTS if name in installed and name not in bundled)
    return (FONT, *bundled, *extra)


@cache
def _fonts(bold: bool) -> tuple[Any, ...]:
    """The FreeType fonts of :func:`font_family`, in fallback order, set to 100 pt."""
    fonts = []
    for name in font_family():
        prop = FontProperties(family=name, weight="bold" if bold else "normal")
        font = get_font(findfont(prop, fallback_to_default=False))
        font.set_size(100, 72)
        fonts.append(font)
    return tuple(fonts)


@cache
def _last_resort() -> Any:
    """Matplotlib's Last Resort font (the boxes it draws for missing glyphs), or None."""
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "LastResortHE-Regular.ttf"
    if not path.is_file():
        return None
    font = get_font(str(path))
    font.set_size(100, 72)
    return font


@cache
def _advance(char: str, bold: bool) -> float:
    """The advance width of one character at 1 pt, in points (estimated if no font has it)."""
    for font in (*_fonts(bold), _last_resort()):
        index = font.get_char_index(ord(char)) if font is not None else 0
        if index:
            return font.load_glyph(index).linearHoriAdvance / 65536 / 100
    return 1.15 if unicodedata.east_asian_width(char) in "WF" else 0.6


def font_runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """Split text into runs drawn with one font each: ``(font file, run)`` in order.

    Each character takes the first font of :func:`font_family` that has it, else
    matplotlib's Last Resort font (which draws a box), as matplotlib itself does.

    Examples
    --------
    >>> [run for _, run in font_runs("Tokyo")]
    ['Tokyo']
    """
    fonts = [*_fonts(bold), _last_resort()]
    runs: list[tuple[str, str]] = []
    for char in text:
        font = next((f for f in fonts if f is not None and f.get_char_index(ord(char))), None)
        path = (font or _fonts(bold)[0]).fname
        if runs and runs[-1][0] == path:
            runs[-1] = (path, runs[-1][1] + char)
        else:
            runs.append((path, char))
    return runs


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """The characters of ``texts`` that no installed font of :func:`font_family` can draw."""
    chars = sorted({ch for text in texts for ch in text if not ch.isspace()})
    fonts = _fonts(False)
    return [ch for ch in chars if not any(font.get_char_index(ord(ch)) for font in fonts)]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text in points.

    Examples
    --------
    >>> round(text_width("regionmap", 10))
    54
    """
    return size * sum(_advance(ch, bold) for ch in text)


def wrap(text: str, size: float, width: float, bold: bool = False, indent: float = 0) -> list[str]:
    """Wrap text at spaces to ``width`` points; lines after the first are ``indent`` narrower.

    Runs of whitespace become one space. Words longer than a line (long URLs) are broken
    between characters.

    Examples
    --------
    >>> wrap("one two three", 10, 40)
    ['one', 'two', 'three']
    """
    lines: list[str] = []
    current = ""

    def room() -> float:
        return width - (indent if lines else 0)

    for word in plain(text).split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= room():
            current = candidate
            continue
        if current:
            lines.append(current)
        while len(word) > 1 and text_width(word, size, bold) > room():
            cut = _longest_fit(word, size, room(), bold)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def _longest_fit(word: str, size: float, width: float, bold: bool) -> int:
    """How many leading characters of a word fit in ``width`` points (at least one)."""
    total = 0.0
    for index, ch in enumerate(word):
        total += size * _advance(ch, bold)
        if total > width:
            return max(index, 1)
    return len(word)
