"""Every target Python a Debian release ships, proven end to end: examples/rpds cross-built by
``maturin-cross build`` for each one, its wheel checked (name, tag, module suffix), proven by
``maturin-cross test`` and called in the target's own Python under qemu.

    tox -e pythons                              (arm64 and armhf, each Python below)
    python tools/pythons.py [--arch A]... [--python RELEASE/3.X]... [--markdown FILE]

The Pythons: bookworm's 3.11, trixie's 3.13, sid's 3.14 and 3.15, each in a sysroot that
``tools/provision-cross.sh ARCH@RELEASE/3.X`` makes with ``maturin-cross sysroot``. CI proves
one architecture of each (tests/helpers/cross_arches.py); this is the matrix.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crosskit import ROOT, CrossToolchain, ProvisionError, clean_environ, cli_command, provision

PYTHONS = ("bookworm/3.11", "trixie/3.13", "sid/3.14", "sid/3.15")
ARCHES = ("arm64", "armhf")

CALL = """
import platform, sys, rpds
m = rpds.HashTrieMap({i: str(i) for i in range(500)}).insert("k", sys.version_info[:2])
assert m["k"] == sys.version_info[:2] and len(m.remove(7)) == 500 and 7 not in m.remove(7)
print(platform.python_version(), platform.machine(), rpds.rpds.__file__.rsplit("/", 1)[1])
"""
"""What the target runs: the module imported and a real call."""


@dataclass(frozen=True)
class Result:
    spec: str
    version: str
    ok: bool
    wheel: str
    seconds: float
    said: str


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def expected_names(cross: CrossToolchain, wheel: Path) -> str | None:
    """What is wrong with ``wheel``'s name, tag or module for ``cross``'s Python; None for
    nothing. The suffix and tag are the target Python's own (read from its sysconfigdata under
    qemu, not derived here)."""
    said = cross.try_python(
        "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"
    ).stdout.strip()
    cp = "cp" + cross.version.replace(".", "")
    if not wheel.name.startswith(f"rpds_example-0.1.0-{cp}-{cp}-linux_"):
        return f"{wheel.name} is not a {cp}-{cp} wheel"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        tags = [
            line
            for name in names
            if name.endswith(".dist-info/WHEEL")
            for line in archive.read(name).decode().splitlines()
            if line.startswith("Tag: ")
        ]
    if f"rpds/rpds{said}" not in names:
        return f"no rpds/rpds{said} in {wheel.name} (it holds {', '.join(names)})"
    if tags != [f"Tag: {wheel.name[:-4].split('-', 2)[2]}"]:
        return f"{wheel.name}'s WHEEL says {tags}"
    return None


def prove(cross: CrossToolchain, work: Path) -> Result:
    """Build examples/rpds for ``cross``, check the wheel's names, prove and call it."""
    started = time.monotonic()
    source = work / "rpds"
    shutil.copytree(ROOT / "examples" / "rpds", source, ignore=shutil.ignore_patterns("target"))
    env = clean_environ(**cross.build_env())
    out = work / "dist"

    def failed(said: str) -> Result:
        return Result(cross.spec, cross.version, False, "", time.monotonic() - started, said)

    built = subprocess.run(
        cli_command("build", source, "-o", out),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        return failed(_tail(built.stderr))
    wheel = Path(built.stdout.strip().splitlines()[-1])
    wrong = expected_names(cross, wheel)
    if wrong:
        return failed(wrong)
    tested = subprocess.run(
        cli_command("test", wheel, "--sysroot", cross.sysroot, "--command", CALL),
        env=clean_environ(),
        capture_output=True,
        text=True,
    )
    if tested.returncode != 0:
        return failed(_tail(tested.stderr))
    seconds = time.monotonic() - started
    return Result(cross.spec, cross.version, True, wheel.name, seconds, tested.stdout.strip())


def markdown(results: Sequence[Result]) -> str:
    lines = [
        "| target | Python | result | wheel | what the target said | time |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        said = r.said.splitlines()[-1] if r.ok else "see the log"
        lines.append(
            f"| {r.spec} | {r.version} | {'proven' if r.ok else 'FAILED'} | `{r.wheel or '-'}` "
            f"| {said} | {r.seconds:.0f} s |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append", choices=ARCHES, help="default: all")
    parser.add_argument("--python", action="append", choices=PYTHONS, help="default: all")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="maturin-cross-pythons-") as scratch:
        for arch in args.arch or ARCHES:
            for python in args.python or PYTHONS:
                spec = f"{arch}@{python}"
                print(f"== examples/rpds for {spec}", flush=True)
                try:
                    cross = provision(spec, quiet=False)
                except ProvisionError as failed:
                    print(f"pythons: error: {failed}", file=sys.stderr)
                    return 1
                result = prove(cross, Path(scratch) / spec.replace("@", "-").replace("/", "-"))
                print(("proven: " if result.ok else "FAILED:\n") + result.said, flush=True)
                results.append(result)
    table = markdown(results)
    print("\n" + table, end="")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
