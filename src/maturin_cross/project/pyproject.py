"""The project being built: its pyproject.toml (read once) and what maturin-cross needs of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maturin_cross.errors import ConfigError
from maturin_cross.settings.maturin_args import MaturinArgs
from maturin_cross.support.text import one_line, shown

MAX_BYTES = 4 << 20
"""The largest pyproject.toml read (real ones are a few kilobytes)."""


def read_pyproject(source_dir: Path) -> dict[str, Any]:
    """The project's pyproject.toml as plain values; {} when there is none. ConfigError, in one
    line, when it cannot be read (a pipe, a device, larger than :data:`MAX_BYTES`, unreadable)
    or is not TOML (nested 100,000 deep included)."""
    from maturin_cross.support import files
    from maturin_cross.support.tomlfile import TOMLDecodeError, loads

    path = source_dir / "pyproject.toml"
    try:
        data = files.read_regular(path, MAX_BYTES)
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise ConfigError(
            f"{shown(path)}: cannot be read ({files.why(err)}); make it a readable file"
        ) from None
    try:
        return loads(data.decode("utf-8"))
    except (TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"{shown(path)}: not valid TOML ({one_line(str(err))}); fix the file"
        ) from None


@dataclass(frozen=True)
class Project:
    source_dir: Path
    pyproject: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, source_dir: Path) -> Project:
        return cls(source_dir, read_pyproject(source_dir))

    @property
    def maturin(self) -> Mapping[str, Any]:
        """``[tool.maturin]``."""
        tool = self.pyproject.get("tool", {})
        table = tool.get("maturin", {}) if isinstance(tool, Mapping) else {}
        return table if isinstance(table, Mapping) else {}

    @property
    def bindings(self) -> object:
        return self.maturin.get("bindings")

    def manifest_dir(self, args: MaturinArgs) -> Path:
        """The folder of the Cargo.toml maturin builds: ``--manifest-path``, else
        ``[tool.maturin] manifest-path``, else the project's."""
        manifest = args.manifest_path
        if manifest is None:
            table = self.maturin.get("manifest-path")
            manifest = table if isinstance(table, str) else None
        return (self.source_dir / manifest).parent if manifest else self.source_dir

    def features(self, args: MaturinArgs) -> list[str]:
        """The cargo features maturin turns on: ``[tool.maturin] features`` and ``-F``."""
        declared = self.maturin.get("features", [])
        if not isinstance(declared, list):
            declared = [declared]
        return [str(f) for f in declared] + list(args.features)

    @property
    def build_requires(self) -> list[str]:
        """``build-system.requires``; ConfigError when it is not a list of strings."""
        system = self.pyproject.get("build-system", {})
        requires = system.get("requires", []) if isinstance(system, Mapping) else None
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            raise ConfigError(
                f"{shown(self.source_dir / 'pyproject.toml')}: build-system.requires must be a "
                'list of requirement strings (requires = ["maturin>=1.4,<2"]); fix it'
            )
        return list(requires)
