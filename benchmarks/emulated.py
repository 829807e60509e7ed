"""Cross against emulated: the same sources built for arm64 the two ways a user can choose.

The emulated way is what cibuildwheel does on an x86-64 machine: a Debian bookworm arm64 root
(made here with ``mmdebstrap --arch=arm64``), its programs run by qemu-user through binfmt_misc,
and inside it Debian's own arm64 rustc-web, cargo-web and python3-dev with maturin in a virtual
environment build the wheel natively (``maturin build --release``); the wheel is then installed
there and imported. The maturin-cross way is a cross build on this machine (``maturin-cross
build``, which proves the wheel) and ``maturin-cross test`` (the wheel imported in the target's
own Python under qemu). Both start from the same sources with an empty target folder and the
crates already fetched (``cargo fetch``, not timed), so only building and proving are timed.

The root is made once and kept in the cross cache (``$CROSS_PROVISION_CACHE/emulated``, by
default ~/.cache/maturin-cross/emulated): a second run starts at once. Needs root (mmdebstrap,
chroot, binfmt_misc) and the package registries.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import crosskit  # noqa: E402 (tools/ is put on the path just above)

ROOT_VERSION = "bookworm-arm64-v1"
"""The root's folder name in the cache: a new name when what goes into it changes."""
DEBIAN_PACKAGES = "python3,python3-dev,python3-venv,python3-pip,rustc-web,cargo-web,gcc,libc6-dev"
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LARGER = "rpds-py==2026.9.1"
"""The larger real package: an sdist from the package index (tools/realworld.py builds it too)."""
BINFMT = Path("/proc/sys/fs/binfmt_misc")


class Unavailable(Exception):
    """The emulated build cannot be set up here; the message says why."""


class Hung(Unavailable):
    """A run in the root did not end in its time: seen here as cargo's child process stuck on a
    lock under qemu-user, which a process forked from a threaded one can inherit held."""


HANG_AFTER = 3600.0
"""When an emulated build is taken to hang (the slowest that ended took 36 minutes, loaded)."""
ATTEMPTS = 2


def cache_dir(environ: Mapping[str, str]) -> Path:
    """The cross cache, as tools/provision-cross.sh finds it."""
    given = environ.get("CROSS_PROVISION_CACHE") or environ.get("MATURIN_CROSS_CACHE")
    if given:
        return Path(given)
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "maturin-cross"


def _say(message: str) -> None:
    print(f"emulated: {message}", flush=True)


def _check(cmd: Sequence[str], what: str, env: Mapping[str, str] | None = None) -> None:
    environ = dict(env) if env is not None else None
    done = subprocess.run(list(cmd), capture_output=True, text=True, check=False, env=environ)
    if done.returncode != 0:
        said = (done.stderr or done.stdout or "").strip()[-1500:]
        raise Unavailable(f"{what} failed ({shlex.join(cmd)}):\n{said}")


def host_tools() -> None:
    """mmdebstrap, arch-test (its check of a foreign architecture) and qemu-user-static."""
    needed = {"mmdebstrap": "mmdebstrap", "arch-test": "arch-test"}
    needed["qemu-aarch64-static"] = "qemu-user-static"
    missing = sorted({package for tool, package in needed.items() if not shutil.which(tool)})
    if missing:
        _say(f"installing {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        _check(["apt-get", "install", "-y", "-qq", *missing], "apt-get install", env=env)


def binfmt() -> str:
    """qemu-aarch64 registered with binfmt_misc, with the F flag (the interpreter opened when
    registered, so it runs inside a chroot that does not have it). Returns what it found."""
    if not (BINFMT / "status").exists():
        _check(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], "mounting binfmt_misc")
    entry = BINFMT / "qemu-aarch64"
    if not entry.exists():
        conf = Path("/usr/lib/binfmt.d/qemu-aarch64.conf")
        if not conf.is_file():
            raise Unavailable(f"{conf} is missing: install qemu-user-static")
        (BINFMT / "register").write_text(conf.read_text().strip())
    lines = entry.read_text().splitlines()
    flags = next((line.split()[1] for line in lines if line.startswith("flags:")), "")
    if lines[0] != "enabled" or "F" not in flags:
        raise Unavailable(f"{entry}: {' '.join(lines[:3])}; it must be enabled with the F flag")
    interpreter = next((line.split()[1] for line in lines if line.startswith("interpreter")), "")
    return f"{interpreter} (flags {flags})"


