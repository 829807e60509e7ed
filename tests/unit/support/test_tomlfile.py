"""Reading TOML without tomlkit: what pyproject.toml, Cargo.toml and Cargo.lock need."""

from __future__ import annotations

import pytest

from maturin_cross.support.tomlfile import TOMLDecodeError, loads


def test_loads_gives_plain_values() -> None:
    document = loads(
        '[build-system]\nrequires = ["maturin>=1.4"]  # c\n[tool.x]\nn = 3\nb = true\n'
    )
    assert document == {
        "build-system": {"requires": ["maturin>=1.4"]},
        "tool": {"x": {"n": 3, "b": True}},
    }
    assert type(document["build-system"]["requires"][0]) is str


def test_loads_refuses_what_is_not_toml() -> None:
    with pytest.raises(TOMLDecodeError):
        loads("[build-system\n")
