"""``maturin-cross init``: switch a maturin project's build backend to maturin-cross."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add(commands: Any) -> None:
    init = commands.add_parser("init", help="switch a maturin project to maturin-cross")
    init.add_argument("project_dir", nargs="?", default=".", metavar="DIR")
    init.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from maturin_cross.cli import options
    from maturin_cross.errors import UsageError
    from maturin_cross.project.backend_switch import switch_backend
    from maturin_cross.project.pyproject import MAX_BYTES
    from maturin_cross.support import files
    from maturin_cross.support.atomic import write_bytes
    from maturin_cross.support.text import shown

    path = Path(args.project_dir) / "pyproject.toml"
    try:
        text = files.read_regular(path, MAX_BYTES).decode("utf-8")
    except OSError as err:
        raise UsageError(
            f"cannot read {shown(path)}: {files.why(err)}; name a maturin project folder"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{shown(path)}: not UTF-8, so not TOML; fix the file first") from None
    new_text, changes = switch_backend(text, shown(path))
    if not changes:
        options.show(f"{shown(path)}: already builds with maturin-cross")
        return 0
    try:
        write_bytes(path, new_text.encode("utf-8"))
    except OSError as err:
        raise UsageError(
            f"cannot write {shown(path)}: {files.why(err)}; check its folder"
        ) from None
    for change in changes:
        options.show(f"{shown(path)}: {change}")
    return 0
