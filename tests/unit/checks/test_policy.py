"""Publishing policies from auditwheel's own data, checked on real binaries: the linkage fixtures
and Debian armhf's own extension modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import FIXTURES, CrossToolchain

from maturin_cross.checks import linkage, policy
from maturin_cross.errors import WheelError
from maturin_cross.target.sysroot import Sysroot

HERE = FIXTURES / "linkage"


def _binary(
    path: Path, member: str, root: Sysroot | None = None
) -> tuple[linkage.Report, linkage.Dynamic]:
    with path.open("rb") as stream:
        dynamic = linkage.read_dynamic(stream, member)
    dirs = ["/lib/arm-linux-gnueabihf", "/usr/lib/arm-linux-gnueabihf", "/lib", "/usr/lib"]

    return linkage.check(member, dynamic, sysroot=root, library_dirs=dirs, in_wheel={}), dynamic


def test_policies_are_auditwheels() -> None:
    found = policy.policy_for_tag("manylinux_2_17_armv7l")
    assert found is not None
    rule, arch = found
    assert (rule.name, arch) == ("manylinux_2_17", "armv7l")
    assert "libc.so.6" in rule.lib_whitelist
    assert "2.17" in rule.symbol_versions["armv7l"]["GLIBC"]
    assert policy.policy_for_tag("manylinux2014_aarch64") is not None
    assert policy.policy_for_tag("musllinux_1_2_aarch64") is not None
    assert policy.policy_for_tag("linux_armv7l") is None


def test_an_unknown_policy_is_one_line() -> None:
    with pytest.raises(
        WheelError, match="names manylinux_2_1, which auditwheel's policies do not define"
    ):
        policy.policy_for_tag("manylinux_2_1_armv7l")


def test_a_too_new_glibc_breaks_the_tag() -> None:
    binary = _binary(HERE / "armhf" / "needs-glibc-2.38.so", "pkg/_core.so")
    assert policy.check([binary], "manylinux_2_17_armv7l") == [
        "pkg/_core.so needs GLIBC_2.38 from libc.so.6, newer than manylinux_2_17 allows on armv7l "
        "(GLIBC_2.17 at most); build against an older C library or tag the wheel for a newer policy"
    ]
    assert policy.check([binary], "linux_armv7l") == []


def test_a_library_outside_the_whitelist_must_be_bundled() -> None:
    binary = _binary(HERE / "armhf" / "needs-libssl.so", "pkg/_ssl.so")
    assert policy.check([binary], "manylinux_2_28_armv7l") == [
        "pkg/_ssl.so needs libssl.so.3, which manylinux_2_28 does not allow a wheel to need; bundle "
        "it (auditwheel repair) or tag the wheel linux_armv7l (--compatibility off)"
    ]


def test_a_bundled_library_is_allowed() -> None:
    core = HERE / "pkg" / "pkg" / "_core.cpython-311-arm-linux-gnueabihf.so"
    with core.open("rb") as stream:
        dynamic = linkage.read_dynamic(stream, "pkg/_core.so")

    libs = HERE / "pkg" / "pkg.libs"
    with (libs / "libbundled-1a2b3c4d.so.1").open("rb") as stream:
        bundled = linkage.read_dynamic(stream, "libbundled")
    report = linkage.check(
        "pkg/_core.so",
        dynamic,
        sysroot=None,
        library_dirs=[],
        in_wheel={"pkg.libs/libbundled-1a2b3c4d.so.1": bundled},
    )
    assert report.found == (
        linkage.Found("libbundled-1a2b3c4d.so.1", "wheel:pkg.libs/libbundled-1a2b3c4d.so.1"),
    )
    assert policy.check([(report, dynamic)], "manylinux_2_17_armv7l") == []


def test_debian_armhf_modules_against_manylinux(armhf: CrossToolchain) -> None:
    # Debian bookworm's own _ssl module links the system OpenSSL: fine for a linux_armv7l wheel,
    # but a manylinux wheel may not need libraries outside the policy's whitelist.
    root = Sysroot(armhf.sysroot, "test")
    module = next((armhf.sysroot / "usr" / "lib" / "python3.11" / "lib-dynload").glob("_ssl.*.so"))
    binary = _binary(module, module.name, root)
    assert policy.check([binary], "manylinux_2_36_armv7l") == [
        f"{module.name} needs {lib}, which manylinux_2_36 does not allow a wheel to need; bundle it "
        f"(auditwheel repair) or tag the wheel linux_armv7l (--compatibility off)"
        for lib in ("libssl.so.3", "libcrypto.so.3")
    ]


def test_one_policy_under_two_names_is_checked_once() -> None:
    # PyPI's armv7l wheels carry manylinux_2_17_armv7l.manylinux2014_armv7l: one promise.
    binary = _binary(HERE / "armhf" / "needs-libssl.so", "pkg/_ssl.so")
    problems = policy.check_tags([binary], ["manylinux2014_armv7l", "manylinux_2_17_armv7l"])
    assert problems == [
        "pkg/_ssl.so needs libssl.so.3, which manylinux_2_17 does not allow a wheel to need; "
        "bundle it (auditwheel repair) or tag the wheel linux_armv7l (--compatibility off)"
    ]


@pytest.mark.parametrize(
    ("library", "loader"),
    [
        ("ld-linux-armhf.so.3", True),
        ("ld-linux-aarch64.so.1", True),
        ("ld64.so.2", True),
        ("ld-musl-armhf.so.1", True),
        ("libld.so.1", False),
        ("ld.so.conf", False),
    ],
)
def test_the_loader_is_told_apart(library: str, loader: bool) -> None:
    assert policy.is_loader(library) is loader


def test_a_library_that_needs_the_loader_meets_manylinux(armhf: CrossToolchain) -> None:
    # Debian armhf's libffi needs ld-linux-armhf.so.3 (as Rust modules built for armv7 do, for
    # __tls_get_addr): auditwheel never counts the loader, and neither do we.
    root = Sysroot(armhf.sysroot, "test")
    library = armhf.sysroot / "usr" / "lib" / "arm-linux-gnueabihf" / "libffi.so.8"
    binary = _binary(library, "pkg/libffi.so.8", root)
    assert "ld-linux-armhf.so.3" in binary[1].needed
    assert policy.check_tags([binary], ["manylinux_2_36_armv7l"]) == []
