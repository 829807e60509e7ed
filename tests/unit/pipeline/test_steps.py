from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sysroots import plan_in, sysroot

from maturin_cross.pipeline import steps


@pytest.mark.parametrize(
    ("config", "args"),
    [
        (
            {},
            [
                "--compatibility",
                "off",
                "-i",
                "python3.11",
                "--target",
                "armv7-unknown-linux-gnueabihf",
            ],
        ),
        (
            {"build-args": "--compatibility manylinux_2_17 --locked"},
            [
                "-i",
                "python3.11",
                "--target",
                "armv7-unknown-linux-gnueabihf",
                "--compatibility",
                "manylinux_2_17",
                "--locked",
            ],
        ),
        (
            {"build-args": "-i /usr/bin/python3.11"},
            [
                "--compatibility",
                "off",
                "--target",
                "armv7-unknown-linux-gnueabihf",
                "-i",
                "/usr/bin/python3.11",
            ],
        ),
    ],
)
def test_maturin_args(tmp_path: Path, config: dict[str, str], args: list[str]) -> None:
    data = sysroot(tmp_path)
    plan = plan_in(tmp_path, {"sysconfigdata": str(data), **config})
    assert steps.maturin_args(plan, editable=False) == args


def test_native_maturin_args_use_this_interpreter(tmp_path: Path) -> None:
    plan = plan_in(tmp_path, {})
    assert steps.maturin_args(plan, editable=True) == [
        "--compatibility",
        "off",
        "-i",
        sys.executable,
        "--editable",
    ]


@pytest.mark.parametrize(
    "build_args", ["-ipython3.11", "--interpreter=python3.11", "-i python3.11 python3.12"]
)
def test_an_interpreter_given_each_way_is_not_doubled(tmp_path: Path, build_args: str) -> None:
    data = sysroot(tmp_path)
    plan = plan_in(tmp_path, {"sysconfigdata": str(data), "build-args": build_args})
    assert steps.maturin_args(plan, editable=False) == [
        "--compatibility",
        "off",
        "--target",
        "armv7-unknown-linux-gnueabihf",
        *build_args.split(),
    ]
