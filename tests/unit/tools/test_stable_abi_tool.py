"""tools/stable_abi.py makes the shipped src/maturin_cross/checks/stable_abi.json again from its
source (abi3info, at the version the file names: the test extra pins it)."""

from __future__ import annotations

import stable_abi as tool


def test_the_generator_reproduces_the_shipped_file() -> None:
    assert tool.render() == tool.OUTPUT.read_text(encoding="utf-8")


def test_check_says_up_to_date() -> None:
    assert tool.main(["--check"]) == 0
