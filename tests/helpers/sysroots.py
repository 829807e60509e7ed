"""A target sysroot with an armhf sysconfigdata and libpython, and a project planned against it:
what the pipeline's test modules build on."""

from __future__ import annotations

from pathlib import Path

from maturin_cross.pipeline import planning

ARMHF = {
    "VERSION": "3.11",
    "ABIFLAGS": "",
    "EXT_SUFFIX": ".cpython-311-arm-linux-gnueabihf.so",
    "MULTIARCH": "arm-linux-gnueabihf",
    "HOST_GNU_TYPE": "armv8l-unknown-linux-gnueabihf",
    "SIZEOF_VOID_P": 4,
    "LIBDIR": "/usr/lib/arm-linux-gnueabihf",
    "LIBDEST": "/usr/lib/python3.11",
    "LDLIBRARY": "libpython3.11.so",
    "LDVERSION": "3.11",
    "Py_ENABLE_SHARED": 1,
}


def sysroot(tmp_path: Path) -> Path:
    data = (
        tmp_path
        / "sysroot"
        / "usr"
        / "lib"
        / "python3.11"
        / "_sysconfigdata__arm-linux-gnueabihf.py"
    )
    data.parent.mkdir(parents=True)
    data.write_text(f"build_time_vars = {ARMHF!r}\n")
    libdir = tmp_path / "sysroot" / "usr" / "lib" / "arm-linux-gnueabihf"
    libdir.mkdir()
    (libdir / "libpython3.11.so").write_bytes(b"")
    return data


def plan_in(
    tmp_path: Path, config: dict[str, str], environ: dict[str, str] | None = None
) -> planning.Build:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    return planning.plan(tmp_path, config, environ or {})
