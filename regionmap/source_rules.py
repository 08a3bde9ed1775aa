"""Rules a cited source must meet: no weak site, one URL per page, a publisher that fits.

The curated layers (``data/curated/*.yaml``) cite pages by URL with a publisher name. These
rules hold the project's source policy (DESIGN.md "Sources") in one place so that the data
tests and ``scripts/provenance.py`` apply the same lists. Each list entry carries its reason.

Examples
--------
>>> weak_reason("https://sco.wikipedia.org/wiki/Manila")
'Scots Wikipedia: a small edition with little review; cite the English article'
>>> page_key("http://www.en.m.wikipedia.org/wiki/Kwajalein/") == page_key(
...     "https://en.wikipedia.org/wiki/Kwajalein_Atoll")
True
>>> publisher_problem("https://en.wikipedia.org/wiki/Guam", "Wikipedia (German)")
"publisher 'Wikipedia (German)' does not fit en.wikipedia.org: use 'Wikipedia'"
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

__all__ = [
    "ENCYCLOPEDIA_DOMAINS",
    "PUBLISHER_WORDS",
    "SOURCE_KINDS",
    "WEAK_DOMAINS",
    "WIKIPEDIA_LANGUAGES",
    "WIKIPEDIA_REDIRECTS",
    "host_of",
    "page_key",
    "publisher_problem",
    "title_problem",
    "weak_reason",
    "wikipedia_title",
]

SOURCE_KINDS = ("official", "primary", "news", "encyclopedia", "other")

# Hosts never to cite, each with why. A host matches itself and any subdomain of it.
WEAK_DOMAINS: dict[str, str] = {
    "sco.wikipedia.org": "Scots Wikipedia: a small edition with little review; cite the English "
    "article",
    "simple.wikipedia.org": "Simple English Wikipedia: a simplified retelling; cite the English "
    "article",
    "sites.google.com": "Google Sites: self-published pages with no named publisher",
    "blogspot.com": "Blogger blogs: self-published",
    "wordpress.com": "WordPress.com blogs: self-published",
    "medium.com": "Medium: self-published posts",
    "substack.com": "Substack: self-published newsletters",
    "tumblr.com": "Tumblr: self-published",
    "weebly.com": "Weebly: personal sites",
    "wixsite.com": "Wix: personal sites",
    "fandom.com": "Fandom wikis: fan-edited",
    "noticiabrasil.net.br": "a republisher of other outlets' stories; cite the original outlet",
    "wikiwand.com": "a Wikipedia mirror; cite the original article",
    "kiddle.co": "a rewritten Wikipedia mirror for children; cite the original article",
    "fact-index.com": "an old Wikipedia copy; cite the current article",
    "wikimili.com": "a Wikipedia mirror; cite the original article",
    "everything.explained.today": "a Wikipedia mirror; cite the original article",
    "abcdef.wiki": "a machine-translated Wikipedia mirror; cite the original article",
    "qaz.wiki": "a machine-translated Wikipedia mirror; cite the original article",
    "frwiki.wiki": "a machine-translated Wikipedia mirror; cite the original article",
    "vdocuments.net": "a document copy site; cite the original publisher",
    "fdocuments.in": "a document copy site; cite the original publisher",
    "paperzz.com": "a document copy site; cite the original publisher",
}
# Personal home pages on an ISP's host: the path starts with ~user (e.g. biglobe.ne.jp/~name).
PERSONAL_PATH_HOSTS = (
    "biglobe.ne.jp",
    "geocities.jp",
    "geocities.co.jp",
    "nifty.com",
    "so-net.ne.jp",
)

# Hosts of reference works: a source there has kind 'encyclopedia'.
ENCYCLOPEDIA_DOMAINS = ("wikipedia.org", "britannica.com", "astronautix.com")

# Wikipedia language editions the project may cite, with the publisher suffix they take.
WIKIPEDIA_LANGUAGES: dict[str, str] = {
    "en": "",
    "de": " (German)",
    "fr": " (French)",
    "es": " (Spanish)",
    "it": " (Italian)",
    "ja": " (Japanese)",
    "ko": " (Korean)",
    "zh": " (Chinese)",
    "ru": " (Russian)",
    "pl": " (Polish)",
    "pt": " (Portuguese)",
    "nl": " (Dutch)",
    "no": " (Norwegian)",
    "sv": " (Swedish)",
    "ro": " (Romanian)",
    "tr": " (Turkish)",
    "ar": " (Arabic)",
    "he": " (Hebrew)",
    "hi": " (Hindi)",
    "kn": " (Kannada)",
    "mr": " (Marathi)",
    "tl": " (Tagalog)",
    "uk": " (Ukrainian)",
    "kk": " (Kazakh)",
}

# English Wikipedia titles seen to redirect (or renamed) to another article in the copies
# read for this project: two URLs under these titles are one page.
WIKIPEDIA_REDIRECTS: dict[str, str] = {
    "Kwajalein": "Kwajalein Atoll",
    "Barking Sands": "Pacific Missile Range Facility",
    "Vandenberg AFB": "Vandenberg Space Force Base",
    "Vandenberg Air Force Base": "Vandenberg Space Force Base",
    "Cape Canaveral Air Force Station": "Cape Canaveral Space Force Station",
    "Wenchang Spacecraft Launch Site": "Wenchang Space Launch Site",
    "Andoya Rocket Range": "Andøya Space",
    "Andøya Rocket Range": "Andøya Space",
    "Deep Sea Range": "MOD Hebrides",
    "Guyana Space Centre": "Guiana Space Centre",
    "Alcântara Launch Center": "Alcântara Space Center",
    "Baikonur spaceport": "Baikonur Cosmodrome",
    "Kodiak Launch Complex": "Pacific Spaceport Complex – Alaska",
}

# Words the publisher must contain for a page on these hosts (any one of them will do). The
# host matches itself and its subdomains. Extend it when a new official host is cited.
PUBLISHER_WORDS: dict[str, tuple[str, ...]] = {
    "nasa.gov": ("NASA",),
    "army.mil": ("Army",),
    "navy.mil": ("Navy",),
    "marines.mil": ("Marine",),
    "af.mil": ("Air Force",),
    "spaceforce.mil": ("Space Force",),
    "mda.mil": ("Missile Defense Agency",),
    "defense.gov": ("Department of Defense", "Defense"),
    "dvidshub.net": ("DVIDS",),
    "defence.gov.au": ("Defence",),
    "airforce.gov.au": ("Air Force",),
    "jaxa.jp": ("JAXA",),
    "kari.re.kr": ("KARI", "Korea Aerospace Research Institute"),
    "esa.int": ("ESA", "European Space Agency"),
    "isro.gov.in": ("ISRO", "Indian Space Research Organisation"),
    "drdo.gov.in": ("DRDO",),
    "state.gov": ("Department of State",),
    "usembassy.gov": ("Embassy",),
    "mofa.go.jp": ("Ministry of Foreign Affairs",),
    "mod.go.jp": ("Ministry of Defense",),
    "afp.mil.ph": ("Armed Forces of the Philippines",),
    "gov-online.go.jp": ("Government of Japan",),
    "pladaily.com.cn": ("PLA Daily",),
    "kantei.go.jp": ("Prime Minister",),
    "kremlin.ru": ("President of Russia", "Kremlin"),
    "parliament.uk": ("Parliament",),
    "aph.gov.au": ("Parliament",),
    "nti.org": ("NTI", "Nuclear Threat Initiative"),
    "globalsecurity.org": ("GlobalSecurity",),
    "astronautix.com": ("Encyclopedia Astronautica",),
    "reuters.com": ("Reuters",),
    "apnews.com": ("Associated Press", "AP"),
    "nbcnews.com": ("NBC",),
    "voanews.com": ("Voice of America",),
    "tass.com": ("TASS",),
    "tass.ru": ("TASS",),
    "sputniknews.com": ("Sputnik",),
    "nippon.com": ("Nippon.com",),
    "sscspace.com": ("Swedish Space Corporation", "SSC"),
    "andoyaspace.no": ("Andøya Space",),
    "rocketlabusa.com": ("Rocket Lab",),
    "cnes.fr": ("CNES",),
    "isas.ac.jp": ("ISAS", "Institute of Space and Astronautical Science"),
    "mbie.govt.nz": ("Ministry of Business, Innovation and Employment", "MBIE"),
    "ela.space": ("Equatorial Launch Australia",),
    "akleg.gov": ("Alaska State Legislature",),
    "nmlegis.gov": ("New Mexico Legislature",),
    "bayterek.kz": ("Baiterek",),
    "zakonpravo.kz": ("zakonpravo.kz", "Zakon i Pravo"),
    "china-consulate.org": ("Consulate",),
    "spacechina.com": ("CASC", "China Aerospace Science and Technology Corporation"),
    "kcna.kp": ("KCNA", "Korean Central News Agency"),
    "pc.gc.ca": ("Parks Canada",),
}
# Publisher words that belong to one host family only: 'Wikipedia' on a mirror means the
# mirror was cited instead of the article.
PUBLISHER_HOSTS: dict[str, str] = {
    "Wikipedia": "wikipedia.org",
    "Wikipédia": "wikipedia.org",
    "Encyclopedia Astronautica": "astronautix.com",
}


def host_of(url: str) -> str:
    """The URL's host in lower case, without ``www.`` and the mobile ``m.`` label."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    host = re.sub(r"^(www\d*|m)\.", "", host)
    return re.sub(r"\.m\.wikipedia\.org$", ".wikipedia.org", host)


