"""The PEP 517 hooks as a frontend calls them, on bad input: each gives one
``maturin-cross: error:`` line, a non-zero exit, and leaves nothing in the output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import clear_target_environ

import maturin_cross

GOOD = """build_time_vars = {'ABIFLAGS': '',
 'EXT_SUFFIX': '.cpython-311-arm-linux-gnueabihf.so',
 'HOST_GNU_TYPE': 'armv8l-unknown-linux-gnueabihf',
 'MULTIARCH': 'arm-linux-gnueabihf',
 'SIZEOF_VOID_P': 4,
 'SOABI': 'cpython-311-arm-linux-gnueabihf',
 'VERSION': '3.11'}
"""


@pytest.fixture
def project(rpds_source: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(rpds_source)
    clear_target_environ(monkeypatch)
    return rpds_source


def test_the_environment_is_cleared_of_what_names_a_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_PYTHON_HOST_PLATFORM", "linux-armv7l")
    monkeypatch.setenv("MATURIN_PEP517_ARGS", "--target armv7-unknown-linux-gnueabihf")
    monkeypatch.setenv("MATURIN_CROSS_TARGET", "armv7-unknown-linux-gnueabihf")
    clear_target_environ(monkeypatch)
    assert not {"_PYTHON_HOST_PLATFORM", "MATURIN_PEP517_ARGS", "MATURIN_CROSS_TARGET"} & set(
        os.environ
    )


def _fails(
    capsys: pytest.CaptureFixture[str],
    out: Path,
    config: dict[str, str] | None = None,
    editable: bool = False,
) -> str:
    hook = maturin_cross.build_editable if editable else maturin_cross.build_wheel
    with pytest.raises(SystemExit) as info:
        hook(str(out), config)
    assert info.value.code != 0
    assert not out.exists() or list(out.iterdir()) == []
    lines = [
        line
        for line in capsys.readouterr().err.splitlines()
        if line.startswith("maturin-cross: error:")
    ]
    assert len(lines) == 1, lines
    return lines[0]


def test_sysconfigdata_that_would_run_code_is_never_run(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "it-ran"
    evil = tmp_path / "_sysconfigdata__evil.py"
    evil.write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
        f"build_time_vars = dict(VERSION='3.11', EXT_SUFFIX=pathlib.Path({str(marker)!r}).write_text('x'))\n"
    )
    line = _fails(capsys, tmp_path / "out", {"sysconfigdata": str(evil)})
    assert f"{evil}:3: build_time_vars is not a plain literal" in line
    assert "never executes" in line
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("build_time_vars = {'VERSION': '3.11'}\n", "build_time_vars has no EXT_SUFFIX"),
        ("build_time_vars = {'VERSION': '3.11',\n", "not a Python file that can be parsed"),
        ("x = 1\n", "no top-level 'build_time_vars = {...}' assignment"),
        (
            # A vendor's triplet, the same in MULTIARCH, SOABI and EXT_SUFFIX (a file whose
            # values disagree is refused before its multiarch is looked at).
            GOOD.replace("arm-linux-gnueabihf", "arm-linux-foo"),
            "'arm-linux-foo' is not a CPython Linux multiarch",
        ),
    ],
    ids=["missing-key", "unparsable", "no-assignment", "unknown-multiarch"],
)
def test_bad_sysconfigdata(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "_sysconfigdata__x.py"
    path.write_text(text)
    line = _fails(capsys, tmp_path / "out", {"sysconfigdata": str(path)})
    assert message in line
    assert str(path) in line


def test_missing_sysconfigdata(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _fails(capsys, tmp_path / "out", {"sysconfigdata": str(tmp_path / "nope.py")})
    assert line == (
        f"maturin-cross: error: sysconfigdata {tmp_path / 'nope.py'} (from -C sysconfigdata) does not "
        "exist; point it at the target's _sysconfigdata_*.py (in the sysroot's usr/lib/python3.X/)"
    )


def test_two_candidates_are_named_with_how_to_choose(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lib = tmp_path / "sysroot" / "usr" / "lib"
    for version in ("3.11", "3.12"):
        folder = lib / f"python{version}"
        folder.mkdir(parents=True)
        (folder / "_sysconfigdata__linux_arm-linux-gnueabihf.py").write_text(
            GOOD.replace("3.11", version)
        )
    monkeypatch.setenv("PYO3_CROSS_LIB_DIR", str(lib))
    line = _fails(capsys, tmp_path / "out")
    assert "2 target sysconfigdata files under" in line
    assert "python3.11/_sysconfigdata__linux_arm-linux-gnueabihf.py" in line
    assert "python3.12/_sysconfigdata__linux_arm-linux-gnueabihf.py" in line
    assert "PYO3_CROSS_PYTHON_VERSION" in line and "-C sysconfigdata=PATH" in line


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "sparcv8-unknown-linux-gnu",
            "architecture 'sparcv8' is not one CPython builds for on Linux",
        ),
        ("armv7-unknown-none-eabihf", "is not a Linux target"),
        ("nonsense", "is not ARCH-VENDOR-linux-ENV"),
        ("aarch64-unknown-linux-gnu", "builds AArch64 64-bit LE, but"),
    ],
)
def test_unknown_or_mismatching_triple(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, message: str
) -> None:
    data = tmp_path / "_sysconfigdata__arm.py"
    data.write_text(GOOD)
    line = _fails(capsys, tmp_path / "out", {"sysconfigdata": str(data), "target": target})
    assert message in line


def test_editable_cross_build_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _fails(
        capsys, tmp_path / "out", {"target": "armv7-unknown-linux-gnueabihf"}, editable=True
    )
    assert "an editable install runs on this machine" in line


def test_unknown_setting(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _fails(capsys, tmp_path / "out", {"platform_tag": "linux_armv7l"})
    assert (
        line
        == "maturin-cross: error: unknown config setting -C platform_tag; did you mean platform-tag?"
    )


def test_requires_hooks() -> None:
    assert maturin_cross.get_requires_for_build_wheel(None) == []
    assert maturin_cross.get_requires_for_build_editable(None) == []
    assert maturin_cross.get_requires_for_build_sdist(None) == []


def test_importing_the_backend_stays_light() -> None:
    code = (
        "import sys, maturin_cross; "
        "print(sorted(m for m in sys.modules if m.startswith(('maturin_cross.', 'elftools', 'tomlkit', 'packaging'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['maturin_cross.backend']"


def test_prepare_metadata_has_the_targets_tags(project: Path, tmp_path: Path, cargo: str) -> None:
    data = tmp_path / "_sysconfigdata__arm.py"
    data.write_text(GOOD)
    name = maturin_cross.prepare_metadata_for_build_wheel(
        str(tmp_path / "meta"), {"sysconfigdata": str(data)}
    )
    assert name == "rpds_example-0.1.0.dist-info"
    wheel = (tmp_path / "meta" / name / "WHEEL").read_text()
    assert [line for line in wheel.splitlines() if line.startswith("Tag:")] == [
        "Tag: cp311-cp311-linux_armv7l"
    ]


def test_sdist(project: Path, tmp_path: Path, cargo: str) -> None:
    name = maturin_cross.build_sdist(str(tmp_path / "sdist"))
    assert name == "rpds_example-0.1.0.tar.gz"
    assert [p.name for p in (tmp_path / "sdist").iterdir()] == [name]


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"check": "maybe"}, id="config-error"),
        pytest.param({"target": "armv7-unknown-linux-musl"}, id="target-error"),
    ],
)
def test_the_hooks_and_the_command_exit_by_one_rule(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], config: dict[str, str]
) -> None:
    from maturin_cross.cli.main import main

    with pytest.raises(SystemExit) as info:
        maturin_cross.build_wheel(str(tmp_path / "out"), config)
    hook_said = capsys.readouterr().err
    status = main(["inspect", *(f"-C{key}={value}" for key, value in config.items())])
    assert (info.value.code, status) == (2, 2)
    assert capsys.readouterr().err == hook_said
