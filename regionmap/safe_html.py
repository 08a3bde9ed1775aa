"""Escaping for every string that comes from a layer, on its way to HTML, JavaScript or Markdown.

folium and branca render each element's output a second time as an unsandboxed Jinja template,
and folium puts popup and tooltip text inside JavaScript template literals; Leaflet's layer
control sets layer names with ``innerHTML``. :func:`escape_text` makes a value inert in all of
those places at once: HTML-escape it, then encode the characters that mean something to Jinja
(``{`` ``}``) and to template literals (`````, ``$``, ``\\``) as numeric character references.
A browser shows the original text; no template or script ever sees the syntax.

See FIELD-NOTES "Security facts" and issue 4.
"""

from __future__ import annotations

import html
import re
from typing import Any

from regionmap.controls import reveal_controls
from regionmap.schema import check_http_url

__all__ = ["escape_markdown", "escape_text", "markdown_link", "safe_link", "safe_url"]

#: Characters that survive ``html.escape`` but matter to Jinja or JS template literals.
_EXTRA = str.maketrans(
    {
        "\\": "&#92;",
        "`": "&#96;",
        "$": "&#36;",
        "{": "&#123;",
        "}": "&#125;",
    }
)

#: URL characters that could end or re-open a Markdown link, percent-encoded inside one.
_URL_MARKDOWN = str.maketrans({c: f"%{ord(c):02X}" for c in "()[]<>`\\\"' $"})
#: Characters with a meaning in Streamlit's Markdown (including ``$`` for LaTeX and ``:`` for
#: emoji shortcodes such as ``:red[...]``).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def escape_text(value: Any) -> str:
    """Return ``value`` as text that is inert in HTML, Jinja and JavaScript template literals.

    Parameters
    ----------
    value : Any
        Any value; it is converted with ``str``. ``None`` becomes the empty string.

    Returns
    -------
    str
        ``html.escape(str(value), quote=True)`` with ``\\`` ````` ``$`` ``{`` ``}`` encoded as
        ``&#92;`` ``&#96;`` ``&#36;`` ``&#123;`` ``&#125;``.

    Examples
    --------
    >>> escape_text("<b>{{7*7}}</b>")
    '&lt;b&gt;&#123;&#123;7*7&#125;&#125;&lt;/b&gt;'
    >>> escape_text("`${x}`")
    '&#96;&#36;&#123;x&#125;&#96;'
    """
    if value is None:
        return ""
    # Control characters and bidi overrides become visible escapes (issue 13).
    return html.escape(reveal_controls(str(value), keep_whitespace=True), quote=True).translate(
        _EXTRA
    )


def safe_url(url: Any) -> str | None:
    """Return an absolute http(s) URL with a host, or ``None`` for anything else.

    Parameters
    ----------
    url : Any
        A candidate link.

    Returns
    -------
    str or None
        The stripped URL, or ``None`` for ``javascript:``, ``data:``, relative and other links.

    Examples
    --------
    >>> safe_url("https://www.mofa.go.jp/")
    'https://www.mofa.go.jp/'
    >>> safe_url("javascript:alert(1)") is None
    True
    """
    if not isinstance(url, str):
        return None
    try:
        return check_http_url(url)
    except ValueError:
        return None


def safe_link(url: Any, text: Any) -> str:
    """Return an ``<a>`` element that opens an http(s) URL in a new tab, or escaped text.

    Parameters
    ----------
    url : Any
        The link target; only absolute http(s) URLs with a host become links.
    text : Any
        The link text (escaped).

    Returns
    -------
    str
        ``<a href="..." target="_blank" rel="noopener noreferrer">text</a>``, or the escaped
        text alone when ``url`` is not an http(s) URL.

    Examples
    --------
    >>> print(safe_link("https://a.org/?a=1&b=2", "A"))  # doctest: +NORMALIZE_WHITESPACE
    <a href="https://a.org/?a=1&amp;b=2" target="_blank"
    rel="noopener noreferrer">A</a>
    >>> safe_link("javascript:alert(1)", "x")
    'x'
    """
    target = safe_url(url)
    label = escape_text(text)
    if target is None:
        return label
    return f'<a href="{escape_text(target)}" target="_blank" rel="noopener noreferrer">{label}</a>'


def escape_markdown(value: Any) -> str:
    """Return ``value`` as literal text for Streamlit Markdown (labels, captions, headers).

    Parameters
    ----------
    value : Any
        Any value; it is converted with ``str``.

    Returns
    -------
    str
        The text with every Markdown, LaTeX and emoji-shortcode character backslash-escaped.

    Examples
    --------
    >>> print(escape_markdown("*bold* $x$"))
    \\*bold\\* \\$x\\$
    """
    return _MARKDOWN.sub(
        r"\\\1", "" if value is None else reveal_controls(str(value), keep_whitespace=True)
    )


def markdown_link(url: Any, text: Any) -> str:
    """Return a Markdown link to an http(s) URL, or the escaped text for any other URL.

    The text is Markdown-escaped and the URL percent-encodes every character that could close
    the link or start new Markdown, so neither can inject a link of its own.

    Examples
    --------
    >>> markdown_link("https://a.org/x)[y](javascript:z", "A")
    '[A](https://a.org/x%29%5By%5D%28javascript:z)'
    >>> markdown_link("javascript:alert(1)", "A")
    'A'
    """
    target = safe_url(url)
    if target is None:
        return escape_markdown(text)
    return f"[{escape_markdown(text)}]({target.translate(_URL_MARKDOWN)})"
