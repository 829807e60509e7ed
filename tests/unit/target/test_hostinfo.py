"""target/hostinfo.py: what the running interpreter says, read without importing any file the environment
or the working folder could name (the host's own ``sysconfig.get_config_vars()`` imports the
module ``_PYTHON_SYSCONFIGDATA_NAME`` names, from anywhere on ``sys.path``)."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from harness import clean_environ, run_cli
from origins import sourced

from maturin_cross.errors import ConfigError
from maturin_cross.target import hostinfo


def test_host_target_is_this_machine() -> None:
    target = hostinfo.host_target()
    assert target.ext_suffix == sysconfigdata_ext_suffix()
    assert target.platform_tag == sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert target.python is not None
    assert target.python.version == sys.version_info[:2]


def sysconfigdata_ext_suffix() -> str:
    value = sysconfig.get_config_var("EXT_SUFFIX")
    assert isinstance(value, str)
    return value


def test_host_vars_are_the_stdlib_file_parsed() -> None:
    data = hostinfo.host_config_vars()
    # Found in the standard library by the name the build gave it, never through sys.path.
    assert data.path.parent == Path(os.__file__).parent
    assert data.path.stem in (
        f"_sysconfigdata_{sys.abiflags}_{sys.platform}_{sys.implementation._multiarch}",
        f"_sysconfigdata_{sys.abiflags}_{sys.implementation._multiarch}",
    )
    for key in ("EXT_SUFFIX", "SOABI", "VERSION", "MULTIARCH", "HOST_GNU_TYPE"):
        assert data.vars[key] == sysconfig.get_config_var(key), key


def test_without_a_file_to_parse_the_interpreter_says_it(tmp_path: Path) -> None:
    # PyPy's _sysconfigdata.py is code, a build tree keeps the file elsewhere: sys tells enough.
    (tmp_path / f"_sysconfigdata_{sys.abiflags}_{sys.implementation._multiarch}.py").write_text(
        "import _imp\nbuild_time_vars = {'EXT_SUFFIX': _imp.extension_suffixes()[0]}\n"
    )
    assert hostinfo.stdlib_config_vars(tmp_path) is None
    facts = hostinfo.interpreter_config_vars()
    assert facts.vars["EXT_SUFFIX"] == importlib.machinery.EXTENSION_SUFFIXES[0]
    assert facts.vars["VERSION"] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    from maturin_cross.target.resolve import resolve

    by_facts = resolve(
        facts, platform_tag=sourced(sysconfig.get_platform(), "sysconfig.get_platform()")
    )
    assert by_facts.ext_suffix == hostinfo.host_target().ext_suffix
    assert by_facts.rust.multiarch == hostinfo.host_target().rust.multiarch
    assert by_facts.python == hostinfo.host_target().python


MARKER_CODE = (
    "import pathlib\n"
    "pathlib.Path(__file__).with_name('EXECUTED').write_text('the file was run')\n"
    "raise SystemExit('executed')\n"
)


def _module(tmp_path: Path, *argv: str, **environ: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        argv, cwd=tmp_path, env=clean_environ(HOME=str(tmp_path), **environ), timeout=120
    )


def test_a_file_with_the_hosts_own_name_in_the_working_folder_is_never_run(
    tmp_path: Path,
) -> None:
    # `python -m` puts the working folder first on sys.path, where the host's sysconfig would
    # import a target file that shares the host's name (an x86-64 image's, on an x86-64 host).
    for stem in (
        f"_sysconfigdata_{sys.abiflags}_{sys.platform}_{sys.implementation._multiarch}",
        f"_sysconfigdata_{sys.abiflags}_{sys.implementation._multiarch}",
    ):
        (tmp_path / f"{stem}.py").write_text(MARKER_CODE)
    done = _module(tmp_path, "inspect", "--json")
    assert not (tmp_path / "EXECUTED").exists()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ext_suffix"] == sysconfigdata_ext_suffix()


def test_crossenv_name_that_would_import_a_package_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # find_spec("pkg.mod") imports pkg: a dotted name is never looked up.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text(MARKER_CODE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "cross_compiling", True, raising=False)
    monkeypatch.setattr(sysconfig, "_get_sysconfigdata_name", lambda: "pkg._sysconfigdata")
    with pytest.raises(ConfigError) as info:
        hostinfo.host_cross_sysconfigdata()
    assert not (tmp_path / "EXECUTED").exists()
    assert "pkg._sysconfigdata" in str(info.value) and "\n" not in str(info.value)


def test_module_path_is_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", "rel", str(tmp_path / "abs")])
    assert hostinfo.host_module_path() == (
        str(tmp_path),
        str(tmp_path / "rel"),
        str(tmp_path / "abs"),
    )
