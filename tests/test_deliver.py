"""A wheel is handed back only corrected and proven: a refused one leaves nothing behind, not
even the output folder it would have made; the input is never touched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import FIXTURES
from repaircases import ARM_SEED, ARMHF, build_wheel
from wheelmaker import make_wheel

from maturin_cross.deliver import deliver
from maturin_cross.errors import WheelError
from maturin_cross.sysroot import Sysroot


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_corrected_wheel_is_delivered_under_its_new_name(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    before = _digest(source)
    done = deliver(source, ARMHF.resolve(), None, tmp_path / "out" / "deep")
    assert done.path.parent == tmp_path / "out" / "deep"
    assert [p.name for p in done.path.parent.iterdir()] == [done.path.name]
    assert done.changes
    assert _digest(source) == before


def test_a_refused_wheel_leaves_nothing_not_even_the_folder(tmp_path: Path) -> None:
    lib = "pkg.libs/libuses-ssl.so.1"
    source = make_wheel(
        tmp_path,
        name="pkg",
        tags=("cp311-cp311-linux_armv7l",),
        files={
            "pkg/__init__.py": b"",
            lib: ((FIXTURES / "linkage" / "armhf" / "needs-libssl.so").read_bytes(), 0o755),
        },
    )
    before = _digest(source)
    (tmp_path / "empty-sysroot" / "usr").mkdir(parents=True)
    out = tmp_path / "out" / "deep"
    with pytest.raises(WheelError, match=f"^{lib} needs libssl.so.3, which "):
        deliver(source, ARMHF.resolve(), Sysroot(tmp_path / "empty-sysroot", "t"), out)
    assert not (tmp_path / "out").exists()
    assert _digest(source) == before


def test_an_existing_output_folder_is_left_as_it_was(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.txt").write_text("kept")

    def refuse(path: Path) -> None:
        raise WheelError(f"{path.name} refused by the trial")

    with pytest.raises(WheelError, match="refused by the trial"):
        deliver(source, ARMHF.resolve(), None, out, trial=refuse)
    assert sorted(p.name for p in out.iterdir()) == ["other.txt"]


def test_an_unwritable_output_is_one_line(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    with pytest.raises(
        WheelError,
        match=r"^/dev/null/x: cannot write the wheel there \(.*\); name a writable folder$",
    ):
        deliver(source, ARMHF.resolve(), None, Path("/dev/null/x"))