def run_in_root(root: Path, script: str, *, timeout: float | None = None) -> float:
    """Run ``script`` (sh) inside ``root`` as its root user, in a mount namespace of its own
    (/proc and /dev mounted there, gone when it ends); return its wall time."""
    env = [
        f"PATH={ROOT_PATH}",
        "HOME=/root",
        "LANG=C.UTF-8",
        "PIP_DISABLE_PIP_VERSION_CHECK=1",
        f"PIP_DEFAULT_TIMEOUT={os.environ.get('PIP_DEFAULT_TIMEOUT', '60')}",
    ]
    inner = (
        'r=$1; shift; mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" && '
        'exec chroot "$r" /usr/bin/env -i "$@"'
    )
    cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner, "sh", str(root)]
    cmd += [*env, "sh", "-ec", script]
    start = time.perf_counter()
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # every process of the run, qemu's included
            process.communicate()
            raise Hung(f"in the arm64 root: {script}: no end after {timeout:.0f} s") from None
    took = time.perf_counter() - start
    if process.returncode != 0:
        said = (err or out).strip()[-2000:]
        raise Unavailable(f"in the arm64 root: {script}\n{said}")
    return took


def trust(root: Path) -> None:
    """This machine's name servers and certificate authorities in the root: pip and cargo in
    it reach the registries the way this machine does."""
    shutil.copyfile("/etc/resolv.conf", root / "etc" / "resolv.conf")
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if bundle.is_file():
        shutil.copyfile(bundle, root / "etc" / "ssl" / "certs" / "ca-certificates.crt")


def _maturin_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("maturin")


def make_root(cache: Path) -> Path:
    """The arm64 root, made once: Debian's packages, then maturin (the version this machine
    has) in /opt/venv."""
    root = cache / "emulated" / ROOT_VERSION
    if (root / ".maturin-cross-done").is_file():
        return root
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    sources = [str(p) for p in Path("/etc/apt/sources.list.d").glob("*.sources")]
    sources += [str(p) for p in Path("/etc/apt").glob("sources.list") if p.stat().st_size]
    _say(f"making the arm64 root in {root} (once; about 10 minutes)")
    start = time.perf_counter()
    cmd = ["mmdebstrap", "--quiet", "--arch=arm64", "--variant=minbase"]
    cmd += [f"--include={DEBIAN_PACKAGES},ca-certificates", "bookworm", str(partial), *sources]
    _check(cmd, "mmdebstrap")
    trust(partial)
    version = _maturin_version()
    run_in_root(
        partial, f"python3 -m venv /opt/venv && /opt/venv/bin/pip install -q maturin=={version}"
    )
    (partial / ".maturin-cross-done").touch()
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    _say(f"root made in {time.perf_counter() - start:.0f} s")
    return root


@dataclass(frozen=True)
class Source:
    """One package's sources: a folder, and the import that proves its wheel."""

    name: str
    folder: Path
    module: str


def sources(work: Path, larger: bool, small: bool = True) -> list[Source]:
    found = [Source("examples/rpds", ROOT / "examples" / "rpds", "rpds")] if small else []
    if larger:
        into = work / "emulated-sdist"
        if not any(into.glob("*.tar.gz")):
            into.mkdir(parents=True, exist_ok=True)
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary"]
            _check([*cmd, ":all:", LARGER, "-d", str(into)], f"downloading {LARGER}")
        (sdist,) = into.glob("*.tar.gz")
        unpacked = work / "emulated-src"
        if not unpacked.is_dir():
            with tarfile.open(sdist) as archive:
                archive.extractall(unpacked, filter="data")
        (folder,) = unpacked.iterdir()
        found.append(Source(f"{LARGER} (sdist)", folder, "rpds"))
    return found


