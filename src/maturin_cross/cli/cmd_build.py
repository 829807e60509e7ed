"""``maturin-cross build``: a wheel of a maturin project, through the hooks, as ``python -m build
--wheel`` would make it with maturin-cross as the backend."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from maturin_cross.cli import options


def add(commands: Any) -> None:
    build = commands.add_parser(
        "build",
        help="build a wheel of a maturin project for the target",
        description="Build a wheel of a maturin project for the target, as `python -m build\n"
        "--wheel` does with maturin-cross as the backend: in a fresh environment with the\n"
        "project's build requirements, unless --no-isolation.",
        epilog=options.settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "source_dir",
        nargs="?",
        default=".",
        metavar="SRC_DIR",
        help="the project folder, with pyproject.toml or Cargo.toml (default: the working folder)",
    )
    build.add_argument(
        "-o",
        "--out-dir",
        default="dist",
        metavar="OUTDIR",
        help="where the wheel is written (default: dist)",
    )
    build.add_argument(
        "-n",
        "--no-isolation",
        action="store_true",
        help="build in this environment instead of a fresh one with the project's requirements",
    )
    build.add_argument(
        "-x",
        "--skip-dependency-check",
        action="store_true",
        help="accepted for pyproject-build compatibility (requirements are not checked)",
    )
    build.add_argument(
        "-w", "--wheel", action="store_true", help="accepted for pyproject-build compatibility"
    )
    options.add_target_options(build)
    build.set_defaults(func=run)


def hook_settings(args: argparse.Namespace, cwd: Path) -> dict[str, str | list[str]]:
    """The config settings the build's hooks are given: the ``-C`` pairs, and the flags under
    their own names (``--target``) so that the build names the flag the user gave. A relative
    path among them is made absolute here, where it was typed (the hooks run in the project's
    folder)."""
    from maturin_cross.settings.origin import Kind, Origin, Sourced
    from maturin_cross.settings.paths import PATH_SETTINGS, setting_path

    given: dict[str, str | list[str]] = options.config_pairs(args.config_setting)
    given.update({f"--{key}": value for key, value in options.flags(args).items()})
    for key, value in given.items():
        if key.removeprefix("--") in PATH_SETTINGS and isinstance(value, str):
            where = Sourced(value, Origin(Kind.COMMAND_LINE, key))
            given[key] = str(setting_path(where, cwd, cwd))
    return given


def hook_environ_delta(environ: Mapping[str, str], cwd: Path) -> dict[str, str]:
    """The ``MATURIN_CROSS_*`` path variables made absolute, for hooks that run in another
    folder: a relative one means the working folder, as the command's own flags do."""
    from maturin_cross.settings.origin import Kind, Origin, Sourced
    from maturin_cross.settings.paths import PATH_SETTINGS, setting_path

    delta = {}
    for key in PATH_SETTINGS:
        name = f"MATURIN_CROSS_{key.upper()}"
        if environ.get(name):
            where = Sourced(environ[name], Origin(Kind.ENVIRONMENT, name))
            delta[name] = str(setting_path(where, cwd, cwd))
    return delta


def run(args: argparse.Namespace) -> int:
    from maturin_cross.errors import UsageError
    from maturin_cross.pipeline import isolated, steps

    source = Path(args.source_dir).resolve()
    if not (source / "pyproject.toml").is_file() and not (source / "Cargo.toml").is_file():
        raise UsageError(f"{source} has no pyproject.toml or Cargo.toml; name a maturin project")
    cwd = Path.cwd()
    settings = hook_settings(args, cwd)
    out_dir = Path(args.out_dir).resolve()
    if args.no_isolation:
        name = steps.build_wheel(str(out_dir), settings, source_dir=source)
    else:
        delta = hook_environ_delta(os.environ, cwd)
        name = isolated.build_isolated(source, out_dir, settings, environ_delta=delta)
    from maturin_cross.support.text import shown

    options.show(shown(out_dir / name))
    return 0
