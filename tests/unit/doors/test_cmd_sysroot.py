"""``maturin-cross sysroot`` run as a user runs it: bad input is one line with the documented
exit code and leaves nothing; the command needs the standard library alone. No network: the
runs that get as far as packages find them in a cache made here (tiny real Debian packages),
and their sources point where nothing answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import ROOT, clean_environ, run_cli

from maturin_cross.target import debian

NOWHERE = "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://127.0.0.1:9/debian trixie main"


def _cache_with_one_package(cache: Path, size: int) -> None:
    """The trixie/arm64 request's cache (sources: NOWHERE) holding one real package with a
    file of ``size`` bytes."""
    request = debian.parse("debian:trixie/arm64", None, [], [NOWHERE])
    archives = cache / request.key([NOWHERE]) / "cache" / "archives"
    tree = cache / "tree"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        "Package: big\nVersion: 1.0\nArchitecture: arm64\nMaintainer: t <t@localhost>\n"
        "Description: a test package\n"
    )
    (tree / "usr" / "lib").mkdir(parents=True)
    (tree / "usr" / "lib" / "big").write_bytes(b"\0" * size)
    archives.mkdir(parents=True)
    subprocess.run(
        [
            "dpkg-deb",
            "-Znone",
            "--root-owner-group",
            "-b",
            str(tree),
            str(archives / "big_1.0_arm64.deb"),
        ],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(tree)
    (archives.parent.parent / "resolved").write_text("big_1.0_arm64.deb\n")


ROWS = [
    ("unknown distribution", ["ubuntu:noble/arm64", "{out}/root"], 2, "unknown distribution 'ubuntu'"),
    ("unknown release", ["debian:potato/arm64", "{out}/root"], 2, "unknown debian release 'potato'"),
    ("unknown architecture", ["debian:trixie/vax", "{out}/root"], 2, "has no architecture 'vax'"),
    ("release without that Python", ["debian:bookworm/arm64", "{out}/root", "--python", "3.13"], 2,
     "debian bookworm has no Python 3.13; it has 3.11"),
    ("DIR a file", ["debian:trixie/arm64", "{out}/file", "--source", NOWHERE], 2,
     "exists and is not a folder"),
    ("DIR's folder missing", ["debian:trixie/arm64", "{out}/none/root", "--source", NOWHERE], 2,
     "is not a folder; create it first"),
    ("no network", ["debian:trixie/arm64", "{out}/root", "--source", NOWHERE, "--cache",
     "{out}/cache"], 1, "no package index could be fetched for debian:trixie/arm64"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "said"), [row[1:] for row in ROWS], ids=[r[0] for r in ROWS]
)
def test_bad_input_is_one_line_and_leaves_nothing(
    tmp_path: Path, args: list[str], code: int, said: str
) -> None:
    (tmp_path / "file").write_text("mine")
    before = sorted(os.listdir(tmp_path))
    done = run_cli(["sysroot", *(arg.format(out=tmp_path) for arg in args)], env=clean_environ())
    errors = [line for line in done.stderr.splitlines() if line.startswith("maturin-cross: error:")]
    assert (done.returncode, len(errors)) == (code, 1), done.stderr
    assert said in errors[0]
    assert "Traceback" not in done.stderr
    after = sorted(os.listdir(tmp_path))
    assert after in (before, sorted([*before, "cache"])), after
    assert not list((tmp_path / "cache").iterdir()) if (tmp_path / "cache").exists() else True
    assert (tmp_path / "file").read_text() == "mine"


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit (util-linux)")
def test_no_room_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    _cache_with_one_package(tmp_path / "cache", 1 << 20)
    (tmp_path / "out").mkdir()
    done = subprocess.run(
        ["prlimit", "--fsize=65536", sys.executable, "-B", "-m", "maturin_cross", "sysroot",
         "debian:trixie/arm64", str(tmp_path / "out" / "root"), "--source", NOWHERE,
         "--cache", str(tmp_path / "cache")],
        env=clean_environ(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    errors = [line for line in done.stderr.splitlines() if line.startswith("maturin-cross: error:")]
    assert (done.returncode, len(errors)) == (1, 1), done.stderr
    assert "no room to write in" in errors[0] and "file size limit" in errors[0]
    assert os.listdir(tmp_path / "out") == []


def test_a_root_from_the_cache_says_the_next_steps(tmp_path: Path) -> None:
    _cache_with_one_package(tmp_path / "cache", 10)
    args: list[str | Path] = ["sysroot", "debian:trixie/arm64", tmp_path / "root", "--source", NOWHERE,
            "--cache", tmp_path / "cache"]  # fmt: skip
    done = run_cli(args, env=clean_environ())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"sysroot: {tmp_path / 'root'} (debian:trixie/arm64, Python 3.13, 1 package)"
    assert any(line.startswith("Rust target: aarch64-unknown-linux-gnu") for line in lines)
    assert any(line.startswith("linker: aarch64-linux-gnu-gcc") for line in lines)
    assert f"test:  maturin-cross test dist/*.whl --sysroot {tmp_path / 'root'}" in lines
    again = run_cli(args, env=clean_environ())
    assert again.returncode == 0 and "already made, left as it is" in again.stdout


def test_the_command_needs_the_standard_library_alone(tmp_path: Path) -> None:
    """What tools/provision-cross.sh relies on: a bare python3 (-I -S: no site-packages, no
    user folder) runs the command; nothing outside the standard library is imported."""
    (tmp_path / "file").write_text("mine")
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); from maturin_cross.cli.main import main\n"
        "code = main(['sysroot', 'debian:trixie/arm64', sys.argv[2], '--source', sys.argv[3]])\n"
        "outside = sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)"
        " - {'maturin_cross', '__main__'})\n"
        "print(code, outside)\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, str(ROOT / "src"), str(tmp_path / "file"), NOWHERE],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.stdout.strip() == "2 []", done.stderr
