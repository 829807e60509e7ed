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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="copy the wheel into this folder")
    args = parser.parse_args()

    step("provisioning the armhf toolchain, sysroot and qemu (cached)")
    line = subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-cross.sh"), "armhf"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
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
        subprocess.run([sys.executable, "-m", "maturin_cross", "inspect"], env=env, check=True)

        step("python -m build --wheel --no-isolation examples/rpds")
        dist = work / "dist"
        subprocess.run(
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
            env=env,
            check=True,
        )
        (wheel,) = dist.glob("*.whl")
        print(f"\nwheel: {wheel.name}")
        unpacked = work / "unpacked"
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                print(f"  {name}")
            archive.extractall(unpacked)

        step("importing it in the target's own Python under qemu")
        subprocess.run(
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
            check=True,
        )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(wheel, args.keep / wheel.name)
            print(f"\nkept {args.keep / wheel.name}")
    print("\nOK: the cross-built wheel imports on the target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
