from __future__ import annotations

from pathlib import Path

import pytest
from sysroots import plan_in, sysroot

from maturin_cross.errors import ConfigError, TargetError
from maturin_cross.pipeline import planning
from maturin_cross.settings.model import Settings
from maturin_cross.target.spec import custom_target_spec
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot


def test_plan_cross_and_native(tmp_path: Path) -> None:
    data = sysroot(tmp_path)
    cross = plan_in(tmp_path, {"sysconfigdata": str(data)})
    assert cross.cross and cross.target.rust_target == "armv7-unknown-linux-gnueabihf"
    native = plan_in(tmp_path, {})
    assert not native.cross and native.sysconfigdata is None


def test_settings_reach_theplan_in(tmp_path: Path) -> None:
    data = sysroot(tmp_path)
    plan = plan_in(tmp_path, {"sysconfigdata": str(data), "platform-tag": "linux-armv8l"})
    assert plan.target.platform_tag == "linux_armv8l"
    assert isinstance(plan.settings, Settings)
    assert str(plan.target.sources["platform_tag"]) == "-C platform-tag"


def test_a_native_build_honours_a_platform_tag(tmp_path: Path) -> None:
    native = plan_in(tmp_path, {"platform-tag": "linux-x86_64_v3"})
    assert not native.cross
    assert native.target.platform_tag == "linux_x86_64_v3"
    assert str(native.target.sources["platform_tag"]) == "-C platform-tag"


@pytest.mark.parametrize(
    "config", [{}, {"sysconfigdata": "SYSCONFIGDATA"}], ids=["native", "cross"]
)
def test_a_bad_platform_tag_is_refused_whatever_the_build(
    tmp_path: Path, config: dict[str, str]
) -> None:
    data = sysroot(tmp_path)
    given = {key: str(data) for key in config}
    with pytest.raises(TargetError) as info:
        plan_in(tmp_path, {**given, "platform-tag": "bogus"})
    message = str(info.value)
    assert "platform tag 'bogus' (from -C platform-tag) is not a linux_<machine> tag" in message
    assert "set platform-tag to linux_<machine>" in message


def test_custom_target_spec_in_rust_target_path(tmp_path: Path) -> None:
    # Yocto writes JSON target specs to ${WORKDIR}/rust-targets/ and exports RUST_TARGET_PATH.
    specs = tmp_path / "rust-targets"
    specs.mkdir()
    (specs / "armv7-poky-linux-gnueabihf.json").write_text(
        '{"llvm-target": "armv7-unknown-linux-gnueabihf", "arch": "arm", "os": "linux"}'
    )
    (specs / "qemux86-custom.json").write_text('{"llvm-target": "i686-unknown-linux-gnu"}')
    environ = {"RUST_TARGET_PATH": str(specs)}
    assert (
        custom_target_spec("armv7-poky-linux-gnueabihf", environ, tmp_path)
        == "armv7-unknown-linux-gnueabihf"
    )
    assert custom_target_spec("armv7-unknown-linux-gnueabihf", environ, tmp_path) is None
    settings = Settings.from_sources({"target": "qemux86-custom"}, environ, None)
    target = planning.aim(settings, environ, tmp_path).target
    assert target.rust_target == "qemux86-custom"
    assert (target.multiarch, target.platform_tag) == ("i386-linux-gnu", "linux_i686")
    data = sysroot(tmp_path)
    settings = Settings.from_sources(
        {"target": "armv7-poky-linux-gnueabihf", "sysconfigdata": str(data)}, environ, None
    )
    target = planning.aim(settings, environ, tmp_path).target
    assert (target.rust_target, target.platform_tag) == (
        "armv7-poky-linux-gnueabihf",
        "linux_armv7l",
    )


def test_sysroot_named_inferred_or_refused(tmp_path: Path) -> None:
    data_file = (
        tmp_path / "root" / "usr" / "lib" / "python3.11" / "_sysconfigdata__arm-linux-gnueabihf.py"
    )
    data_file.parent.mkdir(parents=True)
    data_file.write_text("build_time_vars = {}\n")
    data = SysconfigData.of({"LIBDEST": "/usr/lib/python3.11"}, str(data_file))
    inferred = planning.sysroot_for(Settings(), data, tmp_path)
    assert inferred == Sysroot(tmp_path / "root", f"the sysroot of {data_file}")
    named = Settings.from_sources({"sysroot": "root"}, {}, None)
    assert planning.sysroot_for(named, None, tmp_path) == Sysroot(
        (tmp_path / "root").resolve(), "-C sysroot"
    )
    missing = Settings.from_sources({}, {"MATURIN_CROSS_SYSROOT": "/nonexistent/x"}, None)
    with pytest.raises(
        ConfigError,
        match=r"^sysroot /nonexistent/x \(from MATURIN_CROSS_SYSROOT\) is not a folder; name the target's root",
    ):
        planning.sysroot_for(missing, data, tmp_path)
    assert planning.sysroot_for(Settings(), None, tmp_path) is None
