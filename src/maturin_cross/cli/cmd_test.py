"""``maturin-cross test``: wheels installed and imported in the target's own Python, under qemu
(or natively where this machine runs the target's programs)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from maturin_cross.cli import options


def add(commands: Any) -> None:
    test = commands.add_parser(
        "test",
        help="install wheels and import their modules in the target's own Python under qemu",
        description="Install the wheels into a scratch folder, run the target's own Python from "
        "the sysroot under qemu-user (the sysroot as its library root, its own site-packages on "
        "the path), import every extension module by its dotted name, run --command, then each "
        "--run program. Exit "
        "0 when all of it succeeds, 1 with the target's own error otherwise, 2 when qemu or the "
        "target's Python is missing.",
    )
    test.add_argument("wheels", nargs="+", type=Path, metavar="WHEEL")
    test.add_argument(
        "--command", metavar="CODE", help="Python code to run after the imports (on the target)"
    )
    test.add_argument(
        "--with",
        dest="with_wheels",
        action="append",
        default=[],
        type=Path,
        metavar="WHEEL",
        help="a runtime dependency to install beside the wheels (repeatable)",
    )
    test.add_argument(
        "--run",
        action="append",
        default=[],
        metavar="'PROGRAM ARGS'",
        help='then run a program the wheels install (a bindings = "bin" wheel\'s), under qemu '
        "like the Python (repeatable): --run 'just --version'",
    )
    options.add_target_options(test)
    test.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from maturin_cross.errors import BuildError, UsageError
    from maturin_cross.pipeline.steps import judge_trial
    from maturin_cross.trial import launch

    if args.sysroot and not Path(args.sysroot).is_dir():
        raise UsageError(
            f"--sysroot {args.sysroot} is not a folder; name the target's root file system "
            f"(the folder that holds its usr/lib/python3.X/)"
        )
    for wheel in [*args.wheels, *args.with_wheels]:
        if not wheel.is_file():
            raise UsageError(f"{wheel} does not exist; name a wheel file")
    if args.sysroot and not options.names_target(args):
        # The sysroot's own Python says what the target is.
        args.sysconfigdata = str(python_folder(Path(args.sysroot), args.wheels))
    aimed = options.aim(options.settings(args))
    target, sysroot = aimed.target, aimed.sysroot
    if sysroot is None or target.python is None:
        raise UsageError(
            "test needs the target's sysroot, with its Python: --sysroot DIR (or -C sysroot=DIR, "
            "MATURIN_CROSS_SYSROOT, or a sysconfigdata inside a sysroot)"
        )
    outcome = launch.try_wheels(
        args.wheels,
        target,
        sysroot,
        os.environ,
        command=args.command,
        with_wheels=args.with_wheels,
        runs=args.run,
    )
    verdict = judge_trial(outcome, args.wheels, target)
    for line in verdict.imported:
        print(line, flush=True)
    sys.stdout.write(outcome.stdout)
    sys.stdout.flush()
    sys.stderr.write(outcome.stderr)
    if verdict.failure is not None:
        raise BuildError(verdict.failure)
    return 0


def python_folder(sysroot: Path, wheels: Sequence[Path]) -> Path:
    """Where the target's sysconfigdata is looked for in ``sysroot``: its ``usr/lib``, or, when
    every wheel is built for one CPython (``cp315-cp315``, ``cp314-cp314t``) and the sysroot
    has that Python's folder, that folder. A root may hold several Pythons (Debian sid's
    python3-cffi-backend brings sid's default python3 beside the one asked for)."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    lib = sysroot / "usr" / "lib"
    folders = set()
    for wheel in wheels:
        try:
            tags = parse_wheel_filename(wheel.name)[3]
        except InvalidWheelFilename:
            return lib
        for tag in tags:
            found = re.fullmatch(r"cp3(\d+)", tag.interpreter)
            abi = re.fullmatch(r"cp3(\d+)(t?)", tag.abi)
            if not found or not abi or abi.group(1) != found.group(1):
                return lib
            folders.add(f"python3.{found.group(1)}{abi.group(2)}")
    if len(folders) != 1:
        return lib
    folder = lib / folders.pop()
    return folder if folder.is_dir() else lib
