"""sccache through a Redis server of its own on loopback: what the shared-cache test
(tests/integration/test_shared_cache.py) and its benchmark (benchmarks/shared_cache.py) share."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A port nothing listens on now, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_sccache() -> str | None:
    """sccache from the package index (installed beside this interpreter), else on PATH."""
    return shutil.which("sccache", path=str(Path(sys.executable).parent)) or shutil.which("sccache")


def stats(sccache: str, env: Mapping[str, str]) -> tuple[int, int]:
    """The sccache server's hits and misses since its statistics were last zeroed."""
    shown = subprocess.run(
        [sccache, "--show-stats", "--stats-format=json"],
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    counts = json.loads(shown.stdout)["stats"]
    return (
        sum(counts["cache_hits"]["counts"].values()),
        sum(counts["cache_misses"]["counts"].values()),
    )


@contextmanager
def redis_server(server: str, folder: Path) -> Iterator[str]:
    """``redis-server`` on a free loopback port, keeping nothing on disk (its folder is
    ``folder``), until the block ends; yields its URL once it takes connections. Raises
    RuntimeError when it does not start within 20 s."""
    port = free_port()
    options = ["--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [server, *options, "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
