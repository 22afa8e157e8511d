"""``etl package``: build the artefacts a cluster runs the project's jobs from (etl_framework.deploy)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..deploy import build
from ..logs import setup_logging
from .options import profile_of, profile_options


def cmd_package(ns: argparse.Namespace) -> int:
    profile = profile_of(ns)
    setup_logging(profile.log_level)
    package = build(profile, Path(ns.output))
    for path in package.files:
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    package = sub.add_parser(
        "package",
        help="build the framework and jobs zip, the Glue shim, launcher, profile and the environment archive",
        allow_abbrev=False,
    )
    package.add_argument("-o", "--output", default="dist", help="the folder to write them to (default: dist)")
    profile_options(package)
    package.set_defaults(handler=cmd_package)
