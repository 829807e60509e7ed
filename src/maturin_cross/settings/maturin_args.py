"""maturin's command line, read once: what maturin-cross must know of the build arguments.

maturin parses its arguments with clap, which takes a short option's value as ``-F X``, ``-FX``
or ``-F=X``, a long one's as ``--features X`` or ``--features=X``, and no abbreviation of a long
option. :mod:`argparse` with ``allow_abbrev=False`` reads them the same way; options maturin-cross
does not need to know pass through untouched (``parse_known_args``).

Pure: no process, no host interpreter.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from maturin_cross.errors import ConfigError


@dataclass(frozen=True)
class MaturinArgs:
    """The build arguments, and the few of their values maturin-cross acts on."""

    args: tuple[str, ...]
    """What maturin is given, in order, with ``--target`` taken out (maturin-cross passes the
    target it has checked)."""
    target: str | None = None
    """The last ``--target``."""
    manifest_path: str | None = None
    """The last ``-m``/``--manifest-path``."""
    features: tuple[str, ...] = ()
    """Every ``-F``/``--features`` value, split at commas and spaces as cargo does."""
    compatibility: bool = False
    """``--compatibility`` (or its alias ``--manylinux``) is given."""
    interpreter: bool = False
    """``-i``/``--interpreter`` is given."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse says "argument -m/--manifest-path: expected one argument".
        option, _, problem = message.removeprefix("argument ").partition(": ")
        if problem == "expected one argument":
            raise ConfigError(f"build-args: {option.split('/')[-1]} needs a value")
        raise ConfigError(f"build-args: {message}")


def _parser(*, target_only: bool = False) -> _Parser:
    parser = _Parser(prog="build-args", add_help=False, allow_abbrev=False)
    parser.add_argument("--target")
    if not target_only:
        parser.add_argument("-m", "--manifest-path")
        parser.add_argument("-F", "--features", action="append", default=[])
        parser.add_argument("--compatibility", "--manylinux", nargs="*")
        parser.add_argument("-i", "--interpreter", nargs="*")
    return parser


def parse(args: Sequence[str]) -> MaturinArgs:
    """Read maturin build arguments. Raises ConfigError for an option that lacks its value."""
    values, _unknown = _parser().parse_known_args(list(args))
    _, rest = _parser(target_only=True).parse_known_args(list(args))
    features = tuple(
        feature for value in values.features for feature in value.replace(",", " ").split()
    )
    return MaturinArgs(
        args=tuple(rest),
        target=values.target,
        manifest_path=values.manifest_path,
        features=features,
        compatibility=values.compatibility is not None,
        interpreter=values.interpreter is not None,
    )
