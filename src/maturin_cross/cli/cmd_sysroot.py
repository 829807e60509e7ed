"""``maturin-cross sysroot``: a target's root file system from Debian's packages, without root,
and what to do next with it.

Needs the standard library alone, so that ``tools/provision-cross.sh`` runs it with a bare
``python3`` (``PYTHONPATH=src python3 -m maturin_cross sysroot ...``) before anything is
installed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def add(commands: Any) -> None:
    sysroot = commands.add_parser(
        "sysroot",
        help="make a target's root (its Python, headers, libraries) from Debian's packages",
        description="Make DIR a root file system for the target DISTRO:RELEASE/ARCH (such as "
        "debian:bookworm/armhf): the target's Python, its development files, the C library and "
        "the packages --with names, resolved by apt with a private configuration, without root. "
        "The downloads are kept, so the same request again needs no network.",
    )
    sysroot.add_argument("request", metavar="DISTRO:RELEASE/ARCH")
    sysroot.add_argument("dir", type=Path, metavar="DIR")
    sysroot.add_argument(
        "--python", metavar="3.X", help="the target's Python (default: the release's own)"
    )
    sysroot.add_argument(
        "--with",
        dest="extra",
        action="append",
        default=[],
        metavar="PKG",
        help="another package for the root, such as libssl-dev (repeatable)",
    )
    sysroot.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="LINE",
        help="an apt source line 'deb [signed-by=KEYRING] URI SUITE COMPONENT...' used instead "
        "of the ones derived from this machine's (repeatable)",
    )
    sysroot.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="where the index and packages are kept (default: "
        "$XDG_CACHE_HOME/maturin-cross/sysroot)",
    )
    sysroot.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from maturin_cross.buildenv import debian_root
    from maturin_cross.target import debian

    request = debian.parse(args.request, args.python, args.extra, args.source)
    sources = debian.derive_sources(request, debian_root.host_sources())
    debian_root.check_sources(request, sources)
    cache = args.cache or debian_root.default_cache(os.environ)
    made = debian_root.make(request, args.dir, Path(os.path.abspath(cache)), sources)
    steps = debian.next_steps(
        request,
        str(made.root),
        str(made.sysconfigdata) if made.sysconfigdata else None,
        made.packages,
        debian_root.found_on_host(request),
    )
    if made.reused:
        steps[0] += ": already made, left as it is"
    print(*steps, sep="\n")
    return 0
