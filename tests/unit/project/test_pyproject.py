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


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "not valid TOML"),
        ("[tool.maturin-cross]\nmax-unpacked-size = " + "9" * 5000 + "\n", "not valid TOML"),
        ("[project\n", "not valid TOML"),
        (b"name = '\xff'\n", "not valid TOML"),
    ],
    ids=["nested-100000-deep", "an-integer-of-5000-digits", "not-toml", "not-utf-8"],
)
def test_a_pyproject_that_cannot_be_read_is_one_line(
    tmp_path: Path, text: str | bytes, says: str
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError) as info:
        read_pyproject(tmp_path)
    (line,) = str(info.value).splitlines()
    assert line.startswith(f"{path}: {says}") and line.endswith("; fix the file")


def test_a_pyproject_that_is_a_pipe_or_too_large_is_refused_unread(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pyproject.toml")
    with pytest.raises(
        ConfigError,
        match=r"pyproject\.toml: cannot be read \(is not a regular file \(a named pipe\)\)",
    ):
        read_pyproject(tmp_path)
    (tmp_path / "pyproject.toml").unlink()
    with open(tmp_path / "pyproject.toml", "wb") as big:
        big.truncate(1536 << 20)  # sparse: 1.5 GB that is never read whole
    with pytest.raises(ConfigError, match=r"is larger than 4194304 bytes"):
        read_pyproject(tmp_path)


@pytest.mark.parametrize("system", ["[build-system]\nrequires = 'maturin'\n", "build-system = 5\n"])
def test_build_requires_of_the_wrong_kind_is_one_line(tmp_path: Path, system: str) -> None:
    (tmp_path / "pyproject.toml").write_text(system)
    with pytest.raises(ConfigError, match=r"build-system\.requires must be a list"):
        Project.read(tmp_path).build_requires  # noqa: B018 (the property is what is tested)
