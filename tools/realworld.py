"""Real PyPI packages cross-built by ``maturin-cross build`` and proven by ``maturin-cross test``
with a call of a real function on the target, under qemu.

    tox -e realworld                         (every package, every target below)
    python tools/realworld.py [--arch A]... [--package P]... [--markdown FILE]

The targets: armhf and arm64 with bookworm's python3.11, arm64 with trixie's python3.13
(``arm64@trixie``) and riscv64, whose sysroot is trixie's (python3.13).

A user sets only what every cross build needs: the target's sysconfigdata and its linker. What a
package needs beyond that is in its row (``settings``), so the table in docs/compatibility.md says
what a user had to set. ``tests/integration/test_realworld.py`` runs a small part of this in CI.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from crosskit import CrossToolchain, ProvisionError, clean_environ, cli_command, provision


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    kind: str
    """What it proves: the column of docs/compatibility.md."""
    command: str = ""
    """Python code run on the target after every module imported: a real function called."""
    runs: tuple[str, ...] = ()
    """Programs the wheel installs, run on the target (``bindings = "bin"``)."""
    runtime: tuple[str, ...] = ()
    """Pure-Python runtime dependencies, installed beside the wheel (``--with``)."""
    settings: Mapping[str, str] = field(default_factory=dict)
    """What a user had to set for this package beyond the sysconfigdata and the linker."""


PACKAGES = (
    Package(
        "rpds-py",
        "2026.9.1",
        "pyo3",
        command="import rpds; m = rpds.HashTrieMap({'a': 1}).insert('b', 2); "
        "assert m['b'] == 2 and len(m.remove('a')) == 1; print(m)",
    ),
    # 3.11 to 3.13 do not cross-build for a 64-bit target from x86-64: their build script asks
    # its own #[cfg(target_arch)] (the build machine's) and turns on AVX-512 for aarch64.
    Package(
        "orjson",
        "3.10.18",
        "pyo3-ffi and its own build script, C (yyjson) through the cc crate",
        command="import orjson; data = {'a': [1, 2.5, None, 'é']}; "
        "assert orjson.loads(orjson.dumps(data)) == data; print(orjson.dumps(data))",
    ),
    Package(
        "cramjam",
        "2.14.0",
        "C through the cc crate (zstd, lz4, bzip2, xz, libdeflate)",
        command="import cramjam\ndata = b'maturin-cross ' * 4096\n"
        "for codec in ('zstd', 'lz4', 'bzip2', 'xz', 'deflate', 'snappy', 'brotli'):\n"
        "    m = getattr(cramjam, codec)\n"
        "    assert bytes(m.decompress(m.compress(data))) == data, codec\n"
        "print('7 codecs round-trip', len(data), 'bytes')",
    ),
    Package(
        "cryptography",
        "50.0.2",
        "abi3, links OpenSSL from the sysroot, cffi",
        command="from cryptography.hazmat.backends.openssl.backend import backend\n"
        "from cryptography.hazmat.primitives import hashes\n"
        "from cryptography.fernet import Fernet\n"
        "h = hashes.Hash(hashes.SHA256()); h.update(b'abc')\n"
        "assert h.finalize().hex().startswith('ba7816bf')\n"
        "f = Fernet(Fernet.generate_key()); assert f.decrypt(f.encrypt(b'x')) == b'x'\n"
        "print(backend.openssl_version_text())",
    ),
    Package(
        "rust-just",
        "1.59.0",
        'bindings = "bin": its program runs on the target',
        runs=("just --version", "just --evaluate --justfile /dev/null"),
    ),
    Package(
        "pydantic-core",
        "2.50.5",
        "pydantic-core",
        command="from pydantic_core import SchemaValidator, core_schema as cs\n"
        "v = SchemaValidator(cs.typed_dict_schema({'n': cs.typed_dict_field(cs.int_schema())}))\n"
        "assert v.validate_python({'n': '42'}) == {'n': 42}\n"
        "print(v.validate_json(b'{\"n\": 7}'))",
        runtime=("typing-extensions==4.15.0",),
    ),
)

ARCHES = ("armhf", "arm64", "arm64@trixie", "riscv64")
"""What tools/provision-cross.sh is asked for (``ARCH@RELEASE`` for a newer Python)."""
CI_SUBSET = (("rpds-py", "armhf"), ("orjson", "arm64"))
"""What CI builds of this list on every change (the rest is ``tox -e realworld``)."""


@dataclass(frozen=True)
class Result:
    package: Package
    arch: str
    """The target as tools/provision-cross.sh was asked for it."""
    python: str
    """The target's Python, ``3.X``."""
    ok: bool
    wheel: str
    seconds: float
    said: str
    """The proof's output on success, the failure's last lines otherwise."""


