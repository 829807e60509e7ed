"""Settings, where each came from, and the one rule that decides between sources.

Every key has one precedence, highest first (:class:`Kind` is its rank):

1. a flag of the ``maturin-cross`` command (``--target``);
2. ``-C key=value`` config settings (``--config-settings`` of pip/build, ``-C`` of the CLI);
3. ``MATURIN_CROSS_<KEY>`` environment variables (``platform-tag``: ``MATURIN_CROSS_PLATFORM_TAG``);
4. the conventions of the environment: ``CARGO_BUILD_TARGET`` for ``target``,
   ``_PYTHON_HOST_PLATFORM`` for ``platform-tag``, and for ``sysconfigdata`` the variables
   :func:`maturin_cross.target.sysconfigdata.conventions` reads and crossenv;
5. ``[tool.maturin-cross]`` in pyproject.toml;
6. the target's own files (build-details.json's ``platform``);
7. what is derived from the target.

:func:`decide` applies it, here and wherever the build adds a candidate. Within one rank the
later candidate wins; a ``--target`` among the build arguments counts as the ``target`` of the
source that gave them, below that source's own ``target`` key.

``build-args`` are not replaced but merged: ``MATURIN_PEP517_ARGS`` first, then pyproject's,
then ``MATURIN_CROSS_BUILD_ARGS``, then the config settings' ``maturin.build-args``/``build-args``,
so the later ones win for maturin options that take one value.

Unknown keys are refused with a "did you mean". Pure: nothing here reads the host interpreter.
"""

from __future__ import annotations

import difflib
import functools
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from maturin_cross.errors import ConfigError
from maturin_cross.settings import maturin_args
from maturin_cross.settings.origin import DEFAULT, Kind, Origin, Sourced, decide
from maturin_cross.support.text import quoted


@dataclass(frozen=True)
class Settings:
    """What a build is told. Each value is paired in ``origins`` with where it came from. What
    each setting means is said once, in :data:`DESCRIBED` below: the command's help and
    docs/settings.md are made from it."""

    sysconfigdata: str | None = None
    target: str | None = None
    platform_tag: str | None = None
    build_args: tuple[str, ...] = ()
    check: str = "fix"
    sysroot: str | None = None
    test: str = "off"
    verbose: bool = False
    quiet: bool = False
    max_unpacked_size: str | None = None
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)

    def source(self, key: str) -> Origin:
        """Where ``key``'s value came from (the default's origin when it was not given)."""
        return self.origins.get(key, DEFAULT)

    def sourced(self, key: str) -> Sourced | None:
        """A string setting with its origin; None when not set."""
        value = getattr(self, key)
        return Sourced(value, self.source(key)) if isinstance(value, str) else None

    @property
    def max_unpacked_bytes(self) -> int | None:
        """``max_unpacked_size`` in bytes; None: the reader's default."""
        return None if self.max_unpacked_size is None else size_in_bytes(self.max_unpacked_size)

    @functools.cached_property
    def maturin(self) -> maturin_args.MaturinArgs:
        """The build arguments as maturin reads them."""
        return maturin_args.parse(self.build_args)

    @classmethod
    def from_sources(
        cls,
        config_settings: Mapping[str, str | list[str]] | None,
        environ: Mapping[str, str],
        pyproject: Mapping[str, Any] | None,
        *,
        command_line: Mapping[str, str] | None = None,
    ) -> Settings:
        """``command_line`` holds the ``maturin-cross`` flags, by setting key (``target``); a
        config setting named as a flag (``--target``) is one too: how ``maturin-cross build``
        hands its flags to the hooks."""
        candidates: dict[str, list[Sourced]] = {}
        args: list[str] = []

        def add(key: str, value: object, where: str, origin: Origin) -> None:
            checked = _as_value(key, value, where)
            text = ("true" if checked else "false") if isinstance(checked, bool) else checked
            candidates.setdefault(key, []).append(Sourced(text, origin))

        def add_args(more: list[str], origin: Origin) -> None:
            parsed = maturin_args.parse(more)
            args.extend(parsed.args)
            if parsed.target is not None:
                via = Origin(origin.kind, "--target in build-args", via_build_args=True)
                add("target", parsed.target, "build-args: --target", via)

        env_args = environ.get("MATURIN_PEP517_ARGS")
        if env_args:
            where = "MATURIN_PEP517_ARGS"
            add_args(split_args(env_args, where), Origin(Kind.ENVIRONMENT, where))

        for raw_key, value in _tool_table(pyproject).items():
            key = _known(raw_key, "tool.maturin-cross")
            where = f"tool.maturin-cross.{raw_key}"
            if key == "build_args":
                add_args(_as_args(value, where), Origin(Kind.PYPROJECT, where))
            else:
                add(key, value, where, Origin(Kind.PYPROJECT, where))

        for name, key in _CONVENTIONS.items():
            if environ.get(name):
                add(key, environ[name], name, Origin(Kind.CONVENTION, name))

        for name, value in environ.items():
            if not name.startswith("MATURIN_CROSS_"):
                continue
            raw_key = name[len("MATURIN_CROSS_") :].lower().replace("_", "-")
            key = _known(raw_key, "environment variable", shown=name, env=True)
            if key == "build_args":
                add_args(split_args(value, name), Origin(Kind.ENVIRONMENT, name))
            else:
                add(key, value, name, Origin(Kind.ENVIRONMENT, name))

        flags = dict(command_line or {})
        for raw_key, value in (config_settings or {}).items():
            if raw_key.startswith("--") and isinstance(value, str):
                # A flag of the maturin-cross command, handed to its build's hooks by its name.
                flags[raw_key[2:]] = value
                continue
            where = f"-C {raw_key}"
            origin = Origin(Kind.CONFIG_SETTING, where)
            if raw_key in ("build-args", "maturin.build-args"):
                add_args(_as_args(value, where), origin)
                continue
            key = _known(raw_key, "config setting", shown=where)
            if isinstance(value, list):
                if key == "build_args":
                    add_args(value, origin)
                    continue
                value = value[-1]
            add(key, value, where, origin)

        for raw_key, value in flags.items():
            key = _known(raw_key, "command-line flag")
            flag = f"--{raw_key}"
            add(key, value, flag, Origin(Kind.COMMAND_LINE, flag))

        values: dict[str, Any] = {}
        origins: dict[str, Origin] = {}
        for key, found in candidates.items():
            chosen = decide(found)
            assert chosen is not None
            values[key] = chosen.value == "true" if key in _BOOLEANS else chosen.value
            origins[key] = chosen.origin
        if args:
            origins["build_args"] = Origin(Kind.DERIVED, "merged")
        return cls(**values, build_args=tuple(args), origins=origins)