def _on(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def weak_reason(url: str) -> str | None:
    """Why a URL must not be cited, or None if its host is not on the weak list."""
    host = host_of(url)
    for domain, reason in WEAK_DOMAINS.items():
        if _on(host, domain):
            return reason
    path = unquote(urlsplit(url).path)
    if any(_on(host, d) for d in PERSONAL_PATH_HOSTS) and path.startswith("/~"):
        return "a personal home page on an ISP's host; cite the original publisher"
    return None


def wikipedia_title(url: str) -> tuple[str, str] | None:
    """``(language, article title)`` of a Wikipedia article URL, or None for other URLs."""
    host = host_of(url)
    match = re.fullmatch(r"([a-z\-]+)\.wikipedia\.org", host)
    path = unquote(urlsplit(url).path)
    if not match or not path.startswith("/wiki/"):
        return None
    title = path[len("/wiki/") :].replace("_", " ").strip().rstrip("/")
    title = title.split("#")[0]
    return match.group(1), title[:1].upper() + title[1:]


def page_key(url: str) -> str:
    """One key per page: two URLs with the same key are the same page.

    Drops the scheme, ``www.``/``m.``, the fragment and a trailing slash, decodes
    percent-encoding and, for English Wikipedia, resolves the known redirects in
    ``WIKIPEDIA_REDIRECTS``.
    """
    wiki = wikipedia_title(url)
    if wiki:
        language, title = wiki
        if language == "en":
            title = WIKIPEDIA_REDIRECTS.get(title, title)
        return f"{language}.wikipedia.org/wiki/{title}"
    parts = urlsplit(url.strip())
    path = unquote(parts.path).rstrip("/")
    query = f"?{unquote(parts.query)}" if parts.query else ""
    return f"{host_of(url)}{path}{query}"


def publisher_problem(url: str, publisher: str) -> str | None:
    """Say how ``publisher`` does not fit the URL's host, or None when it fits."""
    host = host_of(url)
    wiki = wikipedia_title(url)
    if wiki:
        suffix = WIKIPEDIA_LANGUAGES.get(wiki[0])
        expected = f"Wikipedia{suffix}" if suffix is not None else None
        if expected and publisher != expected:
            return f"publisher {publisher!r} does not fit {host}: use {expected!r}"
        if expected is None and not publisher.startswith("Wikipedia ("):
            return f"publisher {publisher!r} does not fit {host}: use 'Wikipedia (<language>)'"
        return None
    for word, domain in PUBLISHER_HOSTS.items():
        if word in publisher and not _on(host, domain):
            return (
                f"publisher {publisher!r} names {word} but the URL is on {host}: "
                f"cite the page on {domain}, not a copy"
            )
    for domain, words in PUBLISHER_WORDS.items():
        if _on(host, domain) and not any(w.lower() in publisher.lower() for w in words):
            return f"publisher {publisher!r} does not fit {host}: name {' or '.join(words)}"
    return None


def title_problem(url: str, title: str) -> str | None:
    """Say how a Wikipedia source's title fails to name the article its URL opens, or None.

    A title names the article when it starts with the URL's article title or with the
    article that title redirects to (``WIKIPEDIA_REDIRECTS``). Other URLs are not checked.
    """
    wiki = wikipedia_title(url)
    if not wiki:
        return None
    article = wiki[1]
    names = {article, WIKIPEDIA_REDIRECTS.get(article, article)}
    if any(title.casefold().startswith(name.casefold()) for name in names):
        return None
    return f"title {title!r} does not name the article the URL opens ({article!r})"
