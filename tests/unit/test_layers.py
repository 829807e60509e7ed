"""The tree's layers, held: a module imports from its own layer and the layers below it, never
from one above (``maturin_cross/__init__.py`` and docs/architecture.md draw them), and only
``support/processes.py`` starts processes. Read from the source with ``ast``: nothing is
imported."""

from __future__ import annotations

import ast
from pathlib import Path

from harness import ROOT

SRC = ROOT / "src" / "maturin_cross"

LAYERS = (
    ("errors", "support"),
    ("settings",),
    ("target",),
    ("project",),
    ("wheel",),
    ("checks",),
    ("buildenv",),
    ("trial",),
    ("pipeline",),
    ("cli", "backend"),
    ("__init__", "__main__"),
)
"""Bottom first; the parts of maturin_cross (a package, or a top-level module)."""

RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _part(path: Path) -> str:
    return path.relative_to(SRC).with_suffix("").parts[0]


def _imported_parts(tree: ast.AST) -> set[str]:
    """The parts of maturin_cross a module imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "maturin_cross":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("maturin_cross."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("maturin_cross.")
            )
    return found


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {_part(path) for path in SRC.rglob("*.py")}
    assert parts - set(RANK) == set(), "a new package or module: give it a layer here"


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    reaching_up = [
        f"{path.relative_to(SRC)} imports {part}"
        for path in sorted(SRC.rglob("*.py"))
        for part in sorted(_imported_parts(ast.parse(path.read_text(encoding="utf-8"))))
        if RANK[part] > RANK[_part(path)]
    ]
    assert reaching_up == []


_EXCEPTIONS = {"CalledProcessError", "SubprocessError", "TimeoutExpired"}
_STARTERS = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp"}


def _starts_processes(tree: ast.AST) -> bool:
    """Whether a module can start a process: it imports subprocess or multiprocessing (more than
    their exceptions), or calls os.system, os.exec*, os.spawn* and the like."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            alias.name in ("subprocess", "multiprocessing") for alias in node.names
        ):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module in ("subprocess", "multiprocessing")
            and {alias.name for alias in node.names} - _EXCEPTIONS
        ):
            return True
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and (node.attr in _STARTERS or node.attr.startswith(("exec", "spawn")))
        ):
            return True
    return False


def test_only_support_processes_starts_processes() -> None:
    starting = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if _starts_processes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert starting == ["support/processes.py"]
