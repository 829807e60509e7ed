"""The one rule for a relative path in a setting (``sysconfigdata``, ``sysroot``): a value from
``[tool.maturin-cross]`` is relative to the folder of its pyproject.toml, as a file's own paths
are; any other (a flag, ``-C``, a variable) to the working folder, as a command-line argument is.
Pure: it joins paths and touches no file."""

from __future__ import annotations

from pathlib import Path

from maturin_cross.settings.origin import Kind, Sourced

PATH_SETTINGS = ("sysconfigdata", "sysroot")
"""The settings that name a file or a folder."""


def setting_path(given: Sourced, cwd: Path, project_dir: Path) -> Path:
    """Where the path ``given`` names: ``~`` expanded, and a relative one anchored by the rule
    above (``cwd``: the working folder; ``project_dir``: the folder of pyproject.toml)."""
    path = Path(given.value).expanduser()
    if path.is_absolute():
        return path
    return (project_dir if given.origin.kind == Kind.PYPROJECT else cwd) / path
