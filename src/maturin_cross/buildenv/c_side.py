"""What the C side of a cross build is told when the target's sysroot is known.

Real packages compile C (the cc crate, cffi, bindgen) and link libraries from the sysroot; their
build scripts read ``CFLAGS_<triple>`` (the cc crate) and pkg-config. Unless the user set them,
maturin-cross gives them the sysroot: the target Python's include folders, the sysroot's headers
after the compiler's own (``-idirafter``) or, for a sysroot with its own C library headers,
``--sysroot``; and pkg-config searching the sysroot. Pure: reads the sysroot only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from maturin_cross.target.resolve import Target
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot


@dataclass(frozen=True)
class CSide:
    env: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _cflags_names(triple: str) -> tuple[str, ...]:
    """Every variable the cc crate reads the target's C flags from, most specific first."""
    return (f"CFLAGS_{triple}", f"CFLAGS_{triple.replace('-', '_')}", "TARGET_CFLAGS", "CFLAGS")


def c_side(
    target: Target, sysroot: Sysroot, data: SysconfigData | None, environ: Mapping[str, str]
) -> CSide:
    env: dict[str, str] = {}
    notes: list[str] = []
    multiarch = target.multiarch or None
    if not any(name in environ for name in _cflags_names(target.rust_target)):
        flags: list[str] = []
        complete = sysroot.host_path("/usr/include/stdio.h").is_file()
        if complete:
            flags.append(f"--sysroot={sysroot.root}")
        include = data.get_str("INCLUDEPY") if data is not None else None
        python_dirs = [include] if include and include.startswith("/") else []
        if include and multiarch:
            name = include.rstrip("/").rsplit("/", 1)[-1]
            python_dirs.append(f"/usr/include/{multiarch}/{name}")
        for folder in python_dirs:
            if sysroot.host_path(folder).is_dir():
                flags.append(f"-I{sysroot.host_path(folder)}")
        if not complete:
            for folder in ([f"/usr/include/{multiarch}"] if multiarch else []) + ["/usr/include"]:
                if sysroot.host_path(folder).is_dir():
                    flags.append(f"-idirafter{sysroot.host_path(folder)}")
        if flags:
            key = f"CFLAGS_{target.rust_target.replace('-', '_')}"
            env[key] = " ".join(flags)
            notes.append(f"C code for the target is compiled with the sysroot's headers ({key})")
    # The pkg-config crate reads NAME_<triple> before NAME: the target's variables leave the
    # build scripts' own (host) look-ups alone.
    suffix = target.rust_target.replace("-", "_")
    given = [
        name
        for base in ("PKG_CONFIG_SYSROOT_DIR", "PKG_CONFIG_LIBDIR", "PKG_CONFIG_PATH")
        for name in (f"{base}_{target.rust_target}", f"{base}_{suffix}", f"TARGET_{base}", base)
    ]
    if not any(name in environ for name in given):
        folders = [f"/usr/lib/{multiarch}/pkgconfig"] if multiarch else []
        folders += ["/usr/lib/pkgconfig", "/usr/share/pkgconfig"]
        found = [str(sysroot.host_path(f)) for f in folders if sysroot.host_path(f).is_dir()]
        env[f"PKG_CONFIG_SYSROOT_DIR_{suffix}"] = str(sysroot.root)
        # Even with none found: pkg-config must not answer with the host's libraries.
        env[f"PKG_CONFIG_LIBDIR_{suffix}"] = ":".join(found) or str(
            sysroot.root / "usr" / "lib" / "pkgconfig"
        )
        if not any(
            n in environ for n in ("PKG_CONFIG_ALLOW_CROSS", f"PKG_CONFIG_ALLOW_CROSS_{suffix}")
        ):
            env[f"PKG_CONFIG_ALLOW_CROSS_{suffix}"] = "1"
        notes.append(f"pkg-config looks for the target's libraries in {sysroot.root}")
    return CSide(env, tuple(notes))
