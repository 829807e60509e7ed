"""buildenv/debian_root.py: a root made from real Debian packages (tiny ones built here with
dpkg-deb, already in the request's cache, so no network is needed), whole or not at all."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from maturin_cross.buildenv import debian_root
from maturin_cross.errors import BuildError, OutputError, UsageError
from maturin_cross.support import atomic
from maturin_cross.target import debian

NOWHERE = ("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
           "http://127.0.0.1:9/debian trixie main",)  # fmt: skip
"""A source no run here can reach: a test that gets past the cache would fail."""

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")


def _deb(folder: Path, name: str, files: dict[str, str], links: dict[str, str]) -> str:
    """A real Debian package ``name`` holding ``files`` and symbolic ``links``; its file name."""
    tree = folder / f"{name}.tree"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1:1.0-1\nArchitecture: arm64\nMaintainer: t <t@localhost>\n"
        f"Description: a test package\n"
    )
    for path, text in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
    for path, target in links.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, tree / path)
    file_name = f"{name}_1%3a1.0-1_arm64.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-b", str(tree), str(folder / file_name)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(tree)
    return file_name


def _cached_request(cache: Path) -> debian.Request:
    """A trixie/arm64 request whose packages are already in ``cache``: two tiny real ones, one
    with an absolute link and files under usr/ alone (as trixie's are)."""
    request = debian.parse("debian:trixie/arm64", None, [], NOWHERE)
    archives = cache / request.key(NOWHERE) / "cache" / "archives"
    archives.mkdir(parents=True)
    names = [
        _deb(
            archives,
            "libc6",
            {"usr/lib/ld-linux-aarch64.so.1": "loader", "usr/lib/aarch64-linux-gnu/libc.so.6": "c"},
            {"usr/lib/aarch64-linux-gnu/ld.so": "/usr/lib/ld-linux-aarch64.so.1"},
        ),
        _deb(
            archives,
            "libpython3.13-stdlib",
            {"usr/lib/python3.13/_sysconfigdata__aarch64-linux-gnu.py": "build_time_vars = {}\n"},
            {},
        ),
    ]
    (archives.parent.parent / "resolved").write_text("\n".join(names) + "\n")
    return request


def test_a_root_made_from_the_cache_without_network(tmp_path: Path) -> None:
    request = _cached_request(tmp_path / "cache")
    made = debian_root.make(request, tmp_path / "root", tmp_path / "cache", NOWHERE)
    root = tmp_path / "root"
    assert (made.root, made.packages, made.reused) == (root, 2, False)
    assert made.sysconfigdata == root / "usr/lib/python3.13/_sysconfigdata__aarch64-linux-gnu.py"
    link = root / "usr/lib/aarch64-linux-gnu/ld.so"
    assert os.readlink(link) == "../ld-linux-aarch64.so.1"
    assert link.read_text() == "loader"
    assert os.readlink(root / "lib") == "usr/lib"  # merged /usr: the loader's path resolves
    assert (root / "lib/ld-linux-aarch64.so.1").read_text() == "loader"
    assert sorted(os.listdir(tmp_path)) == ["cache", "root"]  # no staging folder left
    again = debian_root.make(request, root, tmp_path / "cache", NOWHERE)
    assert (again.reused, again.packages, again.sysconfigdata) == (True, 2, made.sysconfigdata)


def test_an_empty_folder_is_made_a_root(tmp_path: Path) -> None:
    request = _cached_request(tmp_path / "cache")
    (tmp_path / "root").mkdir()
    debian_root.make(request, tmp_path / "root", tmp_path / "cache", NOWHERE)
    assert (tmp_path / "root" / debian_root.MARK).is_file()


@pytest.mark.parametrize("kind", ["file", "foreign folder", "other request", "link"])
def test_a_destination_that_is_not_this_requests_root_is_refused(tmp_path: Path, kind: str) -> None:
    request = _cached_request(tmp_path / "cache")
    dest = tmp_path / "root"
    if kind == "file":
        dest.write_text("mine")
    elif kind == "link":
        dest.symlink_to(tmp_path)
    else:
        dest.mkdir()
        (dest / ("notes.txt" if kind == "foreign folder" else debian_root.MARK)).write_text(
            "mine\n"
        )
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(OutputError) as raised:
        debian_root.make(request, dest, tmp_path / "cache", NOWHERE)
    assert "\n" not in str(raised.value) and repr(str(dest)) in str(raised.value)
    assert sorted(os.listdir(tmp_path)) == before


def test_a_broken_package_leaves_nothing(tmp_path: Path) -> None:
    request = _cached_request(tmp_path / "cache")
    archives = tmp_path / "cache" / request.key(NOWHERE) / "cache" / "archives"
    broken = next(archives.glob("libpython*.deb"))
    broken.write_bytes(broken.read_bytes()[:200])
    with pytest.raises(BuildError, match=r"dpkg-deb cannot unpack libpython3\.13-stdlib"):
        debian_root.make(request, tmp_path / "root", tmp_path / "cache", NOWHERE)
    assert sorted(os.listdir(tmp_path)) == ["cache"]


def test_what_a_killed_run_left_is_removed_and_nothing_else(tmp_path: Path) -> None:
    request = _cached_request(tmp_path / "cache")
    # A killed run's staging folder: made and sealed by the tool, its lock gone with the run.
    dead, fd = atomic._make_staging_folder(tmp_path)
    (dead / "usr").mkdir()
    os.close(fd)
    # Look-alikes the tool did not make: a name like its own, and another of the user's.
    (tmp_path / ".maturin-cross-0123456789abcdef.tmp" / "usr").mkdir(parents=True)
    (tmp_path / ".maturin-cross-mine").mkdir()
    debian_root.make(request, tmp_path / "root", tmp_path / "cache", NOWHERE)
    assert sorted(os.listdir(tmp_path)) == [
        ".maturin-cross-0123456789abcdef.tmp",
        ".maturin-cross-mine",
        "cache",
        "root",
    ]


def test_absolute_links_made_relative_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "lib64").mkdir()
    (tmp_path / "lib64" / "ld64.so.2").symlink_to("/lib/powerpc64le-linux-gnu/ld64.so.2")
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "bin" / "python3").symlink_to("python3.11")
    (tmp_path / "usr" / "escape").symlink_to("/../../etc/passwd")
    assert debian_root.relative_links(tmp_path) == 2
    assert os.readlink(tmp_path / "lib64" / "ld64.so.2") == "../lib/powerpc64le-linux-gnu/ld64.so.2"
    assert os.readlink(tmp_path / "usr" / "bin" / "python3") == "python3.11"
    assert os.readlink(tmp_path / "usr" / "escape") == "../etc/passwd"  # stays inside


def test_no_source_said_in_one_line() -> None:
    request = debian.parse("debian:trixie/arm64", None, [], [])
    with pytest.raises(UsageError, match="pass --source 'deb \\[signed-by="):
        debian_root.check_sources(request, ())


def test_host_sources_read_from_both_forms(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("deb http://127.0.0.1:9/debian bookworm main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://127.0.0.1:9/debian-security\nSuites: bookworm-security\n"
        "Components: main\n"
    )
    (tmp_path / "sources.list.d" / "off.list.disabled").write_text("deb http://x/ y main\n")
    found = debian_root.host_sources(tmp_path)
    assert [(s.uri, s.suites) for s in found] == [
        ("http://127.0.0.1:9/debian", ("bookworm",)),
        ("http://127.0.0.1:9/debian-security", ("bookworm-security",)),
    ]


def test_default_cache_follows_xdg() -> None:
    assert debian_root.default_cache({"XDG_CACHE_HOME": "/c"}) == Path("/c/maturin-cross/sysroot")
    assert debian_root.default_cache({"HOME": "/h"}) == Path("/h/.cache/maturin-cross/sysroot")