@dataclass(frozen=True)
class Described:
    """One setting, as people are told of it. ``what`` may mark code with backticks."""

    key: str
    """As pyproject.toml and ``-C`` spell it (``platform-tag``)."""
    value: str
    """The form of its value, for the command's help (``PATH``, ``fix|check``)."""
    what: str
    default: str
    flag: str | None = None
    """The ``maturin-cross`` flag that sets it, if one does."""


DESCRIBED: tuple[Described, ...] = (
    Described(
        "sysconfigdata",
        "PATH",
        "the target's `_sysconfigdata_*.py`, a PEP 739 `build-details.json`, or a folder to "
        "search; names the target",
        "looked up where Yocto, Buildroot, crossenv and pyo3 put it (docs/settings.md)",
        "--sysconfigdata",
    ),
    Described(
        "target",
        "TRIPLE",
        "Rust target triple, a vendor triple (`armv7-poky-linux-gnueabihf`), or a custom target "
        "spec (a `.json` path, or a name found in `RUST_TARGET_PATH`)",
        "derived from the sysconfigdata",
        "--target",
    ),
    Described(
        "platform-tag",
        "TAG",
        "wheel platform tag, `linux_<machine>` (`linux-armv7l` is accepted)",
        "derived from the target",
        "--platform-tag",
    ),
    Described(
        "build-args",
        "ARGS",
        "arguments for maturin, as ONE string split like a shell command line: "
        '`-C build-args="--features x --locked"`; repeat `-C build-args=...` to add more (each '
        "one a string). In pyproject.toml a string or a list. Also `maturin.build-args`. A "
        "`--target` among them counts as the target",
        "none",
    ),
    Described(
        "check",
        "fix|check",
        "`fix`: correct module names and tags, refuse what cannot fit; `check`: refuse any "
        "wheel that would need a change",
        "`fix`",
    ),
    Described(
        "sysroot",
        "DIR",
        "the target's root file system: every library a wheel's binaries need must be in it (or "
        "bundled in the wheel), of the binary's kind, defining every symbol version they "
        "require; `test` runs the target's Python from it",
        "the sysroot the target's sysconfigdata sits in (`SYSROOT/usr/lib/python3.X/`: Debian, "
        "Yocto's recipe sysroot, Buildroot's `STAGING_DIR`); none for crossenv, and then a note "
        "says libraries were not checked",
        "--sysroot",
    ),
    Described(
        "test",
        "off|import",
        "`import`: after a cross build, install the wheel and import every extension module in "
        "the target's own Python under qemu (as `maturin-cross test`), and refuse the wheel if "
        "one fails; `off`: no trial",
        "`off`",
    ),
    Described(
        "verbose",
        "true|false",
        "also show the commands maturin-cross runs and the environment it gives them",
        "`false`",
    ),
    Described(
        "quiet",
        "true|false",
        "do not stream maturin's and cargo's output; when they fail, their last lines are shown",
        "`false`",
    ),
    Described(
        "max-unpacked-size",
        "SIZE",
        "the most a wheel's members may unpack to, together: bytes, or a whole number and a "
        "unit (`500MB`, `8GiB`; kB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024). A "
        "wheel that declares more is refused before anything is unpacked, as a likely "
        "compression bomb",
        "`8GiB`",
        "--max-unpacked-size",
    ),
)
"""Every setting, in the order of the fields of :class:`Settings`."""


