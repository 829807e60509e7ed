"""What the commands share: the target options, the ``-C`` pairs, the settings and target every
command gets from :mod:`maturin_cross.pipeline.planning` (the plan the hooks use), the help
made from the settings' one description, and how a line is said on stderr."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maturin_cross.pipeline.planning import Aim
    from maturin_cross.settings.model import Settings

PROG = "maturin-cross"

SETTING_FLAGS = ("sysconfigdata", "target", "platform-tag", "sysroot", "max-unpacked-size")
"""The settings a flag of the command sets (``--target``), by setting key."""


def say(line: str) -> None:
    """A line of news on stderr, after the command's name; one line, whatever names it holds
    (:func:`maturin_cross.support.text.one_line`)."""
    from maturin_cross.support.text import one_line

    print(f"{PROG}: {one_line(line)}", file=sys.stderr)


def show(line: str) -> None:
    """A line of the command's output on stdout, as one line whatever names it holds."""
    from maturin_cross.support.text import one_line

    print(one_line(line))


def config_pairs(values: list[str] | None) -> dict[str, str | list[str]]:
    """The ``-C KEY=VALUE`` options, by key; ``build-args`` may be given several times."""
    from maturin_cross.errors import UsageError

    settings: dict[str, str | list[str]] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(
                f"-C {item!r}: expected KEY=VALUE (e.g. -C target=armv7-unknown-linux-gnueabihf)"
            )
        if key in ("build-args", "maturin.build-args") and key in settings:
            previous = settings[key]
            settings[key] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            settings[key] = value
    return settings


def flags(args: argparse.Namespace) -> dict[str, str]:
    """The flags given that are settings (``--target``), by setting key."""
    given = {key: getattr(args, key.replace("-", "_"), None) for key in SETTING_FLAGS}
    return {key: value for key, value in given.items() if value}


def names_target(args: argparse.Namespace) -> bool:
    """Whether the command line names a target: --sysconfigdata/--target or their -C pairs."""
    given = {**config_pairs(getattr(args, "config_setting", None)), **flags(args)}
    return bool(given.get("sysconfigdata") or given.get("target"))


def settings(args: argparse.Namespace) -> Settings:
    """The settings of the command line, the environment and the working folder's
    pyproject.toml, read as the hooks read theirs."""
    from maturin_cross.pipeline import planning

    return planning.read_settings(
        config_pairs(getattr(args, "config_setting", None)),
        os.environ,
        Path.cwd(),
        command_line=flags(args),
    )


def aim(settings: Settings) -> Aim:
    """The target those settings name, its sysconfigdata and its sysroot: the plan's."""
    from maturin_cross.pipeline import planning

    return planning.aim(settings, os.environ, Path.cwd())


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sysconfigdata", metavar="FILE", help="the target's _sysconfigdata_*.py")
    parser.add_argument("--target", metavar="TRIPLE", help="Rust target triple")
    parser.add_argument("--platform-tag", metavar="TAG", help="wheel platform tag (linux_armv7l)")
    parser.add_argument(
        "--sysroot",
        metavar="DIR",
        help="the target's root file system: libraries are checked against it (default: the one "
        "the sysconfigdata sits in)",
    )
    parser.add_argument(
        "-C",
        "--config-setting",
        action="append",
        metavar="KEY=VALUE",
        help="a setting, as in pyproject's [tool.maturin-cross] (repeatable)",
    )


def add_unpacked_size_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-unpacked-size",
        metavar="SIZE",
        help="refuse a wheel whose members unpack to more than SIZE together (bytes, or 500MB, "
        "8GiB...; default 8GiB): the max-unpacked-size setting",
    )


_WIDTH = 96
_INDENT = 24


def settings_help() -> str:
    """Every setting for ``--help``, made from :data:`maturin_cross.settings.model.DESCRIBED`."""
    from maturin_cross.settings.model import DESCRIBED

    lines = [
        "settings (-C KEY=VALUE; the keys of [tool.maturin-cross] in pyproject.toml, and of",
        "MATURIN_CROSS_<KEY> variables; docs/settings.md has the precedence):",
    ]
    for setting in DESCRIBED:
        head = f"  {setting.key}={setting.value}"
        tail = f" ({setting.flag})" if setting.flag else ""
        text = f"{setting.what}{tail}; default: {setting.default}".replace("`", "")
        body = textwrap.wrap(text, _WIDTH - _INDENT, break_on_hyphens=False, break_long_words=False)
        if len(head) + 2 > _INDENT:
            lines.append(head)
        else:
            lines.append(f"{head:<{_INDENT}}{body.pop(0)}")
        lines += [" " * _INDENT + line for line in body]
    return "\n".join(lines) + "\n"
