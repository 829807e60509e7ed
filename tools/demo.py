"""The main job: cross-build examples/rpds for 32-bit ARM (armhf) with maturin-cross and prove the
wheel in the target's own Python under qemu.

    tox -e demo            (or: python tools/demo.py [--keep DIR])

Provisions the toolchain (tools/provision-cross.sh armhf, as root, cached), builds with
``python -m build --wheel --no-isolation`` and only MATURIN_CROSS_SYSCONFIGDATA and the linker set,
then unpacks the wheel and imports it with the armhf python3.11 under qemu-arm-static.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from crosskit import ROOT, ProvisionError, clean_environ, cli_command, provision

PROOF = """
import platform, sysconfig, rpds
m = rpds.HashTrieMap({"a": 1}).insert("b", 2)
print("target python   ", platform.python_version(), platform.machine())
print("its EXT_SUFFIX  ", sysconfig.get_config_var("EXT_SUFFIX"))
print("imported        ", rpds.rpds.__file__)
print("HashTrieMap     ", m, "->", m.remove("a"), "| m['b'] =", m["b"])
"""


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


class StepFailed(Exception):
    """A step's command failed; its own words were already shown."""


def run(cmd: list[str], *, what: str, env: dict[str, str] | None = None) -> None:
    """Run one step's command, its output shown as it comes."""
    try:
        subprocess.run(cmd, check=True, text=True, env=env)
    except subprocess.CalledProcessError as failed:
        raise StepFailed(f"{what} failed (exit {failed.returncode}); its words are above") from None
    except OSError as failed:
        raise StepFailed(f"{what}: cannot run {cmd[0]!r}: {failed.strerror}") from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="copy the wheel into this folder")
    args = parser.parse_args()
    try:
        demo(args.keep)
    except StepFailed as failed:
        print(f"demo: error: {failed}", file=sys.stderr)
        return 1
    print("\nOK: the cross-built wheel imports on the target.")
    return 0


def demo(keep: Path | None) -> None:
    step("provisioning the armhf toolchain, sysroot and qemu (cached)")
    try:
        armhf = provision("armhf", quiet=False)
        sysconfigdata = armhf.sysconfigdata
    except ProvisionError as failed:
        raise StepFailed(f"provisioning (tools/provision-cross.sh armhf): {failed}") from None
    print(f"sysroot {armhf.sysroot}\nsysconfigdata {sysconfigdata}")

    with tempfile.TemporaryDirectory(prefix="maturin-cross-demo-") as scratch:
        work = Path(scratch)
        source = work / "rpds"
        shutil.copytree(ROOT / "examples" / "rpds", source, ignore=shutil.ignore_patterns("target"))
        env = clean_environ(**armhf.build_env())

        step("maturin-cross inspect")
        run(cli_command("inspect"), what="maturin-cross inspect", env=env)

        step("python -m build --wheel --no-isolation examples/rpds")
        dist = work / "dist"
        run(
            [
                sys.executable,
                "-m",
                "build",
                "--wheel",
                "--no-isolation",
                "-o",
                str(dist),
                str(source),
            ],
            what="the cross build (python -m build)",
            env=env,
        )
        (wheel,) = dist.glob("*.whl")
        print(f"\nwheel: {wheel.name}")
        unpacked = work / "unpacked"
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                print(f"  {name}")
            archive.extractall(unpacked)

        step("importing it in the target's own Python under qemu")
        run(
            armhf.python_command(PROOF, pythonpath=unpacked),
            what="importing the wheel in the target's Python under qemu",
        )
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(wheel, keep / wheel.name)
            print(f"\nkept {keep / wheel.name}")


if __name__ == "__main__":
    sys.exit(main())
