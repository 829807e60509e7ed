"""_files: one way to replace a file whole, used by every writer (the wheel writer, fix's copy of
a wheel that needs no change, ``maturin-cross init``)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from wheelmaker import make_wheel

from maturin_cross import _files, repair
from maturin_cross.cli import main
from maturin_cross.target import resolve


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_0666_less_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        _files.write_bytes(tmp_path / "new", b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "new").read_bytes() == b"data"
    assert mode(tmp_path / "new") == 0o640


@pytest.mark.parametrize("kept", [0o600, 0o644, 0o755])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, kept: int, umask_022: None) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"old")
    path.chmod(kept)
    _files.write_bytes(path, b"new")
    assert (path.read_bytes(), mode(path)) == (b"new", kept)


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_and_nothing_else(
    tmp_path: Path, error: BaseException
) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"old")
    with pytest.raises(type(error)), _files.replacing(path) as stream:
        stream.write(b"half")
        raise error
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_the_data_is_synced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(source: str | Path, target: str | Path) -> None:
        events.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    _files.write_bytes(tmp_path / "file", b"data")
    assert events[:2] == ["fsync", "replace"]


def test_copy_file(tmp_path: Path, umask_022: None) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"x" * 3_000_000)
    source.chmod(0o600)
    _files.copy_file(source, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == source.read_bytes()
    assert mode(tmp_path / "copy") == 0o644


# --- its users --------------------------------------------------------------------------------


def test_a_wheel_that_needs_no_change_is_written_as_open_would(
    tmp_path: Path, umask_022: None
) -> None:
    source = make_wheel(tmp_path, name="pkg", tags=("py3-none-any",), files={"pkg/a.py": b""})
    source.chmod(0o600)
    target = resolve(None, rust_target=("x86_64-unknown-linux-gnu", "-"))
    result = repair.fix_wheel(source, target, tmp_path / "out")
    assert result.changes == []
    assert mode(result.path) == 0o644


def test_init_keeps_the_mode_of_pyproject_toml(tmp_path: Path, umask_022: None) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[build-system]\nrequires = ["maturin>=1.4"]\nbuild-backend = "maturin"\n')
    pyproject.chmod(0o644)
    assert main(["init", str(tmp_path)]) == 0
    assert 'build-backend = "maturin_cross"' in pyproject.read_text()
    assert mode(pyproject) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["pyproject.toml"]
