"""Switch a maturin project's ``build-system`` to maturin-cross, keeping the file's comments and
formatting (tomlkit edits the document in place). Pure: text in, text out."""

from __future__ import annotations

from maturin_cross.errors import ConfigError
from maturin_cross.support.text import quoted

BACKEND = "maturin_cross"
REQUIREMENT = "maturin-cross"


def switch_backend(text: str, where: str) -> tuple[str, list[str]]:
    """Return the new pyproject text and what changed (empty when it already uses us)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        import tomlkit
        from tomlkit.exceptions import TOMLKitError
    except ModuleNotFoundError:
        raise ConfigError(
            f"{where}: maturin-cross init edits the file with tomlkit, to keep its formatting, "
            f"and tomlkit is not installed; install it (pip install tomlkit)"
        ) from None

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as err:
        raise ConfigError(f"{where}: not valid TOML ({err}); fix the file first") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply to be read; fix the file first") from None
    if "build-system" not in document:
        document["build-system"] = tomlkit.table()
    system = document["build-system"]
    if not isinstance(system, dict):  # tomlkit's tables are dicts
        raise ConfigError(
            f"{where}: build-system is {_a(system)}, not a table; write it as [build-system] "
            f'with requires = ["maturin>=1.4,<2"] and build-backend = "maturin"'
        )
    backend = system.get("build-backend")
    if backend not in (None, "maturin", BACKEND):
        raise ConfigError(
            f"{where}: build-system.build-backend is {quoted(str(backend))}, not maturin; "
            f"maturin-cross "
            f"wraps maturin, so only maturin projects can switch"
        )
    changes: list[str] = []
    if backend != BACKEND:
        system["build-backend"] = BACKEND
        changes.append(f"build-system.build-backend: {backend!r} -> {BACKEND!r}")
    requires = system.get("requires")
    if requires is None:
        requires = tomlkit.array()
        requires.append("maturin>=1.4,<2")
        system["requires"] = requires
    if not isinstance(requires, list):  # tomlkit's arrays are lists
        raise ConfigError(
            f"{where}: build-system.requires is {_a(requires)}, not a list; write it as a list "
            f'of requirements: requires = ["maturin>=1.4,<2"]'
        )
    names = set()
    for item in requires:
        if not isinstance(item, str):
            raise ConfigError(
                f"{where}: build-system.requires holds {_a(item)}, not a requirement string; fix it"
            )
        try:
            names.add(canonicalize_name(Requirement(str(item)).name))
        except InvalidRequirement:
            raise ConfigError(
                f"{where}: build-system.requires has {quoted(str(item))}, not a requirement; fix it"
            ) from None
    if REQUIREMENT not in names:
        requires.append(REQUIREMENT)
        changes.append(f"build-system.requires: added {REQUIREMENT!r}")
    return tomlkit.dumps(document), changes


def _a(value: object) -> str:
    """What kind of TOML value ``value`` is, for a message."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a date or time" if value is not None else "empty"
