"""The main job: cross-build examples/rpds for 32-bit ARM (armhf) with maturin-cross and prove the
wheel in the target's own Python under qemu.

    tox -e demo            (or: python tools/demo.py [--keep DIR])

Provisions the toolchain (tools/provision-cross.sh armhf, as root, cached), builds with
``python -m build --wheel --no-isolation`` and only MATURIN_CROSS_SYSCONFIGDATA and the linker set,
then unpacks the wheel and imports it with the armhf python3.11 under qemu-arm-static.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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


def run(
    cmd: list[str], *, what: str, env: dict[str, str] | None = None, capture: bool = False
) -> str:
    """Run one step's command, its output shown as it comes; its stdout when ``capture``."""
    try:
        done = subprocess.run(
            cmd, check=True, text=True, env=env, stdout=subprocess.PIPE if capture else None
        )
        return done.stdout or ""
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
    line = run(
        ["bash", str(ROOT / "tools" / "provision-cross.sh"), "armhf"],
        what="provisioning the armhf toolchain (tools/provision-cross.sh armhf)",
        capture=True,
    ).split()
    sysroot, rust_target, linker, qemu = Path(line[1]), line[2], line[3], line[4]
    sysconfigdata = sysroot / "usr/lib/python3.11/_sysconfigdata__arm-linux-gnueabihf.py"
    print(f"sysroot {sysroot}\nsysconfigdata {sysconfigdata}")

    with tempfile.TemporaryDirectory(prefix="maturin-cross-demo-") as scratch:
        work = Path(scratch)
        source = work / "rpds"
        shutil.copytree(ROOT / "examples" / "rpds", source, ignore=shutil.ignore_patterns("target"))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MATURIN_CROSS_", "PYO3_", "_PYTHON_"))
        }
        env["MATURIN_CROSS_SYSCONFIGDATA"] = str(sysconfigdata)
        env["CARGO_TARGET_" + rust_target.upper().replace("-", "_") + "_LINKER"] = linker

        step("maturin-cross inspect")
        inspect = [sys.executable, "-m", "maturin_cross", "inspect"]
        run(inspect, what="maturin-cross inspect", env=env)

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
            [
                qemu,
                "-L",
                str(sysroot),
                "-E",
                f"PYTHONPATH={unpacked}",
                str(sysroot / "usr/bin/python3.11"),
                "-c",
                PROOF,
            ],
            what="importing the wheel in the target's Python under qemu",
        )
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(wheel, keep / wheel.name)
            print(f"\nkept {keep / wheel.name}")


if __name__ == "__main__":
    sys.exit(main())
