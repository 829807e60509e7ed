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
    from maturin_cross.errors import UsageError
    from maturin_cross.project.backend_switch import switch_backend
    from maturin_cross.support.atomic import write_bytes

    path = Path(args.project_dir) / "pyproject.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(
            f"cannot read {path}: {err.strerror}; name a maturin project folder"
        ) from None
    new_text, changes = switch_backend(text, str(path))
    if not changes:
        print(f"{path}: already builds with maturin-cross")
        return 0
    try:
        write_bytes(path, new_text.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}; check its folder") from None
    for change in changes:
        print(f"{path}: {change}")
    return 0
