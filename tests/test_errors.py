from __future__ import annotations

import pytest

from maturin_cross.errors import (
    BuildError,
    ConfigError,
    MaturinCrossError,
    TargetError,
    UsageError,
    WheelError,
)


@pytest.mark.parametrize("kind", [BuildError, ConfigError, TargetError, WheelError, UsageError])
def test_every_error_is_ours(kind: type[MaturinCrossError]) -> None:
    assert issubclass(kind, MaturinCrossError)


def test_exit_codes() -> None:
    assert ConfigError("x").exit_code == 1
    assert UsageError("x").exit_code == 2


def test_a_refusal_holds_one_line_per_problem() -> None:
    err = WheelError(["a.whl: first problem; do this", "a.whl: second problem; do that"])
    assert err.problems == ["a.whl: first problem; do this", "a.whl: second problem; do that"]
    assert str(err) == "a.whl: first problem; do this\na.whl: second problem; do that"
    single = WheelError("one problem")
    assert single.problems == ["one problem"]
    assert str(single) == "one problem"
