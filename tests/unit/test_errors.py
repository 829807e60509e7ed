from __future__ import annotations

import pytest

from maturin_cross.errors import (
    BuildError,
    ConfigError,
    ElfError,
    MaturinCrossError,
    OutputError,
    TargetError,
    UsageError,
    WheelError,
)


@pytest.mark.parametrize(
    "kind", [BuildError, ConfigError, ElfError, OutputError, TargetError, WheelError, UsageError]
)
def test_every_error_is_ours(kind: type[MaturinCrossError]) -> None:
    assert issubclass(kind, MaturinCrossError)


def test_exit_codes() -> None:
    # One rule for the backend and the command: 2 for what the user gave, 1 for a failed build
    # or a refused wheel.
    assert ConfigError("x").exit_code == 2
    assert TargetError("x").exit_code == 2
    assert UsageError("x").exit_code == 2
    assert OutputError("x").exit_code == 2  # an output folder that cannot take the wheel
    assert BuildError("x").exit_code == 1
    assert WheelError("x").exit_code == 1
    assert ElfError("x").exit_code == 1


def test_lines_are_what_the_edges_print() -> None:
    assert WheelError(["a", "b"]).lines() == ["maturin-cross: error: a", "maturin-cross: error: b"]
    assert BuildError("").lines() == ["maturin-cross: error: BuildError"]


def test_a_refusal_holds_one_line_per_problem() -> None:
    err = WheelError(["a.whl: first problem; do this", "a.whl: second problem; do that"])
    assert err.problems == ["a.whl: first problem; do this", "a.whl: second problem; do that"]
    assert str(err) == "a.whl: first problem; do this\na.whl: second problem; do that"
    single = WheelError("one problem")
    assert single.problems == ["one problem"]
    assert str(single) == "one problem"


def test_one_prefix_for_every_error_line() -> None:
    from maturin_cross.errors import PREFIX

    assert PREFIX == "maturin-cross: error: "
    assert all(line.startswith(PREFIX) for line in UsageError("a\nb").lines())
