"""A wheel is handed back only corrected and proven: a refused one leaves nothing behind, not
even the output folder it would have made; the input is never touched."""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from harness import FIXTURES
from repaircases import ARM_RIGHT, ARM_SEED, ARMHF, build_wheel
from wheelcalls import read_wheel
from wheelmaker import make_wheel

from maturin_cross.checks import proof, repair
from maturin_cross.errors import MaturinCrossError, OutputError, WheelError
from maturin_cross.pipeline.deliver import deliver, deliver_all
from maturin_cross.target.sysroot import Sysroot
from maturin_cross.wheel import contents, rewrite, tags, ziparchive

FIXED = "pkg/mod.cpython-312-arm-linux-gnueabihf.so"


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


def seed(folder: Path) -> Path:
    """maturin 1.7.0's armhf wheel: it keeps its file name, one module is renamed."""
    return build_wheel(folder, ("cp312-cp312-linux_armv7l",), {ARM_SEED: "arm-linux-gnueabihf.so"})


def right(folder: Path) -> Path:
    return build_wheel(folder, ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"})


def read_only_folder(tmp_path: Path) -> Path:
    """A folder nothing can be written into, root included (sysfs refuses root too)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def bad_folder(kind: str, tmp_path: Path) -> Path:
    if kind == "/dev/null":
        return Path("/dev/null")
    if kind == "a file":
        (tmp_path / "file").write_bytes(b"")
        return tmp_path / "file"
    if kind == "inside a file":
        (tmp_path / "file").write_bytes(b"")
        return tmp_path / "file" / "out"
    if kind == "a symlink loop":
        (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
        (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
        return tmp_path / "loop1"
    if kind == "read-only":
        return read_only_folder(tmp_path)
    raise AssertionError(kind)


@pytest.mark.parametrize("make", [seed, right], ids=["needs a change", "needs none"])
@pytest.mark.parametrize(
    "kind", ["/dev/null", "a file", "inside a file", "a symlink loop", "read-only"]
)
def test_an_unwritable_output_is_one_line(tmp_path: Path, kind: str, make: object) -> None:
    source = make(tmp_path / "in")  # type: ignore[operator]
    before = _digest(source)
    out = bad_folder(kind, tmp_path)
    with pytest.raises(OutputError) as refused:
        deliver(source, ARMHF.resolve(), None, out)
    (line,) = refused.value.lines()
    assert line.startswith(f"maturin-cross: error: {out}: cannot write the wheel there (")
    assert line.endswith("); name a writable folder")
    assert refused.value.exit_code == 2
    assert _digest(source) == before


# --- the read-back ------------------------------------------------------------------------------


def test_a_written_wheel_that_fails_its_own_check_is_not_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that gets WHEEL's Tag lines wrong: what inspect would find, the read-back finds."""
    real_retag = tags.retag
    monkeypatch.setattr(rewrite, "retag", lambda text, tags: real_retag(text, tags[:0]))
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_x86_64",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    out = tmp_path / "out"
    with pytest.raises(WheelError) as refused:
        deliver(source, ARMHF.resolve(), None, out)
    (problem,) = refused.value.problems
    assert problem.startswith(
        "pkg-0.1.0-cp312-cp312-linux_armv7l.whl: the wheel as written fails its own check: "
        "rewrote the WHEEL Tag: lines to match the file name"
    )
    assert not out.exists()


def test_a_written_member_that_is_not_what_record_says_is_not_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_add_raw = ziparchive.Writer.add_raw

    """The written wheel is not read back: each member's bytes are checked as they are written
    against the CRC-32 of the bytes that were verified."""

    def damaging(
        self: ziparchive.Writer,
        entry: ziparchive.Entry,
        extra: bytes,
        chunks: Iterable[bytes] | bytes,
    ) -> int:
        data = chunks if isinstance(chunks, bytes) else b"".join(chunks)
        if entry.name == "pkg-0.1.0.data/purelib/pkg_data/table.json":  # stored
            data = data.replace(b"42", b"43")
        return real_add_raw(self, entry, extra, [data])

    monkeypatch.setattr(ziparchive.Writer, "add_raw", damaging)
    out = tmp_path / "out"
    with pytest.raises(WheelError, match=r"table\.json: the bytes written are not those verified"):
        deliver(seed(tmp_path / "in"), ARMHF.resolve(), None, out)
    assert not out.exists()


def test_an_input_changed_after_it_was_read_is_not_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member changed in place between the pass that verified it and the copy, keeping the
    file's size and modification time: the bytes copied are not those verified, and nothing is
    delivered."""
    source = seed(tmp_path / "in")
    real_read = proof.read

    def then_changed(path: Path, **kwargs: Any) -> Any:
        found = real_read(path, **kwargs)
        before = path.stat()
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("pkg-0.1.0.data/purelib/pkg_data/table.json")  # stored
        with open(path, "r+b") as file:
            file.seek(info.header_offset + 26)
            name_size, extra_size = struct.unpack("<HH", file.read(4))
            start = info.header_offset + 30 + name_size + extra_size
            file.seek(start)
            data = file.read(info.compress_size)
            file.seek(start + data.index(b"42"))
            file.write(b"43")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        return found

    monkeypatch.setattr(proof, "read", then_changed)
    out = tmp_path / "out"
    with pytest.raises(WheelError, match=r"table\.json: the bytes written are not those verified"):
        deliver(source, ARMHF.resolve(), None, out)
    assert not out.exists()


def test_the_written_wheel_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pass over the input makes the plan and the proof; the wheel written is checked from
    what that pass found (and is what inspect finds when it reads it)."""
    passes: list[Path] = []
    real = contents.read_wheel_inspecting

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        passes.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(contents, "read_wheel_inspecting", counted)
    monkeypatch.setattr(proof, "read_wheel_inspecting", counted)
    monkeypatch.setattr(repair, "read_wheel_inspecting", counted)
    source = seed(tmp_path / "in")

    delivered = deliver(source, ARMHF.resolve(), None, tmp_path / "out")

    assert passes == [source]
    again = proof.prove(delivered.path, ARMHF.resolve(), None)
    assert (again.problems, again.changes) == ((), ())
    assert again.contents.entries == delivered.proof.contents.entries
    assert again.contents.record == delivered.proof.contents.record
    assert again.facts == delivered.proof.facts


# --- the input is never replaced, unless asked ----------------------------------------------------


def input_and_folder(how: str, tmp_path: Path) -> tuple[Path, Path]:
    """(the input as the user names it, the -w folder) such that the output is the input."""
    source = seed(tmp_path / "in")
    if how == "the same folder":
        return source, source.parent
    if how == "a symlinked folder":
        (tmp_path / "link").symlink_to(source.parent)
        return source, tmp_path / "link"
    (tmp_path / "other").mkdir()
    named = tmp_path / "other" / source.name
    if how == "a symlink to it":
        named.symlink_to(source)
        return named, source.parent
    if how == "a hard link to it":
        os.link(source, named)
        return named, source.parent
    raise AssertionError(how)


HOWS = ["the same folder", "a symlinked folder", "a symlink to it", "a hard link to it"]


@pytest.mark.parametrize("how", HOWS)
def test_the_input_is_never_replaced_without_in_place(tmp_path: Path, how: str) -> None:
    source, out = input_and_folder(how, tmp_path)
    before = _digest(source)
    listing = sorted(os.listdir(out))
    with pytest.raises(OutputError) as refused:
        deliver(source, ARMHF.resolve(), None, out)
    (line,) = refused.value.lines()
    assert line.startswith(f"maturin-cross: error: {source}: the corrected wheel would replace it")
    assert "pass --in-place to rewrite it in place, or -w another folder" in line
    assert _digest(source) == before
    assert sorted(os.listdir(out)) == listing


@pytest.mark.parametrize("how", HOWS)
def test_in_place_rewrites_the_input_in_one_step(tmp_path: Path, how: str) -> None:
    source, out = input_and_folder(how, tmp_path)
    real = source.resolve()
    real.chmod(0o600)
    listing = sorted(os.listdir(out))
    done = deliver(source, ARMHF.resolve(), None, out, in_place=True)
    assert done.changes
    assert FIXED in read_wheel(out / source.name).entries
    assert sorted(os.listdir(out)) == listing
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    if how == "a symlink to it":
        assert source.is_symlink()  # the link still names the file, which was rewritten
        assert FIXED in read_wheel(real).entries


def test_a_wheel_that_needs_no_change_in_its_own_folder_is_left_as_it_is(tmp_path: Path) -> None:
    source = right(tmp_path / "in")
    before = source.stat()
    done = deliver(source, ARMHF.resolve(), None, source.parent)
    assert (done.path, done.changes) == (source, ())
    after = source.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert os.listdir(source.parent) == [source.name]


# --- several wheels -------------------------------------------------------------------------------


def test_two_wheels_that_would_be_one_file_are_both_refused_before_either_is_written(
    tmp_path: Path,
) -> None:
    one = build_wheel(
        tmp_path / "a", ("cp312-cp312-linux_x86_64",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    other = right(tmp_path / "b")
    out = tmp_path / "out"
    results = deliver_all([one, other], ARMHF.resolve(), None, out)
    assert all(isinstance(result, OutputError) for result in results)
    lines = [line for result in results for line in result.lines()]  # type: ignore[union-attr]
    final = out / "pkg-0.1.0-cp312-cp312-linux_armv7l.whl"
    assert lines == [
        f"maturin-cross: error: {one}: it and {other} would both be written as {final}; fix "
        "them into different folders (-w), or leave one out",
        f"maturin-cross: error: {other}: it and {one} would both be written as {final}; fix "
        "them into different folders (-w), or leave one out",
    ]
    assert not out.exists()


def test_a_wheel_is_never_written_over_another_input(tmp_path: Path) -> None:
    """The second input is already right and stays; the first would be corrected over it."""
    out = tmp_path / "out"
    first = build_wheel(
        tmp_path / "a", ("cp312-cp312-linux_x86_64",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    second = right(out)
    before = _digest(second)
    results = deliver_all([first, second], ARMHF.resolve(), None, out)
    assert isinstance(results[0], MaturinCrossError)
    assert isinstance(results[1], MaturinCrossError)
    assert _digest(second) == before
    assert os.listdir(out) == [second.name]


def test_the_good_wheels_of_several_are_delivered(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    damaged = make_wheel(tmp_path / "x", name="bad", record=b"")
    good = seed(tmp_path / "in")
    results = deliver_all([damaged, good], ARMHF.resolve(), None, tmp_path / "out")
    assert isinstance(results[0], WheelError)
    assert not isinstance(results[1], MaturinCrossError)
    assert os.listdir(tmp_path / "out") == [good.name]


def test_one_wheel_given_twice_is_refused_both_times(tmp_path: Path) -> None:
    source = seed(tmp_path / "in")
    results = deliver_all([source, source], ARMHF.resolve(), None, tmp_path / "out")
    assert [type(result) for result in results] == [OutputError, OutputError]
    assert not (tmp_path / "out").exists()
