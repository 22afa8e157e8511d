"""``etl studio [--env PROFILE] [--port N] [--host H]``: serve the Studio (visual editor and console)
on http://127.0.0.1:8642/ until Ctrl-C.

It binds loopback only; ``--host 0.0.0.0`` (or another address) serves other machines too, with a
warning: the Studio has no login.
"""

from __future__ import annotations

import argparse

from .options import child_options, profile_of, profile_options


def register_serve(parser: argparse.ArgumentParser) -> None:
    """Add the server's options to the ``etl studio`` parser (its action when none is given)."""
    from ..studio.web.app import DEFAULT_PORT

    profile_options(parser)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port (default: {DEFAULT_PORT})")
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to bind (default 127.0.0.1; any other prints a warning)"
    )


def cmd_serve(ns: argparse.Namespace) -> int:
    from ..runtime.session import build_session
    from ..studio.web.app import Server, create_app, warn_if_exposed

    profile = profile_of(ns)
    warn_if_exposed(ns.host)
    app = create_app(profile, lambda: build_session(profile, "etl-studio"), ns.host, ns.port, child_options(ns))
    server = Server(app, ns.host, ns.port)
    print(f"etl studio: serving {server.url} (profile {profile.name}, state dir {profile.state_dir}); Ctrl-C stops",
          flush=True)  # fmt: skip
    try:
        server.http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.http.server_close()
    return 0
