from __future__ import annotations

from pathlib import Path

import pytest
from harness import run_cli

from maturin_cross.cli.main import main
from maturin_cross.errors import ConfigError
from maturin_cross.project.backend_switch import switch_backend

MATURIN_PROJECT = """\
# The build system of a maturin project.
[build-system]
requires = ["maturin>=1.5,<2.0"]  # pinned on purpose
build-backend = "maturin"

[project]
name = "demo"   # keep this comment
version = "1.0"

[tool.maturin]
features = ["pyo3/extension-module"]
"""


def test_switch_keeps_comments_and_formatting() -> None:
    text, changes = switch_backend(MATURIN_PROJECT, "pyproject.toml")
    assert text == MATURIN_PROJECT.replace(
        'requires = ["maturin>=1.5,<2.0"]', 'requires = ["maturin>=1.5,<2.0", "maturin-cross"]'
    ).replace('build-backend = "maturin"', 'build-backend = "maturin_cross"')
    assert changes == [
        "build-system.build-backend: 'maturin' -> 'maturin_cross'",
        "build-system.requires: added 'maturin-cross'",
    ]
    again, nothing = switch_backend(text, "pyproject.toml")
    assert (again, nothing) == (text, [])


def test_no_build_system_gets_one() -> None:
    text, changes = switch_backend('[project]\nname = "x"\n', "p")
    assert 'build-backend = "maturin_cross"' in text
    assert 'requires = ["maturin>=1.4,<2", "maturin-cross"]' in text
    assert len(changes) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[build-system]\nbuild-backend = "setuptools.build_meta"\n',
            "p: build-system.build-backend is 'setuptools.build_meta', not maturin",
        ),
        ("[build-system\n", "p: not valid TOML"),
        (
            '[build-system]\nrequires = ["!!"]\nbuild-backend = "maturin"\n',
            "p: build-system.requires has '!!', not a requirement",
        ),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        switch_backend(text, "p")
    assert str(info.value).startswith(message)


def test_cli_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(MATURIN_PROJECT)
    assert main(["init", str(tmp_path)]) == 0
    assert 'build-backend = "maturin_cross"  ' not in (tmp_path / "pyproject.toml").read_text()
    assert 'build-backend = "maturin_cross"' in (tmp_path / "pyproject.toml").read_text()
    out = capsys.readouterr().out
    assert "added 'maturin-cross'" in out
    assert main(["init", str(tmp_path)]) == 0
    assert "already builds with maturin-cross" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["pyproject.toml"]


def test_cli_init_errors_leave_the_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = '[build-system]\nbuild-backend = "hatchling.build"\n'
    (tmp_path / "pyproject.toml").write_text(original)
    assert main(["init", str(tmp_path)]) == 2
    assert (tmp_path / "pyproject.toml").read_text() == original
    assert capsys.readouterr().err.startswith("maturin-cross: error: ")
    assert main(["init", str(tmp_path / "missing")]) == 2


def test_init_without_tomlkit_says_so(yocto_native_python: Path, tmp_path: Path) -> None:
    """Building needs no tomlkit (Yocto's native sysroot has none); init, which edits the file,
    says what is missing instead of a traceback, and leaves the file alone."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(MATURIN_PROJECT)
    done = run_cli(["init", tmp_path], python=yocto_native_python)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"maturin-cross: error: {pyproject}: maturin-cross init edits the file with tomlkit, to "
        "keep its formatting, and tomlkit is not installed; install it (pip install tomlkit)\n"
    )
    assert pyproject.read_text() == MATURIN_PROJECT
    assert [p.name for p in tmp_path.iterdir()] == ["pyproject.toml"]
