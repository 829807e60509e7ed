"""The project being built: its pyproject.toml (read once) and what maturin-cross needs of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maturin_cross.errors import ConfigError
from maturin_cross.settings.maturin_args import MaturinArgs


def read_pyproject(source_dir: Path) -> dict[str, Any]:
    path = source_dir / "pyproject.toml"
    if not path.is_file():
        return {}
    from maturin_cross.support.tomlfile import TOMLDecodeError, loads

    try:
        return loads(path.read_text(encoding="utf-8"))
    except (TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the file") from None


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
        return [str(f) for f in declared] + list(args.features)

    @property
    def build_requires(self) -> list[str]:
        requires = self.pyproject.get("build-system", {}).get("requires", [])
        return [str(r) for r in requires]
