"""support/atomic.py: one way to replace a file whole, used by every writer (the wheel writer, fix's copy of
a wheel that needs no change, ``maturin-cross init``)."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from origins import sourced
from wheelcalls import fix_wheel
from wheelmaker import make_wheel

from maturin_cross.cli.main import main
from maturin_cross.support import atomic
from maturin_cross.target.resolve import resolve


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
        atomic.write_bytes(tmp_path / "new", b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "new").read_bytes() == b"data"
    assert mode(tmp_path / "new") == 0o640


@pytest.mark.parametrize("kept", [0o600, 0o644, 0o755])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, kept: int, umask_022: None) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"old")
    path.chmod(kept)
    atomic.write_bytes(path, b"new")
    assert (path.read_bytes(), mode(path)) == (b"new", kept)


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_and_nothing_else(
    tmp_path: Path, error: BaseException
) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"old")
    with pytest.raises(type(error)), atomic.replacing(path) as stream:
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
    atomic.write_bytes(tmp_path / "file", b"data")
    assert events[:2] == ["fsync", "replace"]


def test_copy_file(tmp_path: Path, umask_022: None) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"x" * 3_000_000)
    source.chmod(0o600)
    atomic.copy_file(source, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == source.read_bytes()
    assert mode(tmp_path / "copy") == 0o644


# --- killed runs -------------------------------------------------------------------------------

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from maturin_cross.support import atomic
atomic._UNNAMED = sys.argv[2] == "unnamed"
if sys.argv[3] == "file":
    with atomic.replacing(Path(sys.argv[1])) as stream:
        stream.write(b"half of it")
        stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)
else:
    with atomic.staging_folder(Path(sys.argv[1]).parent) as folder:
        (folder / "pkg.whl").write_bytes(b"staged")
        os.kill(os.getpid(), signal.SIGKILL)
"""


def killed_writer(path: Path, temp: str, what: str = "file") -> None:
    """Run a writer of ``path`` that is killed (SIGKILL: no clean-up at all) half-way."""
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path), temp, what])
    assert done.returncode == -signal.SIGKILL


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_killed_write_leaves_nothing_where_a_file_can_start_unnamed(tmp_path: Path) -> None:
    target = tmp_path / "pkg.whl"
    target.write_bytes(b"old")
    killed_writer(target, "unnamed")
    assert names(tmp_path) == ["pkg.whl"]
    assert target.read_bytes() == b"old"


def test_what_a_killed_write_left_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "pkg.whl"
    target.write_bytes(b"old")
    killed_writer(target, "named")
    (left,) = [name for name in names(tmp_path) if name != "pkg.whl"]
    assert left.startswith(".pkg.whl.maturin-cross-") and left.endswith(".tmp")
    atomic.write_bytes(tmp_path / "other", b"new")
    assert names(tmp_path) == ["other", "pkg.whl"]
    assert target.read_bytes() == b"old"


def test_a_killed_runs_staging_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    killed_writer(tmp_path / "pkg.whl", "unnamed", "folder")
    (left,) = names(tmp_path)
    assert left.startswith(".maturin-cross-") and (tmp_path / left / "pkg.whl").is_file()
    with atomic.staging_folder(tmp_path) as folder:
        assert names(tmp_path) == [folder.name]
    assert names(tmp_path) == []


LIVE_WRITER = """
import sys
from pathlib import Path
from maturin_cross.support import atomic
atomic._UNNAMED = False
with atomic.replacing(Path(sys.argv[1])) as stream:
    stream.write(b"written by a live run")
    stream.flush()
    print("writing", flush=True)
    sys.stdin.readline()
"""


