"""PEP 517 and PEP 660 hooks, a door. Each is a few lines: the work is in
:mod:`maturin_cross.pipeline.steps`, imported inside the hook so that importing the backend
stays fast (frontends import it afresh for every hook). Errors of ours become one
``maturin-cross: error: ...`` line on stderr and a ``SystemExit`` the frontend reports as a failed
build."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

ConfigSettings = Mapping[str, "str | list[str]"] | None
F = TypeVar("F", bound=Callable[..., Any])


def _user_errors(hook: F) -> F:
    @functools.wraps(hook)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from maturin_cross.errors import MaturinCrossError

        try:
            return hook(*args, **kwargs)
        except MaturinCrossError as err:
            print(*err.lines(), sep="\n", file=sys.stderr)
            raise SystemExit(err.exit_code) from None

    return wrapper  # type: ignore[return-value]


@_user_errors
def build_wheel(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    from maturin_cross.pipeline import steps

    return steps.build_wheel(wheel_directory, config_settings, metadata_directory)


@_user_errors
def build_editable(
    wheel_directory: str,
    config_settings: ConfigSettings = None,
    metadata_directory: str | None = None,
) -> str:
    from maturin_cross.pipeline import steps

    return steps.build_wheel(wheel_directory, config_settings, metadata_directory, editable=True)


@_user_errors
def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    from maturin_cross.pipeline import steps

    return steps.build_sdist(sdist_directory, config_settings)


@_user_errors
def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    from maturin_cross.pipeline import steps

    return steps.get_requires(config_settings)


@_user_errors
def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    from maturin_cross.pipeline import steps

    return steps.get_requires(config_settings)


@_user_errors
def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    return []


@_user_errors
def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    from maturin_cross.pipeline import steps

    return steps.prepare_metadata(metadata_directory, config_settings)


@_user_errors
def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: ConfigSettings = None
) -> str:
    from maturin_cross.pipeline import steps

    return steps.prepare_metadata(metadata_directory, config_settings, editable=True)
