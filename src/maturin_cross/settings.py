"""Settings and where they come from.

One precedence for every key, highest first:

1. ``-C key=value`` config settings (``--config-settings`` of pip/build, ``-C`` of the CLI);
2. ``MATURIN_CROSS_<KEY>`` environment variables (``platform-tag``: ``MATURIN_CROSS_PLATFORM_TAG``);
3. the conventions of the environment: ``CARGO_BUILD_TARGET`` for ``target``;
4. ``[tool.maturin-cross]`` in pyproject.toml.

``build-args`` are not replaced but merged: ``MATURIN_PEP517_ARGS`` first, then pyproject's,
then the config settings' ``maturin.build-args``/``build-args``, so the later ones win for maturin
options that take one value. A ``--target`` among them counts as the ``target`` setting.

Unknown keys are refused with a "did you mean". Pure: nothing here reads the host interpreter.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from maturin_cross.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    """What a build is told. Each value is paired in ``origins`` with where it came from."""

    sysconfigdata: str | None = None
    """Path to the target's ``_sysconfigdata_*.py`` (or a folder to search). Names the target."""

    target: str | None = None
    """Rust target triple (``armv7-unknown-linux-gnueabihf``, vendor triples accepted). Derived
    from the sysconfigdata when not set."""

    platform_tag: str | None = None
    """Wheel platform tag (``linux_armv7l``; ``linux-armv7l`` accepted). Derived from the target
    when not set."""

    build_args: tuple[str, ...] = ()
    """Extra arguments for ``maturin pep517 build-wheel`` (merged from every source)."""

    check: str = "fix"
    """What to do with a wheel maturin made: ``fix`` (correct names and tags, refuse what
    cannot fit), ``check`` (refuse anything that is not already right)."""

    verbose: bool = False
    """Stream maturin's output and show the commands and environment maturin-cross sets."""

    origins: Mapping[str, str] = field(default_factory=dict, compare=False)

    def origin(self, key: str) -> str:
        return self.origins.get(key, "default")

    @classmethod
    def from_sources(
        cls,
        config_settings: Mapping[str, str | list[str]] | None,
        environ: Mapping[str, str],
        pyproject: Mapping[str, Any] | None,
        *,
        labels: Mapping[str, str] | None = None,
    ) -> Settings:
        """``labels`` names config settings that came from elsewhere (a CLI flag) for messages."""
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        args: list[str] = []

        env_args = environ.get("MATURIN_PEP517_ARGS")
        if env_args:
            args += shlex.split(env_args)

        tool = _tool_table(pyproject)
        for raw_key, value in tool.items():
            key = _known(raw_key, "tool.maturin-cross")
            where = f"tool.maturin-cross.{raw_key}"
            if key == "build_args":
                args += _as_args(value, where)
            else:
                values[key] = _as_value(key, value, where)
                origins[key] = where

        target_env = environ.get("CARGO_BUILD_TARGET")
        if target_env:
            values["target"], origins["target"] = target_env, "CARGO_BUILD_TARGET"

        for name, value in environ.items():
            if not name.startswith("MATURIN_CROSS_") or name == "MATURIN_CROSS_CACHE":
                continue
            raw_key = name[len("MATURIN_CROSS_") :].lower().replace("_", "-")
            key = _known(raw_key, "environment variable", shown=name, env=True)
            if key == "build_args":
                args += shlex.split(value)
            else:
                values[key] = _as_value(key, value, name)
                origins[key] = name

        for raw_key, value in (config_settings or {}).items():
            if raw_key in ("build-args", "maturin.build-args"):
                args += _as_args(value, f"-C {raw_key}")
                continue
            key = _known(raw_key, "config setting", shown=f"-C {raw_key}")
            if isinstance(value, list):
                if key == "build_args":
                    args += value
                    continue
                value = value[-1]
            values[key] = _as_value(key, value, f"-C {raw_key}")
            origins[key] = (labels or {}).get(raw_key, f"-C {raw_key}")

        args, target_arg = _pop_target(args)
        if target_arg is not None and not origins.get("target", "").startswith("-C"):
            values["target"], origins["target"] = target_arg, "--target in build-args"
        if args:
            origins["build_args"] = "merged"
        return cls(**values, build_args=tuple(args), origins=origins)


def _tool_table(pyproject: Mapping[str, Any] | None) -> Mapping[str, Any]:
    tool = (pyproject or {}).get("tool", {})
    table = tool.get("maturin-cross", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(table, Mapping):
        raise ConfigError("pyproject.toml: [tool.maturin-cross] must be a table")
    return table


_KEYS = {f.name.replace("_", "-"): f.name for f in fields(Settings) if f.name != "origins"}
_CHOICES = {"check": ("fix", "check")}


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


def _as_value(key: str, value: object, where: str) -> object:
    if key == "verbose":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("", "0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where}={value!r} is not a boolean; use true or false")
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ConfigError(f"{where}={value!r}; choose one of {', '.join(_CHOICES[key])}")
    return value


def _as_args(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return shlex.split(value)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where} must be a string or a list of strings, got {value!r}")


def _pop_target(args: list[str]) -> tuple[list[str], str | None]:
    """Take ``--target X`` / ``--target=X`` out of maturin arguments (the last one wins): the
    target is injected by maturin-cross after it has been checked."""
    rest: list[str] = []
    target: str | None = None
    it = iter(args)
    for arg in it:
        if arg == "--target":
            value = next(it, None)
            if value is None:
                raise ConfigError("build-args: --target needs a value")
            target = value
        elif arg.startswith("--target="):
            target = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return rest, target
