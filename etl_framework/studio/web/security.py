"""What the Studio's server refuses: requests that do not come from its own page, and paths that
leave the project or state dir.

The server answers only on loopback unless asked otherwise, but a page on any site the user has
open can still send requests to ``127.0.0.1``: a foreign ``Origin`` (or a cross-site
``Sec-Fetch-Site``) is refused, and so is a ``Host`` that is not the server's own, which stops a
DNS-rebinding page that reaches the server under a name of its own. No CORS headers are ever sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ...errors import EtlError


class RequestRefused(EtlError):
    """A request the server does not serve (HTTP 403)."""


class PathRefused(EtlError):
    """A path in a request that is not inside the folders the Studio may read and write (HTTP 403)."""


LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The ``Host`` values of the server's own pages: the bound address, and loopback's names;
    None (any name) for a server bound to every interface, which is reached under names it cannot know."""
    if host in WILDCARD:
        return None
    names = {f"[{host}]" if ":" in host else host}
    if host in LOOPBACK:
        names |= {"127.0.0.1", "localhost", "[::1]"}
    return frozenset(f"{name}:{port}" for name in names)


def check_request(headers: Mapping[str, str], hosts: Iterable[str] | None) -> None:
    """Raise RequestRefused unless ``Host`` is one of ``hosts`` and the request comes from a page
    of this server: ``Origin`` absent (a typed URL, a same-origin GET) or ``http://`` + its ``Host``."""
    host = headers.get("Host", "")
    if hosts is not None and host not in frozenset(hosts):
        raise RequestRefused(f"Host {host!r} is not this server ({', '.join(sorted(hosts))})")
    origin = headers.get("Origin")
    if origin is not None and origin != f"http://{host}":
        raise RequestRefused(f"Origin {origin!r} is not this server's page: cross-origin requests are refused")
    site = headers.get("Sec-Fetch-Site")
    if site not in (None, "same-origin", "none"):
        raise RequestRefused(f"Sec-Fetch-Site {site!r}: only the server's own pages may call its API")


def inside(roots: Iterable[Path], path: str, what: str = "path") -> Path:
    """``path`` (relative to the first root, or absolute), resolved, links followed; PathRefused
    when it is not under one of ``roots``."""
    roots = [Path(r).resolve() for r in roots]
    if not isinstance(path, str) or not path or "\0" in path:
        raise PathRefused(f"{what} {path!r}: expected a file path")
    resolved = (roots[0] / path).resolve()
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        raise PathRefused(f"{what} {path!r} is outside {' and '.join(str(r) for r in roots)}")
    return resolved