# Other tools' variables that name a setting.
_CONVENTIONS = {"CARGO_BUILD_TARGET": "target", "_PYTHON_HOST_PLATFORM": "platform_tag"}


def _tool_table(pyproject: Mapping[str, Any] | None) -> Mapping[str, Any]:
    tool = (pyproject or {}).get("tool", {})
    table = tool.get("maturin-cross", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(table, Mapping):
        raise ConfigError("pyproject.toml: [tool.maturin-cross] must be a table")
    return table


_KEYS = {f.name.replace("_", "-"): f.name for f in fields(Settings) if f.name != "origins"}
_CHOICES = {"check": ("fix", "check"), "test": ("off", "import")}
_BOOLEANS = frozenset({"verbose", "quiet"})


def _known(raw_key: str, kind: str, *, shown: str | None = None, env: bool = False) -> str:
    key = _KEYS.get(raw_key)
    if key is not None:
        return key
    shown = shown or raw_key
    candidates = list(_KEYS)
    close = difflib.get_close_matches(raw_key, candidates, n=1)
    if close:
        suggestion = f"MATURIN_CROSS_{close[0].upper().replace('-', '_')}" if env else close[0]
        hint = f"did you mean {suggestion}?"
    else:
        hint = f"known: {', '.join(sorted(candidates))}"
    raise ConfigError(f"unknown {kind} {shown}; {hint}")


_SIZE = re.compile(r"(?P<number>[0-9]{1,30}) *(?P<unit>[a-z]{0,3})", re.IGNORECASE)
"""A size: at most 30 digits (far past any disk), so no input makes a number too long to read."""
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
}


def size_in_bytes(text: str) -> int | None:
    """``8GiB`` -> 8589934592, ``500MB`` -> 500000000, ``4096`` -> 4096; None when ``text`` is
    not a size of at least one byte (a whole number, then B, kB/MB/GB/TB or KiB/MiB/GiB/TiB)."""
    found = _SIZE.fullmatch(text.strip())
    if found is None or found["unit"].lower() not in _UNITS:
        return None
    size = int(found["number"]) * _UNITS[found["unit"].lower()]
    return size or None


_SIZES = frozenset({"max_unpacked_size"})


def _as_value(key: str, value: object, where: str) -> str | bool:
    if key in _BOOLEANS:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("", "0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where}={quoted(value)} is not a boolean; use true or false")
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string, got {quoted(value)}")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ConfigError(f"{where}={quoted(value)}; choose one of {', '.join(_CHOICES[key])}")
    if key in _SIZES and size_in_bytes(value) is None:
        raise ConfigError(
            f"{where}={quoted(value)} is not a size; give a whole number of bytes, or one with a "
            f"unit: "
            "8GiB, 500MB, 1073741824"
        )
    return value


def split_args(text: str, where: str) -> list[str]:
    """Build arguments given as one string, split as a POSIX shell would: the one rule for every
    source that gives them so (``where`` names it)."""
    try:
        return shlex.split(text)
    except ValueError as err:
        # shlex says "No closing quotation" (or "No escaped character" after a lone backslash).
        raise ConfigError(
            f"{where}={quoted(text)} cannot be split into arguments ({str(err).lower()}); close "
            f"the "
            f"quote or escape the character as a shell would: --features 'a b'"
        ) from None


def _as_args(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return split_args(value, where)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where} must be a string or a list of strings, got {quoted(value)}")
