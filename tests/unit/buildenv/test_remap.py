"""The same bytes from any folder: this machine's folders remapped through rustflags merged with
the user's (from wherever cargo would take them), and a fixed zip time. The real builds in two
folders by two users are tests/integration/test_reproducible.py."""

from __future__ import annotations

from pathlib import Path

from maturin_cross.buildenv import remap
from maturin_cross.buildenv.remap import SEPARATOR, Folders

ARMV7 = "armv7-unknown-linux-gnueabihf"
FOLDERS = Folders(Path("/h/.cargo"), Path("/rust"))
OURS = ["--remap-path-prefix=/rust=/rustc/sysroot", "--remap-path-prefix=/h/.cargo=/cargo"]


def _flags(env: dict[str, str] | remap.Reproducible) -> list[str]:
    mapping = env.env if isinstance(env, remap.Reproducible) else env
    return mapping["CARGO_ENCODED_RUSTFLAGS"].split(SEPARATOR)


def test_with_nothing_set_our_flags_and_the_fixed_time() -> None:
    done = remap.setup(ARMV7, FOLDERS, {}, [])
    assert _flags(done) == OURS
    assert done.env["SOURCE_DATE_EPOCH"] == "315532800"
    assert done.notes == ()


def test_the_users_time_is_kept() -> None:
    done = remap.setup(ARMV7, FOLDERS, {"SOURCE_DATE_EPOCH": "1700000000"}, [])
    assert "SOURCE_DATE_EPOCH" not in done.env


def test_a_folder_not_known_is_not_remapped() -> None:
    folders = Folders(Path("/h/.cargo"))
    assert remap.remap_flags(folders) == ["--remap-path-prefix=/h/.cargo=/cargo"]


def test_the_users_flags_come_after_ours_from_each_place_cargo_reads() -> None:
    for environ, expected in [
        (
            {"CARGO_ENCODED_RUSTFLAGS": f"-Copt-level=s{SEPARATOR}--cfg=a b"},
            ["-Copt-level=s", "--cfg=a b"],
        ),
        ({"RUSTFLAGS": " -C  target-cpu=cortex-a7 "}, ["-C", "target-cpu=cortex-a7"]),
        (
            {"CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_RUSTFLAGS": "-Cdebuginfo=1"},
            ["-Cdebuginfo=1"],
        ),
        ({"CARGO_BUILD_RUSTFLAGS": "--cfg x"}, ["--cfg", "x"]),
        ({"CARGO_ENCODED_RUSTFLAGS": ""}, []),
    ]:
        assert _flags(remap.setup(ARMV7, FOLDERS, environ, [])) == OURS + expected


def test_rustflags_of_a_configuration_file_are_kept(tmp_path: Path) -> None:
    project = tmp_path / ".cargo" / "config.toml"
    home = tmp_path / "home" / "config.toml"
    configs: list[remap.CargoConfig] = [
        (project, {"target": {ARMV7: {"rustflags": ["-Ctarget-cpu=cortex-a7"]}}}),
        (
            home,
            {
                "build": {"rustflags": "--cfg home"},
                "target": {"x86_64-unknown-linux-gnu": {"rustflags": ["-Cx"]}},
            },
        ),
    ]
    # The target's table wins over build.rustflags, as in cargo.
    assert _flags(remap.setup(ARMV7, FOLDERS, {}, configs)) == [
        *OURS,
        "-Ctarget-cpu=cortex-a7",
    ]
    # build.rustflags when no target table sets any; RUSTFLAGS over both.
    assert _flags(remap.setup(ARMV7, FOLDERS, {}, configs[1:])) == [*OURS, "--cfg", "home"]
    environ = {"RUSTFLAGS": "-Cz"}
    assert _flags(remap.setup(ARMV7, FOLDERS, environ, configs)) == [*OURS, "-Cz"]


def test_flags_that_cannot_be_merged_are_left_alone_with_a_note(tmp_path: Path) -> None:
    cfg = (tmp_path / "config.toml", {"target": {"cfg(unix)": {"rustflags": ["-Cx"]}}})
    unreadable: remap.CargoConfig = (tmp_path / "bad.toml", None)
    for configs in ([cfg], [unreadable]):
        done = remap.setup(ARMV7, FOLDERS, {}, configs)
        assert "CARGO_ENCODED_RUSTFLAGS" not in done.env
        assert done.env["SOURCE_DATE_EPOCH"] == "315532800"
        (note,) = done.notes
        assert "not remapped" in note
