"""The CJK fallback fonts that ship with regionmap, registered with matplotlib on first use.

``regionmap/assets/fonts/`` holds Noto Sans JP (kana, CJK punctuation and ideographs) and
Noto Sans KR (Hangul), both under the SIL Open Font License and subset by
``scripts/vendor_fonts.py``. Figures draw every character DejaVu Sans lacks with them, so
Japanese and Korean source titles print on any machine, whatever fonts it has installed.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from matplotlib import font_manager

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"
BUNDLED = (
    ("Noto Sans JP", "NotoSansJP-Regular-subset.ttf"),
    ("Noto Sans KR", "NotoSansKR-Regular-subset.ttf"),
)
"""(family name, file) of each bundled font, in fallback order."""


class _NoBoldNotice(logging.Filter):
    """Drop matplotlib's notice that a bundled font has no bold face.

    Only the regular weight ships (a bold face would double the size); bold text such as
    the title falls back to it for CJK characters, which is what the notice reports.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(f"weight bold for {family}" in message for family, _ in BUNDLED)


@cache
def bundled_families() -> tuple[str, ...]:
    """Register the bundled fonts with matplotlib; return the family names that loaded.

    A missing file (e.g. a checkout without the fonts) is skipped, so the missing-glyph
    warning of the export still names what cannot be drawn.

    Examples
    --------
    >>> bundled_families()
    ('Noto Sans JP', 'Noto Sans KR')
    """
    logging.getLogger("matplotlib.font_manager").addFilter(_NoBoldNotice())
    families = []
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for family, name in BUNDLED:
        path = FONT_DIR / name
        if not path.is_file():
            continue
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))
        families.append(family)
    return tuple(families)
