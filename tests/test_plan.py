from __future__ import annotations

from pathlib import Path

from sysroots import plan_in, sysroot

from maturin_cross import _plan
from maturin_cross.settings import Settings
from maturin_cross.target_spec import custom_target_spec


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
    assert plan.target.sources["platform_tag"] == "-C platform-tag"


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
    target = _plan.target_for(settings, environ, tmp_path)[0]
    assert target.rust_target == "qemux86-custom"
    assert (target.multiarch, target.platform_tag) == ("i386-linux-gnu", "linux_i686")
    data = sysroot(tmp_path)
    settings = Settings.from_sources(
        {"target": "armv7-poky-linux-gnueabihf", "sysconfigdata": str(data)}, environ, None
    )
    target = _plan.target_for(settings, environ, tmp_path)[0]
    assert (target.rust_target, target.platform_tag) == (
        "armv7-poky-linux-gnueabihf",
        "linux_armv7l",
    )
