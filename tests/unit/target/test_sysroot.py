"""Where the target's loader looks, inside a sysroot laid out as Debian, Yocto and musl lay theirs;
symlinks are the target's, re-rooted at the sysroot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maturin_cross.errors import ConfigError
from maturin_cross.target import sysroot
from maturin_cross.target.sysroot import Sysroot


def _write(root: Path, path: str, text: str = "") -> Path:
    file = root / path.lstrip("/")
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file


def test_debian_defaults_multiarch_first(tmp_path: Path) -> None:
    root = Sysroot(tmp_path, "test")
    assert sysroot.library_dirs(root, "arm-linux-gnueabihf", 32, None) == [
        "/lib/arm-linux-gnueabihf",
        "/lib",
        "/usr/lib/arm-linux-gnueabihf",
        "/usr/lib",
    ]
    assert sysroot.library_dirs(root, None, 64, None) == [
        "/lib64",
        "/lib",
        "/usr/lib64",
        "/usr/lib",
    ]


def test_ld_so_conf_and_its_includes_come_first(tmp_path: Path) -> None:
    _write(
        tmp_path, "/etc/ld.so.conf", "# local\ninclude /etc/ld.so.conf.d/*.conf\n/opt/vendor/lib\n"
    )
    _write(tmp_path, "/etc/ld.so.conf.d/b.conf", "/usr/lib/b\n")
    _write(
        tmp_path, "/etc/ld.so.conf.d/a.conf", "/usr/lib/a:/usr/lib/a2  # two\nhwcap 0 nosegneg\n"
    )
    dirs = sysroot.library_dirs(Sysroot(tmp_path, "test"), "aarch64-linux-gnu", 64, None)
    assert dirs[:4] == ["/usr/lib/a", "/usr/lib/a2", "/usr/lib/b", "/opt/vendor/lib"]
    assert dirs[4] == "/lib/aarch64-linux-gnu"


def test_an_include_loop_is_one_line(tmp_path: Path) -> None:
    _write(tmp_path, "/etc/ld.so.conf", "include /etc/ld.so.conf\n")
    with pytest.raises(ConfigError, match=r"ld\.so\.conf includes itself \(an include loop\)"):
        sysroot.library_dirs(Sysroot(tmp_path, "test"), None, 32, None)


def test_musl_path_file_replaces_the_defaults(tmp_path: Path) -> None:
    root = Sysroot(tmp_path, "test")
    assert sysroot.library_dirs(root, None, 64, "aarch64") == ["/lib", "/usr/local/lib", "/usr/lib"]
    _write(tmp_path, "/etc/ld-musl-aarch64.path", "/lib\n/usr/lib:/opt/lib\n")
    assert sysroot.library_dirs(root, None, 64, "aarch64") == ["/lib", "/usr/lib", "/opt/lib"]


def test_absolute_symlinks_resolve_inside_the_sysroot(tmp_path: Path) -> None:
    real = _write(tmp_path, "/lib/powerpc64le-linux-gnu/ld64.so.2", "loader")
    (tmp_path / "lib64").mkdir()
    os.symlink("/lib/powerpc64le-linux-gnu/ld64.so.2", tmp_path / "lib64" / "ld64.so.2")
    os.symlink("../lib", tmp_path / "usrlib")
    root = Sysroot(tmp_path, "test")
    assert root.host_path("/lib64/ld64.so.2") == real
    assert root.host_path("/usrlib/powerpc64le-linux-gnu/ld64.so.2") == real
    # Never the host's file, whatever the link says.
    os.symlink("/etc/passwd", tmp_path / "passwd")
    assert root.host_path("/passwd") == tmp_path / "etc" / "passwd"
    assert not root.host_path("/passwd").exists()


def test_a_symlink_loop_resolves_to_nothing(tmp_path: Path) -> None:
    os.symlink("/b", tmp_path / "a")
    os.symlink("/a", tmp_path / "b")
    assert not Sysroot(tmp_path, "test").host_path("/a/libc.so.6").exists()


def test_inferred_from_the_sysconfigdata_location(tmp_path: Path) -> None:
    data = _write(tmp_path, "/usr/lib/python3.11/_sysconfigdata__arm-linux-gnueabihf.py")
    found = sysroot.inferred_from_sysconfigdata(data, "/usr/lib/python3.11")
    assert found == Sysroot(tmp_path, f"the sysroot of {data}")
    # A file outside a sysroot layout (crossenv's build tree) gives none.
    loose = _write(tmp_path, "/build/_sysconfigdata__linux_arm-linux-gnueabihf.py")
    assert sysroot.inferred_from_sysconfigdata(loose, "/usr/lib/python3.11") is None
    assert sysroot.inferred_from_sysconfigdata(data, None) is None


def test_an_include_tree_is_read_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 6 files on each of 8 levels, each including every file of the next level: 6**8 paths
    # through the tree, 48 files. Each file is read once.
    _write(tmp_path, "/etc/ld.so.conf", "include /etc/l1/*.conf\n")
    for level in range(1, 9):
        for n in range(6):
            below = f"include /etc/l{level + 1}/*.conf\n" if level < 8 else ""
            _write(tmp_path, f"/etc/l{level}/{n}.conf", f"{below}/usr/lib/l{level}\n")
    from maturin_cross.support import files

    reads: list[Path] = []
    real = files.read_regular

    def counted(path: str | Path, limit: int) -> bytes:
        reads.append(Path(path))
        return real(path, limit)

    monkeypatch.setattr(files, "read_regular", counted)
    dirs = sysroot.library_dirs(Sysroot(tmp_path, "test"), None, 32, None)
    assert len(reads) == 1 + 6 * 8
    assert len(set(reads)) == len(reads)
    assert dirs[:8] == [f"/usr/lib/l{level}" for level in range(8, 0, -1)]


def test_an_ld_so_conf_that_is_a_pipe_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    os.mkfifo(tmp_path / "etc" / "ld.so.conf")
    with pytest.raises(ConfigError, match=r"ld\.so\.conf: is not a regular file \(a named pipe\)"):
        sysroot.library_dirs(Sysroot(tmp_path, "test"), None, 32, None)


def test_an_included_pipe_is_one_line(tmp_path: Path) -> None:
    _write(tmp_path, "/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n")
    (tmp_path / "etc" / "ld.so.conf.d").mkdir()
    os.mkfifo(tmp_path / "etc" / "ld.so.conf.d" / "pipe.conf")
    (tmp_path / "etc" / "ld.so.conf.d" / "to-pipe.conf").symlink_to("pipe.conf")
    with pytest.raises(ConfigError, match=r"pipe\.conf: is not a regular file \(a named pipe\)"):
        sysroot.library_dirs(Sysroot(tmp_path, "test"), None, 32, None)


def test_an_ld_so_conf_past_the_ceiling_is_refused_unread(tmp_path: Path) -> None:
    conf = _write(tmp_path, "/etc/ld.so.conf")
    os.truncate(conf, 1536 << 20)  # 1.5 GB, sparse: nothing is written, and nothing read whole
    with pytest.raises(ConfigError, match=r"ld\.so\.conf: is larger than 1048576 bytes"):
        sysroot.library_dirs(Sysroot(tmp_path, "test"), None, 32, None)


def test_an_ld_so_conf_that_links_to_itself_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "ld.so.conf").symlink_to("/etc/ld.so.conf")
    with pytest.raises(ConfigError, match=r"ld\.so\.conf: a symbolic link loop"):
        sysroot.library_dirs(Sysroot(tmp_path, "test"), None, 32, None)


def test_names_no_system_could_hold_are_not_found(tmp_path: Path) -> None:
    root = Sysroot(tmp_path, "test")
    long_name = root.host_path("/usr/lib/lib" + "x" * 300 + ".so")
    long_path = root.host_path("/" + "/".join(["d" * 200] * 30) + "/libc.so.6")
    for path in (long_name, long_path):
        assert not path.exists()
        assert not path.is_file()


def test_a_sysroot_of_slash_reads_the_host_layout(tmp_path: Path) -> None:
    dirs = sysroot.library_dirs(Sysroot(Path("/"), "test"), None, 64, None)
    assert dirs[-1] == "/usr/lib"
    assert all(folder.startswith("/") and not folder.startswith("//") for folder in dirs)