def test_a_live_runs_temp_file_is_never_removed(tmp_path: Path) -> None:
    """Another process, in the middle of its write: a sweep cannot take its lock."""
    with subprocess.Popen(
        [sys.executable, "-c", LIVE_WRITER, str(tmp_path / "a")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as live:
        assert live.stdout is not None and live.stdin is not None
        assert live.stdout.readline() == "writing\n"
        (temp,) = names(tmp_path)
        atomic.write_bytes(tmp_path / "b", b"b")  # sweeps the folder
        with atomic.staging_folder(tmp_path):  # so does this
            assert (tmp_path / temp).exists()
        live.stdin.write("go on\n")
        live.stdin.close()
        assert live.wait() == 0
    assert names(tmp_path) == ["a", "b"]
    assert (tmp_path / "a").read_bytes() == b"written by a live run"


def test_a_live_staging_folder_is_never_removed(tmp_path: Path) -> None:
    with atomic.staging_folder(tmp_path) as folder:
        (folder / "pkg.whl").write_bytes(b"staged")
        atomic.write_bytes(tmp_path / "b", b"b")
        assert (folder / "pkg.whl").read_bytes() == b"staged"
    assert names(tmp_path) == ["b"]


def test_only_our_own_leftovers_are_removed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_bytes(b"keep")
    folder = tmp_path / "out"
    folder.mkdir()
    kept = [".pkg.whl.1a2b3c4d.tmp", ".notes.tmp", "pkg.maturin-cross-0123456789abcdef.tmp"]
    for name in kept:
        (folder / name).write_bytes(b"not ours")
    link = folder / ".x.maturin-cross-0123456789abcdef.tmp"
    link.symlink_to(outside / "precious")
    dir_link = folder / ".maturin-cross-fedcba9876543210.tmp"
    dir_link.symlink_to(outside)
    atomic.write_bytes(folder / "new", b"new")
    assert names(folder) == sorted([*kept, link.name, dir_link.name, "new"])
    assert (outside / "precious").read_bytes() == b"keep"


def test_a_leftover_killed_before_its_seal_goes_if_it_holds_nothing(tmp_path: Path) -> None:
    """A run killed between making its staging folder (or temp file) and sealing it leaves it
    empty: the next run removes it, as it loses nothing. Look-alikes that hold anything stay."""
    folder = tmp_path / "out"
    folder.mkdir()
    empty_folder = folder / ".maturin-cross-0123456789abcdef.tmp"
    empty_folder.mkdir()
    empty_marker = folder / ".maturin-cross-1111111122222222.tmp"
    empty_marker.mkdir()
    (empty_marker / ".maturin-cross-staging").write_bytes(b"")
    empty_file = folder / ".pkg.whl.maturin-cross-3333333344444444.tmp"
    empty_file.write_bytes(b"")
    holding = folder / ".maturin-cross-5555555566666666.tmp"
    holding.mkdir()
    (holding / ".maturin-cross-staging").write_bytes(b"")
    (holding / "pkg.whl").write_bytes(b"a user's wheel")
    full_file = folder / ".pkg.whl.maturin-cross-7777777788888888.tmp"
    full_file.write_bytes(b"not ours")
    atomic.write_bytes(folder / "new", b"new")
    assert names(folder) == sorted([holding.name, full_file.name, "new"])
    assert (holding / "pkg.whl").read_bytes() == b"a user's wheel"


# --- its users --------------------------------------------------------------------------------


def test_a_wheel_that_needs_no_change_is_written_as_open_would(
    tmp_path: Path, umask_022: None
) -> None:
    source = make_wheel(tmp_path, name="pkg", tags=("py3-none-any",), files={"pkg/a.py": b""})
    source.chmod(0o600)
    target = resolve(None, rust_target=sourced("x86_64-unknown-linux-gnu", "-"))
    result = fix_wheel(source, target, tmp_path / "out")
    assert result.changes == ()
    assert mode(result.path) == 0o644


def test_init_keeps_the_mode_of_pyproject_toml(tmp_path: Path, umask_022: None) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[build-system]\nrequires = ["maturin>=1.4"]\nbuild-backend = "maturin"\n')
    pyproject.chmod(0o644)
    assert main(["init", str(tmp_path)]) == 0
    assert 'build-backend = "maturin_cross"' in pyproject.read_text()
    assert mode(pyproject) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["pyproject.toml"]


def test_a_finished_file_moved_over_another_takes_its_mode(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.write_bytes(b"old")
    old.chmod(0o600)
    new = tmp_path / "new"
    new.write_bytes(b"new")
    new.chmod(0o644)
    atomic.move_over(new, old)
    assert (old.read_bytes(), mode(old)) == (b"new", 0o600)
    assert names(tmp_path) == ["old"]


def test_a_move_across_file_systems_is_an_atomic_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    moves: list[str] = []

    def across(source: str | Path, target: str | Path) -> None:
        if Path(source).name == "new":  # as if tmp_path held two file systems
            moves.append("refused")
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", across)
    (tmp_path / "new").write_bytes(b"new")
    (tmp_path / "old").write_bytes(b"old")
    atomic.move_over(tmp_path / "new", tmp_path / "old")
    assert moves == ["refused"]
    assert (tmp_path / "old").read_bytes() == b"new"
    assert names(tmp_path) == ["old"]


def test_same_file_sees_through_links(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"a")
    (tmp_path / "b").write_bytes(b"a")
    os.link(tmp_path / "a", tmp_path / "hard")
    (tmp_path / "soft").symlink_to(tmp_path / "a")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert atomic.same_file(tmp_path / "a", tmp_path / "hard")
    assert atomic.same_file(tmp_path / "soft", tmp_path / "a")
    assert not atomic.same_file(tmp_path / "a", tmp_path / "b")
    assert not atomic.same_file(tmp_path / "a", tmp_path / "missing")
    assert not atomic.same_file(tmp_path / "loop", tmp_path / "a")


def test_a_copy_of_a_killed_writes_temp_file_is_not_ours(tmp_path: Path) -> None:
    """The name alone does not make a leftover: the seal in it is of the file's own inode."""
    target = tmp_path / "pkg.whl"
    killed_writer(target, "named")
    (left,) = names(tmp_path)
    (tmp_path / left).rename(tmp_path / "moved")
    shutil.copy(tmp_path / "moved", tmp_path / left)  # same name, same bytes, another inode
    atomic.write_bytes(tmp_path / "other", b"new")
    assert names(tmp_path) == sorted([left, "moved", "other"])


def test_a_leftover_holding_a_kept_path_is_not_removed(tmp_path: Path) -> None:
    killed_writer(tmp_path / "pkg.whl", "unnamed", "folder")
    (left,) = names(tmp_path)
    given = tmp_path / left / "pkg.whl"
    with atomic.keeping([given]):
        atomic.write_bytes(tmp_path / "other", b"new")
        assert given.read_bytes() == b"staged"
    atomic.write_bytes(tmp_path / "other", b"newer")  # no longer given: a dead run's, removed
    assert names(tmp_path) == ["other"]


def test_the_marker_of_a_copied_staging_folder_does_not_make_it_ours(tmp_path: Path) -> None:
    killed_writer(tmp_path / "pkg.whl", "unnamed", "folder")
    (left,) = names(tmp_path)
    (tmp_path / left).rename(tmp_path / "moved")
    shutil.copytree(tmp_path / "moved", tmp_path / left)
    atomic.write_bytes(tmp_path / "other", b"new")
    assert names(tmp_path) == sorted([left, "moved", "other"])
