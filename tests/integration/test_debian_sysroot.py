"""``maturin-cross sysroot`` against Debian's archive (marked ``index`` by its fixture): a root
for a release and architecture no other test uses (trixie/arm64, Python 3.13), made by an
unprivileged user with a bare python3, with nothing of the host's apt state changed; then made
again with no network at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import ROOT, clean_environ, run_cli, unavailable

REQUEST = "debian:trixie/arm64"
NOBODY = 65534


@dataclass(frozen=True)
class Made:
    home: Path
    root: Path
    done: subprocess.CompletedProcess[str]
    host_before: tuple[bytes, str]


def _host_apt_state() -> tuple[bytes, str]:
    """The host's dpkg database and foreign architectures: what the command must not change."""
    foreign = subprocess.run(
        ["dpkg", "--print-foreign-architectures"], capture_output=True, text=True, check=True
    ).stdout
    return Path("/var/lib/dpkg/status").read_bytes(), foreign


def _as_nobody(
    home: Path, *args: str, wrap: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``maturin-cross ARGS`` as an unprivileged user, with a bare python3 and a clean
    environment (its HOME and cache in ``home``)."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")}
    cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *wrap,
           "/usr/bin/python3", "-S", "-m", "maturin_cross", *args]  # fmt: skip
    return subprocess.run(cmd, env=env, cwd=home, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def debian_sysroot() -> Iterator[Made]:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        unavailable("making a sysroot as another user needs root and setpriv here")
    home = Path(tempfile.mkdtemp(prefix="maturin-cross-sysroot-"))
    os.chmod(home, 0o755)
    os.chown(home, NOBODY, NOBODY)
    before = _host_apt_state()
    try:
        done = _as_nobody(home, "sysroot", REQUEST, str(home / "root"))
        yield Made(home, home / "root", done, before)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_made_without_root_leaving_the_host_as_it_was(debian_sysroot: Made) -> None:
    made = debian_sysroot
    assert made.done.returncode == 0, made.done.stderr
    assert "maturin-cross: error" not in made.done.stderr
    assert made.root.stat().st_uid == NOBODY
    assert _host_apt_state() == made.host_before
    leftovers = [name for name in os.listdir(made.home) if name.endswith(".tmp")]
    assert leftovers == []


def test_the_root_holds_the_targets_python_without_absolute_links(debian_sysroot: Made) -> None:
    root = debian_sysroot.root
    assert (root / "usr/bin/python3.13").is_file()
    assert (root / "usr/lib/aarch64-linux-gnu/libpython3.13.so.1.0").is_file()
    assert (root / "usr/include/python3.13/Python.h").is_file()
    assert (
        root / "lib/ld-linux-aarch64.so.1"
    ).exists()  # the loader's path, through lib -> usr/lib
    absolute = [
        os.path.join(folder, name)
        for folder, dirs, files in os.walk(root)
        for name in (*dirs, *files)
        if os.path.islink(os.path.join(folder, name))
        and os.readlink(os.path.join(folder, name)).startswith("/")
    ]
    assert absolute == []


def test_the_sysconfigdata_parses_and_names_the_target(debian_sysroot: Made) -> None:
    data = debian_sysroot.root / "usr/lib/python3.13/_sysconfigdata__aarch64-linux-gnu.py"
    done = run_cli(["inspect", "--sysconfigdata", data, "--json"], env=clean_environ())
    assert done.returncode == 0, done.stderr
    assert '"rust_target": "aarch64-unknown-linux-gnu"' in done.stdout
    assert '"python_version": "3.13"' in done.stdout


def test_the_next_steps_are_printed(debian_sysroot: Made) -> None:
    root = debian_sysroot.root
    lines = debian_sysroot.done.stdout.splitlines()
    assert lines[0].startswith(f"sysroot: {root} ({REQUEST}, Python 3.13, ")
    data = root / "usr/lib/python3.13/_sysconfigdata__aarch64-linux-gnu.py"
    assert f"sysconfigdata: {data}" in lines
    assert any(line.startswith("Rust target: aarch64-unknown-linux-gnu (") for line in lines)
    assert any(line.startswith("linker: aarch64-linux-gnu-gcc (") for line in lines)
    assert f"build: maturin-cross build --sysroot {root} --sysconfigdata {data}" in lines


def test_the_same_request_again_needs_no_network(debian_sysroot: Made) -> None:
    if shutil.which("unshare") is None:
        unavailable("a run without network needs unshare")
    # A new user and network namespace: no network at all, only loopback, which is down.
    again = _as_nobody(
        debian_sysroot.home, "sysroot", REQUEST, str(debian_sysroot.home / "again"),
        wrap=("unshare", "--map-root-user", "--net"),
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "packages from the cache" in again.stderr
    first = sorted(p.relative_to(debian_sysroot.root) for p in debian_sysroot.root.rglob("*"))
    second = sorted(
        p.relative_to(debian_sysroot.home / "again")
        for p in (debian_sysroot.home / "again").rglob("*")
    )
    assert first == second