def fresh_copy(source: Path, dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("target"))


@dataclass(frozen=True)
class Figure:
    name: str
    emulated: float
    cross: float
    emulated_commands: tuple[str, ...]
    cross_commands: tuple[str, ...]


def _timed(cmd: Sequence[str], env: Mapping[str, str], what: str, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        list(cmd), env=dict(env), cwd=cwd, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()[-2000:]
        raise Unavailable(f"{what} failed ({shlex.join(cmd)}):\n{said}")
    return took


def emulated_build(root: Path, source: Source) -> tuple[float, tuple[str, ...]]:
    """Build in the root as cibuildwheel does, then install and import; returns the time."""
    inside = root / "src" / "pkg"
    fresh_copy(source.folder, inside)
    shutil.rmtree(root / "out", ignore_errors=True)
    run_in_root(root, "cd /src/pkg && cargo fetch -q")  # not timed, as on the cross side
    build = "cd /src/pkg && /opt/venv/bin/maturin build --release -i python3 -o /out"
    proof = (
        "/opt/venv/bin/pip install -q --no-deps --force-reinstall /out/*.whl && "
        f"cd / && /opt/venv/bin/python -c 'import {source.module}'"
    )
    for attempt in range(1, ATTEMPTS + 1):
        try:
            took = run_in_root(root, build, timeout=HANG_AFTER)
            break
        except Hung as hung:
            _say(f"{source.name}: the emulated build hung ({hung}); killed, attempt {attempt}")
            if attempt == ATTEMPTS:
                raise
            run_in_root(root, "rm -rf /src/pkg/target /out")
    took += run_in_root(root, proof)
    return took, (f"chroot ROOT sh -c '{build}'", f"chroot ROOT sh -c '{proof}'")


def cross_build(
    cross: crosskit.CrossToolchain, source: Source, work: Path
) -> tuple[float, tuple[str, ...]]:
    """Build with maturin-cross (which proves the wheel), then ``maturin-cross test``."""
    folder = work / "emulated-cross-src"
    fresh_copy(source.folder, folder)
    out = work / "emulated-cross-out"
    shutil.rmtree(out, ignore_errors=True)
    env = crosskit.clean_environ(**cross.build_env())
    _timed(["cargo", "fetch", "-q"], env, "cargo fetch", cwd=folder)  # not timed
    build = crosskit.cli_command("build", folder, "-o", out, "--no-isolation")
    took = _timed(build, env, "maturin-cross build")
    (wheel,) = out.glob("*.whl")
    test = crosskit.cli_command("test", wheel, "--sysroot", cross.sysroot)
    took += _timed(test, env, "maturin-cross test")
    shown = (
        "maturin-cross build SRC -o OUT --no-isolation",
        "maturin-cross test OUT/*.whl --sysroot SYSROOT",
    )
    return took, shown


def bench(work: Path, *, larger: bool, small: bool = True) -> list[Figure]:
    """Each source built both ways, emulated first; the figures."""
    host_tools()
    _say(f"binfmt_misc: qemu-aarch64 -> {binfmt()}")
    root = make_root(cache_dir(os.environ))
    cross = crosskit.provision("arm64")
    versions = subprocess.run(
        ["chroot", str(root), "rustc", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    _say(f"root {root}: {versions or 'rustc ?'}, maturin {_maturin_version()}")
    figures = []
    for source in sources(work, larger, small):
        _say(f"{source.name}: emulated build ...")
        emulated, emulated_shown = emulated_build(root, source)
        _say(f"{source.name}: emulated {emulated:.0f} s; cross build ...")
        crossed, cross_shown = cross_build(cross, source, work)
        _say(f"{source.name}: cross {crossed:.0f} s")
        figures.append(Figure(source.name, emulated, crossed, emulated_shown, cross_shown))
    return figures
