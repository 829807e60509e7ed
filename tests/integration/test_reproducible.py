"""The same bytes from any folder and user: examples/rpds cross-built for armhf twice, from two
folders of different depth, by root and by another user (``nobody``, through setpriv), each with
its own cargo home, gives byte-identical wheels; and no path of either build is in them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from harness import EXAMPLES, CrossToolchain, clean_environ, cli_command

NOBODY = 65534


def _source(folder: Path) -> Path:
    dest = folder / "rpds"
    shutil.copytree(EXAMPLES / "rpds", dest, ignore=shutil.ignore_patterns("target"))
    return dest


def _env(toolchain: CrossToolchain, home: Path) -> dict[str, str]:
    # Debian's Rust for both (rustc-web, as provisioned): the same compiler, whoever builds.
    path = f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return clean_environ(
        **toolchain.build_env(), PATH=path, HOME=str(home), CARGO_HOME=str(home / "cargo")
    )


def _build(cmd: list[str], env: dict[str, str], prefix: list[str] | None = None) -> None:
    done = subprocess.run(
        [*(prefix or []), *cmd], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_two_folders_two_users_two_cargo_homes_one_wheel(
    armhf: CrossToolchain, tmp_path: Path
) -> None:
    first = tmp_path / "a"
    first.mkdir()
    # The other user's folders are its own; it reads the rest (the sysroot, this interpreter)
    # with the one capability that lets it read what root's folders hold, and writes nothing
    # that is not its own.
    second = tmp_path / "deeper" / "folder" / "b"
    second.mkdir(parents=True)
    for folder in (tmp_path / "deeper", second.parent, second):
        os.chown(folder, NOBODY, NOBODY)
    source_a = _source(first)
    source_b = _source(second)
    for path in [source_b, *source_b.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    out_a, out_b = first / "out", second / "out"

    _build(cli_command("build", source_a, "-o", out_a, "--no-isolation"), _env(armhf, first))
    as_nobody = [
        "setpriv",
        f"--reuid={NOBODY}",
        f"--regid={NOBODY}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
    ]
    _build(
        cli_command("build", source_b, "-o", out_b, "--no-isolation"),
        _env(armhf, second),
        as_nobody,
    )

    (wheel_a,) = out_a.glob("*.whl")
    (wheel_b,) = out_b.glob("*.whl")
    assert wheel_b.stat().st_uid == NOBODY
    assert wheel_a.name == wheel_b.name
    digest_a = hashlib.sha256(wheel_a.read_bytes()).hexdigest()
    digest_b = hashlib.sha256(wheel_b.read_bytes()).hexdigest()
    if digest_a != digest_b:
        with zipfile.ZipFile(wheel_a) as a, zipfile.ZipFile(wheel_b) as b:
            differ = [
                info.filename
                for info in a.infolist()
                if info.filename not in b.namelist() or b.getinfo(info.filename).CRC != info.CRC
            ]
        raise AssertionError(f"the wheels differ: {differ or 'in their zip records'}")
    with zipfile.ZipFile(wheel_a) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            for spelled in (str(tmp_path).encode(), b"/root/", b"/usr/lib/rustlib/src"):
                assert spelled not in data, (name, spelled)
