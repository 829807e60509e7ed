from __future__ import annotations

from pathlib import Path

import pytest

from maturin_cross.errors import ConfigError
from maturin_cross.project.pyproject import Project, read_pyproject
from maturin_cross.settings import maturin_args


def test_manifest_dir_from_the_arguments_then_pyproject(tmp_path: Path) -> None:
    project = Project(tmp_path, {"tool": {"maturin": {"manifest-path": "rust/Cargo.toml"}}})
    assert project.manifest_dir(maturin_args.parse([])) == tmp_path / "rust"
    assert project.manifest_dir(maturin_args.parse(["-mcrate/Cargo.toml"])) == tmp_path / "crate"
    assert Project(tmp_path).manifest_dir(maturin_args.parse([])) == tmp_path


def test_features_from_pyproject_and_the_arguments(tmp_path: Path) -> None:
    project = Project(tmp_path, {"tool": {"maturin": {"features": ["pyo3/extension-module"]}}})
    assert project.features(maturin_args.parse(["-F=a,b"])) == ["pyo3/extension-module", "a", "b"]
    assert project.bindings is None
    assert Project(tmp_path, {"tool": {"maturin": {"bindings": "bin"}}}).bindings == "bin"


def test_read_pyproject(tmp_path: Path) -> None:
    assert read_pyproject(tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["maturin"]\n')
    assert Project.read(tmp_path).build_requires == ["maturin"]
    (tmp_path / "pyproject.toml").write_text("[build-system\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: not valid TOML .*; fix the file"):
        read_pyproject(tmp_path)
