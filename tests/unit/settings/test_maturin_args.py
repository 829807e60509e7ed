"""maturin's build arguments, spelled each way maturin (clap) accepts them."""

from __future__ import annotations

import pytest

from maturin_cross.errors import ConfigError
from maturin_cross.settings import maturin_args


@pytest.mark.parametrize(
    "args",
    [
        ["-m", "sub/Cargo.toml"],
        ["-msub/Cargo.toml"],
        ["-m=sub/Cargo.toml"],
        ["--manifest-path", "sub/Cargo.toml"],
        ["--manifest-path=sub/Cargo.toml"],
        ["--manifest-path", "other/Cargo.toml", "-m", "sub/Cargo.toml"],
    ],
)
def test_manifest_path(args: list[str]) -> None:
    parsed = maturin_args.parse([*args, "--locked"])
    assert parsed.manifest_path == "sub/Cargo.toml"
    assert parsed.args == (*args, "--locked")


@pytest.mark.parametrize(
    "args",
    [
        ["-F", "abi3-py38"],
        ["-F=abi3-py38"],
        ["-Fabi3-py38"],
        ["--features", "abi3-py38"],
        ["--features=abi3-py38"],
    ],
)
def test_one_feature(args: list[str]) -> None:
    assert maturin_args.parse(args).features == ("abi3-py38",)


def test_features_are_split_and_collected() -> None:
    parsed = maturin_args.parse(["--features", "a,b", "-F", "c d", "--features=pyo3/abi3-py39"])
    assert parsed.features == ("a", "b", "c", "d", "pyo3/abi3-py39")


@pytest.mark.parametrize(
    ("args", "compatibility"),
    [
        (["--compatibility", "manylinux_2_17"], True),
        (["--compatibility=off"], True),
        (["--manylinux", "2_17"], True),
        (["--manylinux=off"], True),
        (["--compatibility"], True),
        (["--compat", "off"], False),  # clap takes no abbreviation: maturin refuses it itself
        (["--locked"], False),
    ],
)
def test_compatibility(args: list[str], compatibility: bool) -> None:
    assert maturin_args.parse(args).compatibility is compatibility


@pytest.mark.parametrize(
    ("args", "given"),
    [
        (["-i", "python3.11"], True),
        (["-ipython3.11"], True),
        (["--interpreter", "python3.11", "python3.12"], True),
        (["--interpreter=python3.11"], True),
        (["--interp", "python3.11"], False),
        ([], False),
    ],
)
def test_interpreter(args: list[str], given: bool) -> None:
    assert maturin_args.parse(args).interpreter is given


@pytest.mark.parametrize(
    "args",
    [
        ["--target", "armv7-unknown-linux-gnueabihf"],
        ["--target=armv7-unknown-linux-gnueabihf"],
        ["--target", "x86_64-unknown-linux-gnu", "--target=armv7-unknown-linux-gnueabihf"],
    ],
)
def test_target_is_taken_out(args: list[str]) -> None:
    parsed = maturin_args.parse(["--locked", *args, "--target-dir", "t", "-F", "x"])
    assert parsed.target == "armv7-unknown-linux-gnueabihf"
    assert parsed.args == ("--locked", "--target-dir", "t", "-F", "x")


def test_unknown_options_pass_through_in_order() -> None:
    args = ["--profile", "dev", "-v", "--cargo-extra-args=--offline", "--strip"]
    parsed = maturin_args.parse(args)
    assert parsed.args == tuple(args)
    assert (parsed.target, parsed.manifest_path, parsed.features) == (None, None, ())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target"], "build-args: --target needs a value"),
        (["--locked", "-m"], "build-args: --manifest-path needs a value"),
        (["--features"], "build-args: --features needs a value"),
    ],
)
def test_a_missing_value_is_one_line(args: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        maturin_args.parse(args)
    assert str(info.value) == message
