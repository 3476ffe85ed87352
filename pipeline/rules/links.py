"""Link normalisation for the proof checks: two spellings of one post compare equal, two posts never do.

`normalise_link` is the ONE definition of the compared form of a link (the contract's "Proof
checks", rules 1-4). It reads the link as rule 6 does (`contract.read_link`: a link typed
without a scheme is read as ``https://`` + the value) and returns None for an invalid link.

The library is ural (``ural.normalize_url``, GPL-3.0, built for matching links shared on social
media; see the README for the licence choice). It drops the scheme, the default port, the
fragment, trailing slashes, a trailing ``index.*`` file, sorts the query, decodes
percent-escapes and punycode, and drops the tracking parameters it knows (``utm_*``,
``fbclid``, ``igshid``, ``mibextid``, ``feature``, ``__tn__``, ``refid``, ``fref``, ``_rdc``, ``m=1``,
YouTube's ``t``/``si``/``ab_channel``, ...). The contract's rules where ural does less are applied
first, here:

* the host lower-cased without a trailing dot; the prefixes ``www.``, ``m.``, ``mobile.``,
  ``mbasic.``, ``web.`` dropped (as long as two labels remain); ``fb.com`` is ``facebook.com``,
  ``twitter.com`` is ``x.com``;
* ``youtu.be/ID`` and ``youtube.com/shorts/ID`` are ``youtube.com/watch?v=ID``;
* the contract's tracking parameters (``TRACKING``, any ``utm_*``, and ``s``/``t`` on x.com)
  dropped, whatever their case.

Kept on purpose: the path's case (YouTube ids and Facebook share ids are case-sensitive), every
other query parameter (``story_fbid`` and ``id`` of ``story.php``, ``v`` of YouTube, ``p`` of a
blog). ural's own heuristics are used with three exceptions, so that two posts never compare
equal: its sub-domain stripping (a regex that also strips ``m.`` inside a host) is replaced by
the contract's prefixes; its AMP rules (which strip an ``amp-`` host prefix) are off; and
when its query heuristics drop a parameter that can name a post on some sites (``sid``, ``s``,
``seen``, ``een``: ``POST_KEYS``) the link is normalised without them and the contract's query
is used as it is.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from ural import normalize_url

from pipeline.rules import contract

__all__ = ["normalise_link", "normalise_many", "TRACKING", "HOST_PREFIXES", "HOST_ALIASES"]

HOST_PREFIXES = ("www.", "m.", "mobile.", "mbasic.", "web.")
HOST_ALIASES = {"fb.com": "facebook.com", "twitter.com": "x.com"}
TRACKING = frozenset({"fbclid", "gclid", "igshid", "igsh", "mibextid", "si", "feature", "ref", "ref_src", "ref_url",
                      "share_id", "_rdr"})
X_TRACKING = frozenset({"s", "t"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameters ural may drop as noise that name the content on some sites: never dropped here.
POST_KEYS = frozenset({"sid", "s", "seen", "een"})
# ural's options: the fragment always dropped; its sub-domain and AMP rules and its redirect
# inference off (see the module docstring); everything else as ural does it.
_URAL = {"strip_fragment": True, "strip_irrelevant_subdomains": False, "normalize_amp": False,
         "infer_redirection": False}


def normalise_link(link: object) -> str | None:
    """The compared form of a response's link (scheme dropped: ``facebook.com/desa/posts/1``), or
    None when the link is not valid under rule 6."""
    read = contract.read_link(link)
    return None if read is None else _normalise_url(read[0])


def normalise_many(links) -> list[str | None]:
    """`normalise_link` of each link, in order."""
    return [normalise_link(v) for v in links]


def _query_key(piece: str) -> str:
    return piece.split("=", 1)[0].lower()


def _is_tracking(key: str, host: str) -> bool:
    return key in TRACKING or key.startswith("utm_") or (host == "x.com" and key in X_TRACKING)


def _host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    stripped = True
    while stripped:
        stripped = False
        for prefix in HOST_PREFIXES:
            rest = host[len(prefix):]
            if host.startswith(prefix) and "." in rest:
                host, stripped = rest, True
    return HOST_ALIASES.get(host, host)


def _youtube(host: str, path: str, query: str) -> tuple[str, str, str]:
    """``youtu.be/ID`` and ``youtube.com/shorts/ID`` as ``youtube.com/watch?v=ID`` (other parameters kept)."""
    segments = [s for s in path.split("/") if s]
    if host == "youtu.be" and len(segments) == 1:
        video = segments[0]
    elif host == "youtube.com" and len(segments) == 2 and segments[0] == "shorts":
        video = segments[1]
    else:
        return host, path, query
    return "youtube.com", "/watch", "&".join(p for p in ("v=" + video, query) if p)


@lru_cache(maxsize=65_536)
def _normalise_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    path, query = parts.path, parts.query
    host, path, query = _youtube(host, path.rstrip("/"), query)
    pieces = [p for p in query.split("&") if p and not _is_tracking(_query_key(p), host)]
    netloc = host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    clean = urlunsplit(("https", netloc, path, "&".join(pieces), ""))
    out = normalize_url(clean, **_URAL)
    kept = {_query_key(p) for p in out.partition("?")[2].split("&") if p}
    if any(_query_key(p) in POST_KEYS and _query_key(p) not in kept for p in pieces):
        bare = normalize_url(urlunsplit(("https", netloc, path, "", "")), **_URAL)
        out = bare + "?" + "&".join(sorted(pieces, key=_query_key))
    return out
