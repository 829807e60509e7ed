"""What the isolated build installs; the build itself is proven by the cross integration tests
(test_integration.py: ``maturin-cross build`` for each architecture)."""

from __future__ import annotations

import importlib.util
import shutil
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest
from harness import PACKAGES, clean_environ, run_cli
from packaging.requirements import Requirement

from maturin_cross.errors import ConfigError
from maturin_cross.pipeline import isolated
from maturin_cross.project.pyproject import Project


def _names(requirements: list[str]) -> list[str]:
    return [Requirement(r).name.lower().replace("_", "-") for r in requirements]


def test_the_projects_requirements_then_maturin_cross_dependencies() -> None:
    project = Project(Path("."), {"build-system": {"requires": ["maturin>=1.5,<2", "cffi"]}})
    wanted = isolated.requirements(project)
    assert wanted[:2] == ["maturin>=1.5,<2", "cffi"]
    own = [Requirement(r) for r in metadata.requires("maturin-cross") or []]
    needed = {r.name for r in own if r.marker is None}
    extras = {r.name for r in own if r.marker is not None} - needed
    # The test extra is told by its marker (extra == "test"), not by the text.
    assert "pytest" in extras
    assert set(_names(wanted)) >= {n.replace("_", "-") for n in needed}
    assert not set(_names(wanted)) & extras
    assert "maturin-cross" not in _names(wanted)
    assert _names(wanted).count("maturin") == 1


def test_each_requirement_is_kept_when_one_name_is_required_twice() -> None:
    # cryptography 50: cffi twice, under two markers; only the first is true on 3.11.
    requires = [
        "maturin>=1.9,<2",
        "cffi>=2.0.0; platform_python_implementation != 'PyPy'",
        "cffi>=2.1; python_version >= '3.15' and platform_python_implementation != 'PyPy'",
        "packaging>=24",
    ]
    wanted = isolated.requirements(Project(Path("."), {"build-system": {"requires": requires}}))
    assert wanted[:4] == requires
    # The project's own packaging requirement stands for maturin-cross's.
    assert _names(wanted).count("packaging") == 1
    assert _names(wanted).count("maturin") == 1


def test_maturin_is_added_when_the_project_names_none() -> None:
    wanted = isolated.requirements(Project(Path("."), {}))
    assert "maturin>=1.4" in wanted
    assert "pytest" not in _names(wanted)


def test_maturin_cross_itself_is_copied_in_not_installed() -> None:
    project = Project(Path("."), {"build-system": {"requires": ["maturin-cross>=0.1", "maturin"]}})
    assert "maturin-cross" not in _names(isolated.requirements(project))


def test_a_bad_requirement_is_one_line() -> None:
    project = Project(Path("p"), {"build-system": {"requires": ["maturin >= >= 1"]}})
    with pytest.raises(ConfigError, match=r"build-system.requires has 'maturin >= >= 1'"):
        isolated.requirements(project)


def test_installer_is_uv_where_it_is_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert isolated.installer() == "pip"
    uv = tmp_path / "uv"
    uv.write_text("#!/bin/sh\n")
    uv.chmod(0o755)
    assert isolated.installer() == "uv"


def test_a_file_in_the_working_folder_under_sysconfigs_own_name_never_runs(tmp_path: Path) -> None:
    # `python -m maturin_cross build` creates a venv, which asks the host's sysconfig, which
    # imports its data module by name: the working folder must not be where it is found.
    name = sysconfig._get_sysconfigdata_name()  # type: ignore[attr-defined]
    marker = tmp_path / "ran"
    (tmp_path / f"{name}.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nbuild_time_vars = {{}}\n"
    )
    shutil.copytree(PACKAGES / "plain-maturin", tmp_path / "proj")
    # No index: the build stops once the venv exists, at installing its requirements.
    env = clean_environ(PIP_NO_INDEX="1", PIP_FIND_LINKS="", UV_OFFLINE="1")
    done = run_cli(["build", "proj", "-o", "out"], cwd=tmp_path, env=env)
    assert done.returncode != 0
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("maturin-cross: error: installing the build requirements failed")
    )
    assert not marker.exists()
