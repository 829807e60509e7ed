"""What C code of a cross build is told when the target's sysroot is known: sysroots laid out in
the test's folder as Debian unpacks them (no C library headers) and as Yocto's recipe sysroot
holds them (complete)."""

from __future__ import annotations

from pathlib import Path

from repaircases import ARMHF

from maturin_cross.buildenv.c_side import c_side
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot

TRIPLE = "armv7_unknown_linux_gnueabihf"
DATA = SysconfigData.of({"INCLUDEPY": "/usr/include/python3.11"}, "/x/_sysconfigdata.py")


def _folders(root: Path, *paths: str) -> Sysroot:
    for path in paths:
        (root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
    return Sysroot(root, "test")


def test_a_debian_sysroot_gets_python_headers_and_its_headers_after_the_compilers(
    tmp_path: Path,
) -> None:
    root = _folders(
        tmp_path,
        "/usr/include/python3.11",
        "/usr/include/arm-linux-gnueabihf/python3.11",
        "/usr/include/openssl",
        "/usr/lib/arm-linux-gnueabihf/pkgconfig",
    )
    side = c_side(ARMHF.resolve(), root, DATA, {})
    assert side.env == {
        f"CFLAGS_{TRIPLE}": (
            f"-I{tmp_path}/usr/include/python3.11 -I{tmp_path}/usr/include/arm-linux-gnueabihf/python3.11 "
            f"-idirafter{tmp_path}/usr/include/arm-linux-gnueabihf -idirafter{tmp_path}/usr/include"
        ),
        f"PKG_CONFIG_SYSROOT_DIR_{TRIPLE}": str(tmp_path),
        f"PKG_CONFIG_LIBDIR_{TRIPLE}": f"{tmp_path}/usr/lib/arm-linux-gnueabihf/pkgconfig",
        f"PKG_CONFIG_ALLOW_CROSS_{TRIPLE}": "1",
    }
    assert side.notes == (
        f"C code for the target is compiled with the sysroot's headers (CFLAGS_{TRIPLE})",
        f"pkg-config looks for the target's libraries in {tmp_path}",
    )


def test_a_complete_sysroot_is_the_compilers_sysroot(tmp_path: Path) -> None:
    root = _folders(tmp_path, "/usr/include/python3.11", "/usr/lib/pkgconfig")
    (tmp_path / "usr" / "include" / "stdio.h").write_text("")
    side = c_side(ARMHF.resolve(), root, DATA, {})
    assert (
        side.env[f"CFLAGS_{TRIPLE}"] == f"--sysroot={tmp_path} -I{tmp_path}/usr/include/python3.11"
    )
    assert side.env[f"PKG_CONFIG_LIBDIR_{TRIPLE}"] == f"{tmp_path}/usr/lib/pkgconfig"


def test_what_the_user_set_is_theirs(tmp_path: Path) -> None:
    root = _folders(tmp_path, "/usr/include/python3.11")
    # Yocto exports CFLAGS (with its own --sysroot) and PKG_CONFIG_* for the whole recipe.
    side = c_side(
        ARMHF.resolve(),
        root,
        DATA,
        {"CFLAGS": "--sysroot=/recipe-sysroot -O2", "PKG_CONFIG_SYSROOT_DIR": "/recipe-sysroot"},
    )
    assert side == type(side)({}, ())
    only_pkg = c_side(ARMHF.resolve(), root, DATA, {f"PKG_CONFIG_LIBDIR_{TRIPLE}": "/x"})
    assert set(only_pkg.env) == {f"CFLAGS_{TRIPLE}"}
