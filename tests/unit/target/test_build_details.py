"""PEP 739 build-details.json as a target source, and cross-checked against sysconfigdata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from origins import said

from maturin_cross.errors import ConfigError
from maturin_cross.pipeline import planning
from maturin_cross.settings.model import Settings
from maturin_cross.target.resolve import Target
from maturin_cross.target.build_details import disagreements, read_target_file
from maturin_cross.target.build_details import parse as parse_build_details


def _details(
    folder: Path, *, suffix: str, platform: str = "linux-aarch64", flags: list[str] | None = None
) -> Path:
    path = folder / "build-details.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": "1.0",
                "platform": platform,
                "language": {"version": "3.14"},
                "implementation": {"name": "cpython"},
                # On cross builds abi.flags is unreliable (python/cpython#136267): left wrong on purpose.
                "abi": {"flags": flags or [], "extension_suffix": suffix},
            }
        )
    )
    return path


def _target(folder: Path, config: dict[str, str], environ: dict[str, str] | None = None) -> Target:
    settings = Settings.from_sources(config, environ or {}, None)
    return planning.aim(settings, environ or {}, folder).target


def test_a_build_details_file_alone_names_the_target(tmp_path: Path) -> None:
    path = _details(tmp_path, suffix=".cpython-314t-aarch64-linux-gnu.so")
    target = _target(tmp_path, {"sysconfigdata": str(path)})
    assert target.rust_target == "aarch64-unknown-linux-gnu"
    assert target.expected_ext_suffix == ".cpython-314t-aarch64-linux-gnu.so"
    assert target.python is not None and target.python.abi_tag == "cp314t"
    assert target.platform_tag == "linux_aarch64"
    assert str(target.sources["platform_tag"]) == "platform of build-details.json"


def test_platform_precedence(tmp_path: Path) -> None:
    path = _details(tmp_path, suffix=".cpython-314-arm-linux-gnueabihf.so", platform="linux-armv6l")
    assert _target(tmp_path, {"sysconfigdata": str(path)}).platform_tag == "linux_armv6l"
    host = _target(
        tmp_path, {"sysconfigdata": str(path)}, {"_PYTHON_HOST_PLATFORM": "linux-armv7l"}
    )
    assert host.platform_tag == "linux_armv7l"
    explicit = _target(tmp_path, {"sysconfigdata": str(path), "platform-tag": "linux_armv7l"})
    assert explicit.platform_tag == "linux_armv7l"
    generic = _details(tmp_path, suffix=".cpython-314-arm-linux-gnueabihf.so", platform="linux-arm")
    refined = _target(tmp_path, {"sysconfigdata": str(generic)})
    assert refined.platform_tag == "linux_armv7l"
    assert any("build-details.json platform=linux-arm" in note for note in refined.notes)


def test_beside_a_sysconfigdata_disagreements_are_said_and_the_sysconfigdata_kept(
    tmp_path: Path,
) -> None:
    data = tmp_path / "_sysconfigdata__linux_aarch64-linux-gnu.py"
    data.write_text(
        "build_time_vars = {'VERSION': '3.14', 'ABIFLAGS': '', 'MULTIARCH': 'aarch64-linux-gnu',\n"
        " 'EXT_SUFFIX': '.cpython-314-aarch64-linux-gnu.so', 'SIZEOF_VOID_P': 8}\n"
    )
    _details(tmp_path, suffix=".cpython-314-x86_64-linux-gnu.so", flags=["t"])
    target = _target(tmp_path, {"sysconfigdata": str(data)})
    assert target.expected_ext_suffix == ".cpython-314-aarch64-linux-gnu.so"
    assert target.python is not None and target.python.abi_tag == "cp314"
    suffix, flags = [n for n in target.notes if "build-details.json" in n]
    assert "abi.extension_suffix says '.cpython-314-x86_64-linux-gnu.so'" in suffix
    assert f"but {data} says EXT_SUFFIX '.cpython-314-aarch64-linux-gnu.so'" in suffix
    assert "abi.flags says 't'" in flags and "says ABIFLAGS ''" in flags
    assert all("using the sysconfigdata's" in note for note in (suffix, flags))


def test_agreeing_files_say_nothing(tmp_path: Path) -> None:
    data = tmp_path / "_sysconfigdata__linux_aarch64-linux-gnu.py"
    data.write_text(
        "build_time_vars = {'VERSION': '3.14', 'EXT_SUFFIX': '.cpython-314-aarch64-linux-gnu.so'}\n"
    )
    _details(tmp_path, suffix=".cpython-314-aarch64-linux-gnu.so")
    sysconfig, details = read_target_file(data, said("test"))
    assert details is not None
    assert disagreements(sysconfig, details) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"schema_version": "1.0", "language": {"version": "3.14"}}', "neither abi.extension_"),
        ('{"schema_version": "1.0", "abi": {"extension_suffix": ".so"}}', "no language.version"),
        ('{"language": {"version": "3.14"}}', "schema_version missing is not PEP 739's 1.x"),
        ('{"schema_version": "2.0"}', "schema_version '2.0' is not PEP 739's 1.x"),
        ("[]", "a JSON list, not an object"),
    ],
)
def test_bad_build_details(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "build-details.json"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        parse_build_details(path, said("-C sysconfigdata"))
    assert str(path) in str(info.value) and message in str(info.value)


def _file(folder: Path, text: str) -> Path:
    path = folder / "build-details.json"
    path.write_text(text)
    return path


GOOD = {
    "schema_version": "1.0",
    "platform": "linux-aarch64",
    "language": {"version": "3.14"},
    "implementation": {"name": "cpython"},
    "abi": {"flags": [], "extension_suffix": ".cpython-314-aarch64-linux-gnu.so"},
}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "not valid JSON"),
        ('{"a": ' + "9" * 5000 + "}", "not valid JSON"),
        ('{"a": ' + "{" * 100_000, "not valid JSON"),
        (json.dumps(GOOD) + " " * (1 << 20), "larger than 256 KiB"),
        (
            '{"language": {"version": "3.14"}, "abi": {"extension_suffix": '
            '".cpython-314-aarch64-linux-gnu.so", "extension_suffix": '
            '".cpython-314-x86_64-linux-gnu.so"}}',
            "'extension_suffix' twice in one object",
        ),
    ],
    ids=["deep", "huge-number", "deep-unclosed", "large", "duplicate-key"],
)
def test_hostile_files_are_one_line(tmp_path: Path, text: str, says: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        parse_build_details(path, said("-C sysconfigdata"))
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    assert message.startswith(f"{path}: ") and says in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("abi.extension_suffix", ".cpython-314/aarch64-linux-gnu.so"),
        ("abi.extension_suffix", ".cpython-314-aarch64-linux-gnu\x00.so"),
        ("abi.extension_suffix", "." + "x" * 100_000 + ".so"),
        ("language.version", "3.14\n"),
        ("language.version", "3." + "1" * 5000),
        ("platform", "linux-aarch64/../x"),
        ("platform", "linux-aarch64\n"),
    ],
    ids=["slash", "nul", "long", "newline", "digits", "platform-slash", "platform-newline"],
)
def test_a_value_that_is_no_name_is_refused(tmp_path: Path, key: str, value: str) -> None:
    data = json.loads(json.dumps(GOOD))
    *parents, last = key.split(".")
    parent = data
    for name in parents:
        parent = parent[name]
    parent[last] = value
    path = _file(tmp_path, json.dumps(data))
    with pytest.raises(ConfigError) as info:
        parse_build_details(path, said("-C sysconfigdata"))
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    assert message.startswith(f"{path}: {key}=")
    assert " is not " in message


def test_version_and_suffix_that_contradict(tmp_path: Path) -> None:
    data = {**GOOD, "language": {"version": "3.13"}}
    path = _file(tmp_path, json.dumps(data))
    with pytest.raises(ConfigError) as info:
        parse_build_details(path, said("test"))
    assert str(info.value).startswith(
        f"{path}: abi.extension_suffix '.cpython-314-aarch64-linux-gnu.so' is for Python 3.14 "
        f"(314), but language.version is '3.13'"
    )