def _run(cmd: Sequence[str], env: Mapping[str, str], log: Path) -> subprocess.CompletedProcess[str]:
    with log.open("a", encoding="utf-8") as out:
        out.write("+ " + " ".join(cmd) + "\n")
        out.flush()
        done = subprocess.run(
            list(cmd), env=dict(env), stdout=subprocess.PIPE, stderr=out, text=True, check=False
        )
        out.write(done.stdout)
    return done


def _tail(log: Path, lines: int = 12) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def download(spec: str, into: Path, *, binary: bool, log: Path) -> Path:
    """One file of ``spec`` (``name==version``) from the package index: its sdist, or a wheel."""
    into.mkdir(parents=True, exist_ok=True)
    kind = ["--only-binary", ":all:"] if binary else ["--no-binary", ":all:"]
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *kind, spec, "-d", str(into)]
    done = _run(cmd, os.environ, log)
    if done.returncode:
        raise RuntimeError(f"cannot download {spec}: {_tail(log, 3)}")
    name = spec.split("==")[0].replace("-", "_").lower()
    found = [p for p in into.iterdir() if p.name.lower().replace("-", "_").startswith(name)]
    return found[0]


def unpack_sdist(sdist: Path, into: Path) -> None:
    """An sdist unpacked under tarfile's "data" rules: plain files and folders inside ``into``.
    Python 3.11.4 and newer apply them (``filter="data"``); Debian bookworm's 3.11.2 has no
    filters, and there every member is checked by the same rules before anything is written."""
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
            return
        for member in archive.getmembers():
            path = PurePosixPath(member.name)
            if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
                raise ValueError(
                    f"{sdist.name}: {member.name!r} is not a plain file or folder in it"
                )
        archive.extractall(into)


def prove(package: Package, cross: CrossToolchain, work: Path) -> Result:
    """Build ``package`` from its sdist for ``cross`` with ``maturin-cross build`` and prove the
    wheel with ``maturin-cross test``."""
    started = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    log = work / "log.txt"
    spec = f"{package.name}=={package.version}"
    sdist = download(spec, work / "sdist", binary=False, log=log)
    unpack_sdist(sdist, work / "src")
    (source,) = (work / "src").iterdir()
    env = clean_environ(**cross.build_env(), **package.settings)
    out = work / "dist"
    built = _run(cli_command("build", source, "-o", out), env, log)
    wheels = sorted(out.glob("*.whl")) if built.returncode == 0 else []
    if len(wheels) != 1:
        return Result(
            package, cross.spec, cross.version, False, "", time.monotonic() - started, _tail(log)
        )
    test = cli_command("test", wheels[0], "--sysroot", cross.sysroot)
    if package.command:
        test += ["--command", package.command]
    for run in package.runs:
        test += ["--run", run]
    for spec in package.runtime:
        test += ["--with", str(download(spec, work / "runtime", binary=True, log=log))]
    tested = _run(test, env, log)
    said = tested.stdout.strip() if tested.returncode == 0 else _tail(log)
    seconds = time.monotonic() - started
    ok = tested.returncode == 0
    return Result(package, cross.spec, cross.version, ok, wheels[0].name, seconds, said)


def markdown(results: Sequence[Result]) -> str:
    """The table of docs/compatibility.md."""
    lines = [
        "| package | version | what it proves | arch | Python | result | wheel | set by hand "
        "| time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        p = r.package
        settings = ", ".join(f"`{k}={v}`" for k, v in p.settings.items()) or "nothing"
        lines.append(
            f"| {p.name} | {p.version} | {p.kind} | {r.arch} | {r.python} "
            f"| {'proven' if r.ok else 'FAILED'} "
            f"| `{r.wheel or '-'}` | {settings} | {r.seconds:.0f} s |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append", choices=ARCHES, help="default: all")
    names = [p.name for p in PACKAGES]
    parser.add_argument("--package", action="append", choices=names, help="default: all")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args(argv)
    arches = args.arch or list(ARCHES)
    packages = [p for p in PACKAGES if not args.package or p.name in args.package]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="maturin-cross-realworld-") as scratch:
        base = args.keep or Path(scratch)
        for arch in arches:
            try:
                cross = provision(arch, quiet=False)
            except ProvisionError as failed:
                print(f"realworld: error: {failed}", file=sys.stderr)
                return 1
            for package in packages:
                print(f"== {package.name} {package.version} for {arch}", flush=True)
                folder = arch.replace("@", "-").replace("/", "-")
                result = prove(package, cross, base / folder / package.name)
                print(("proven: " if result.ok else "FAILED:\n") + result.said, flush=True)
                results.append(result)
    table = markdown(results)
    print("\n" + table, end="")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
