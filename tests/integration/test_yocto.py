"""The Yocto layer in contrib/yocto.

bitbake cannot run here, so the cross tests take the class's ``python_maturin_cross_do_compile``
body out of the .bbclass and run it with bash under the environment Yocto gives do_compile
(python_pyo3 + python_pep517 + python3targetconfig), against a sysroot laid out like a recipe
sysroot: ``usr/lib/python-sysconfigdata/_sysconfigdata.py`` reformatted the way oe-core's python3
recipe writes it, and nothing naming the target but what Yocto exports. The wheel is installed as
python_pep517's do_install installs it and imported under qemu in the target's own Python.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import pprint
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from harness import (
    PACKAGES,
    ROOT,
    YOCTO_RECIPE,
    CrossToolchain,
    run_cli,
    yocto_pyo3_config,
    yocto_rdepends,
)
from packaging.requirements import Requirement

from maturin_cross.support.tomlfile import loads as toml_loads

LAYER = ROOT / "contrib" / "yocto"
CLASS = LAYER / "classes" / "python_maturin_cross.bbclass"
# bitbake looks for `inherit X` in classes-recipe/ along all of BBPATH before classes/.
SWITCH = LAYER / "classes-recipe" / "python_maturin.bbclass"
RECIPE = YOCTO_RECIPE

RPDS_IMPORT = (
    "import rpds; m = rpds.HashTrieMap({1: 2}).insert(3, 4); "
    "print(m[1], m[3], len(m), rpds.rpds.__file__)"
)
PLAIN_IMPORT = (
    "import plain_maturin as p; print(p.add(2, 40), p.pointer_width(), p.plain_maturin.__file__)"
)


# ------------------------------------------------------------------------------------------------
# Reading bitbake metadata (just enough of it)


def _logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined and comments dropped."""
    return [
        line.strip()
        for line in text.replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _inherits(text: str) -> list[str]:
    return [
        c for line in _logical_lines(text) if line.startswith("inherit ") for c in line.split()[1:]
    ]


def _values(text: str, name: str) -> list[str]:
    """The words assigned or appended to ``name`` (=, ?=, ??=, +=, :append)."""
    words: list[str] = []
    pattern = re.compile(rf'^{re.escape(name)}(?::append)?\s*(?:\?\?=|\?=|\+=|=)\s*"(.*)"$')
    for line in _logical_lines(text):
        match = pattern.match(line)
        if match:
            words += match.group(1).split()
    return words


def _shell_function(text: str, name: str) -> str:
    """The body of the shell function ``name() { ... }`` (bitbake's closing brace is alone at the
    start of a line)."""
    match = re.search(rf"^{re.escape(name)}\s*\(\)\s*\{{\n(.*?)\n\}}", text, re.M | re.S)
    assert match, f"{name}() {{ ... }} not found"
    return match.group(1)


# ------------------------------------------------------------------------------------------------
# The metadata itself (no toolchain needed)


def test_class_inherits_and_exports_like_python_maturin() -> None:
    text = CLASS.read_text()
    assert {"python_pyo3", "python_pep517"} <= set(_inherits(text))
    assert "python3-maturin-native" in _values(text, "DEPENDS")
    # Not in DEPENDS, whose "-cross-" names native variants rewrite (test_yocto_bitbake.py).
    assert "python3-maturin-cross-native" not in _values(text, "DEPENDS")
    assert _values(text, "do_prepare_recipe_sysroot[depends]") == [
        "python3-maturin-cross-native:do_populate_sysroot"
    ]
    configure = _shell_function(text, "python_maturin_cross_do_configure").split()
    assert configure == [
        "python_pyo3_do_configure",
        "cargo_common_do_configure",
        "python_pep517_do_configure",
    ]
    (exported,) = [
        line.split()[1:] for line in _logical_lines(text) if line.startswith("EXPORT_FUNCTIONS")
    ]
    assert sorted(exported) == ["do_compile", "do_configure"]


def test_class_do_compile_is_valid_shell() -> None:
    body = _shell_function(CLASS.read_text(), "python_maturin_cross_do_compile")
    assert body.split()[:3] == ["maturin-cross", "build", "--no-isolation"]
    for var in ("PEP517_WHEEL_PATH", "PEP517_SOURCE_PATH", "PEP517_BUILD_OPTS"):
        assert "${" + var + "}" in body
    # Every ${...} must be a plain variable reference (no ${@python}), so the body runs in bash.
    assert all(re.fullmatch(r"\w+", ref) for ref in re.findall(r"\$\{([^}]*)\}", body))
    done = subprocess.run(["bash", "-n", "-c", body], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_switch_class_shadows_python_maturin() -> None:
    text = SWITCH.read_text()
    assert SWITCH.parent.name == "classes-recipe"
    (inherit,) = [line for line in _logical_lines(text) if line.startswith("inherit ")]
    assert "python_maturin_cross" in inherit
    # Opting out falls back to oe-core's own class.
    assert "/meta/classes-recipe/python_maturin.bbclass" in inherit
    layer_conf = (LAYER / "conf" / "layer.conf").read_text()
    assert re.search(r'^BBPATH\s*=\.\s*"\$\{LAYERDIR\}:"', layer_conf, re.M), (
        "the layer must come first on BBPATH for the shadow class to win"
    )


# What pyproject.toml's dependencies are for: tomlkit is init's only (it edits TOML keeping the
# formatting); building reads TOML with the standard library's tomllib (maturin_cross.support.tomlfile).
INIT_ONLY = {"tomlkit"}
# Every oe-core series the layer claims has Python >= 3.12 (scarthgap's is 3.12).
YOCTO_PYTHON = {"python_version": "3.12", "python_full_version": "3.12.0"}


def test_recipe_runtime_dependencies_match_the_project() -> None:
    text = RECIPE.read_text()
    rdepends = set(yocto_rdepends())
    assert rdepends == set(_values(text, "RDEPENDS:${PN}"))
    pyproject = toml_loads((ROOT / "pyproject.toml").read_text())
    requirements = [Requirement(dep) for dep in pyproject["project"]["dependencies"]]
    names = {
        req.name for req in requirements if req.marker is None or req.marker.evaluate(YOCTO_PYTHON)
    }
    assert {f"python3-{name}" for name in names - INIT_ONLY} | {"python3-tomllib"} == rdepends
    # All of them are in oe-core (the layer needs no other layer): python3-tomllib is a package
    # of oe-core's python3 (its manifest), the others are oe-core recipes.
    assert rdepends == {
        "python3-build",
        "python3-installer",
        "python3-maturin",
        "python3-packaging",
        "python3-pyelftools",
        "python3-pyproject-hooks",
        "python3-tomllib",
    }
    assert pyproject["build-system"]["build-backend"] == "flit_core.buildapi"
    assert "python_flit_core" in _inherits(text)
    # oe-core's python3-pyelftools has no nativesdk variant, so neither has this recipe.
    assert set(_values(text, "BBCLASSEXTEND")) == {"native"}
    version = re.search(
        r'^__version__ = "(.+)"$', (ROOT / "src/maturin_cross/__init__.py").read_text(), re.M
    )
    assert version and RECIPE.stem.endswith("_" + version.group(1))


# ------------------------------------------------------------------------------------------------
# do_compile under Yocto's environment, for real (marked cross one by one: the tests above need
# no toolchain)


def _yocto_sysconfigdata(debian_file: Path, staging_libdir: Path, staging_incdir: Path) -> str:
    """Debian's sysconfigdata as oe-core's python3 recipe leaves it in the sysroot's
    python-sysconfigdata/: pprint'ed one value per line (long strings split into implicitly
    concatenated literals), LIBDIR and the include folders pointed at the staging paths."""
    tree = ast.parse(debian_file.read_text(encoding="utf-8"))
    (node,) = [
        stmt.value
        for stmt in tree.body
        if isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "build_time_vars" for t in stmt.targets)
    ]
    data = ast.literal_eval(node)
    data.update(
        LIBDIR=str(staging_libdir),
        INCLUDEDIR=str(staging_incdir),
        CONFINCLUDEDIR=str(staging_incdir),
        INCLUDEPY=f"{staging_incdir}/python3.11",
        CONFINCLUDEPY=f"{staging_incdir}/python3.11",
    )
    text = pprint.pformat(data, width=1, sort_dicts=True)
    assert text.count("\n") > len(data), "expected split string literals, as Yocto writes them"
    return (
        "# system configuration generated and used by the sysconfig module\n"
        f"build_time_vars = {text}\n"
    )


@dataclasses.dataclass(frozen=True)
class YoctoWork:
    env: dict[str, str]
    yocto: dict[str, str]
    """What Yocto's classes set for do_compile, as reproduced here (test_yocto_bitbake.py checks
    it against BitBake's own)."""
    sysconfigdata: Path
    wheel_dir: Path
    build_dir: Path


def _yocto_work(
    armhf: CrossToolchain, native_python: Path, tmp_path: Path, source: Path, build_opts: str
) -> YoctoWork:
    """A WORKDIR and recipe-sysroot made from the Debian armhf sysroot, and the environment
    Yocto's do_compile runs in for a target recipe (environments.md §1.4). ``native_python``
    stands for the native sysroot's python3 with python3-maturin-cross-native in it."""
    workdir = tmp_path / "work"
    recipe_sysroot = workdir / "recipe-sysroot"
    staging_libdir = recipe_sysroot / "usr" / "lib"
    staging_incdir = recipe_sysroot / "usr" / "include"
    staging_libdir.mkdir(parents=True)
    staging_incdir.symlink_to(armhf.sysroot / "usr" / "include")
    (staging_libdir / "python3.11").symlink_to(armhf.sysroot / "usr" / "lib" / "python3.11")
    for lib in (armhf.sysroot / "usr" / "lib" / "arm-linux-gnueabihf").glob("libpython3.11.so*"):
        (staging_libdir / lib.name).symlink_to(lib)
    sysconfigdata = staging_libdir / "python-sysconfigdata" / "_sysconfigdata.py"
    sysconfigdata.parent.mkdir()
    sysconfigdata.write_text(
        _yocto_sysconfigdata(armhf.sysconfigdata, staging_libdir, staging_incdir)
    )
    # python_pyo3_do_configure's file: lib_dir=${STAGING_LIBDIR}, no ext_suffix.
    pyo3_config = yocto_pyo3_config(dataclasses.replace(armhf, sysroot=recipe_sysroot), workdir)
    build_dir = workdir / "build"
    build_dir.mkdir()
    wheel_dir = workdir / "dist"  # do_compile[cleandirs]
    wheel_dir.mkdir()

    yocto = {
        # python_pyo3
        "PYO3_CROSS": "1",
        "PYO3_CROSS_PYTHON_VERSION": "3.11",
        "PYO3_CROSS_LIB_DIR": str(staging_libdir),
        "PYO3_PYTHON": str(native_python),
        # python3native exports PYTHON (the native python3) too.
        "PYTHON": str(native_python),
        "PYO3_CONFIG_FILE": str(pyo3_config),
        "CARGO_BUILD_TARGET": armhf.rust_target,
        # cargo_common writes the linker into CARGO_HOME/config.toml; the variable is the same.
        **armhf.linker_env,
        # python_pep517 and setuptools3-base
        "_PYTHON_HOST_PLATFORM": "linux-arm",
        "STAGING_LIBDIR": str(staging_libdir),
        "STAGING_INCDIR": str(staging_incdir),
        "PEP517_SOURCE_PATH": str(source),
        "PEP517_WHEEL_PATH": str(wheel_dir),
        "PEP517_BUILD_OPTS": build_opts,
        # python3native
        "PYTHONNOUSERSITE": "1",
        "PYTHON_LIBRARY": str(staging_libdir / "libpython3.11.so"),
        "PYTHON_INCLUDE_DIR": str(staging_incdir / "python3.11"),
        # bitbake.conf
        "PYTHONHASHSEED": "0",
        # python3targetconfig's setup_target_config: PYTHONPATH=...:$PYTHONPATH, and BitBake's
        # task environment has no PYTHONPATH before it, hence the empty entry at the end.
        "_PYTHON_SYSCONFIGDATA_NAME": "_sysconfigdata",
        "_PYTHON_PROJECT_BASE": str(build_dir),
        "PYTHONPATH": f"{sysconfigdata.parent}:",
    }
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("MATURIN_CROSS_", "PYO3_", "CARGO_BUILD_", "CARGO_TARGET_", "_PYTHON_")
        )
        and k not in ("RUSTUP_TOOLCHAIN", "PYTHONPATH")
    }
    # maturin-cross and maturin from python3-maturin(-cross)-native, and the native python.
    env["PATH"] = os.pathsep.join([str(native_python.parent), os.environ["PATH"]])
    env.update(yocto)
    return YoctoWork(env, yocto, sysconfigdata, wheel_dir, build_dir)


def _do_compile(work: YoctoWork) -> Path:
    """Run the class's do_compile body as bitbake runs a shell task (in ${B}, with -e); return
    the one wheel it wrote."""
    body = _shell_function(CLASS.read_text(), "python_maturin_cross_do_compile")
    done = subprocess.run(
        ["bash", "-euc", body],
        env=work.env,
        cwd=work.build_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    (wheel,) = work.wheel_dir.glob("*.whl")
    assert done.stdout.strip().splitlines()[-1] == str(wheel)
    # The target came from python3targetconfig's variables, and Yocto's pyo3.config was replaced.
    assert (
        f"PYO3_CONFIG_FILE={work.env['PYO3_CONFIG_FILE']} replaced by one written from "
        f"{work.sysconfigdata}" in output
    ), output[-5000:]
    assert "_PYTHON_HOST_PLATFORM=linux-arm names no machine a device reports" in output
    return wheel


def _do_install(work: YoctoWork, wheel: Path, destdir: Path) -> Path:
    """python_pep517_do_install: `nativepython3 -m installer --interpreter "/usr/bin/env python3"
    --prefix=/usr --destdir=${D} WHEEL` (python3targetconfig's variables still set). oe-core
    patches --interpreter into installer's CLI; upstream's CLI lacks it, so this is the same call
    through installer's API. Returns the target's site-packages folder under ``destdir``."""
    script = """
import sys, sysconfig
import installer
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

wheel, destdir = sys.argv[1:]
with WheelFile.open(wheel) as source:
    scheme = sysconfig.get_paths(vars={"base": "/usr", "platbase": "/usr"})
    scheme["headers"] = sysconfig.get_path("include", vars={"installed_base": "/usr"})
    destination = SchemeDictionaryDestination(
        scheme_dict=scheme,
        interpreter="/usr/bin/env python3",
        script_kind="posix",
        bytecode_optimization_levels=[0, 1],
        destdir=destdir,
    )
    installer.install(source, destination, {})
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(wheel), str(destdir)],
        env=work.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    site = destdir / "usr" / "lib" / "python3.11" / "site-packages"
    assert site.is_dir(), sorted(str(p.relative_to(destdir)) for p in destdir.rglob("*"))
    return site


def _members(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_do_compile_builds_rpds_for_armhf(
    armhf: CrossToolchain, yocto_native_python: Path, rpds_source: Path, tmp_path: Path
) -> None:
    work = _yocto_work(armhf, yocto_native_python, tmp_path, rpds_source, build_opts="")
    wheel = _do_compile(work)
    # linux-arm is refined to the machine the device reports; Yocto never reads the tag anyway.
    assert wheel.name == "rpds_example-0.1.0-cp311-cp311-linux_armv7l.whl"
    so = "rpds/rpds.cpython-311-arm-linux-gnueabihf.so"
    assert so in _members(wheel)

    site = _do_install(work, wheel, tmp_path / "image")
    assert (site / so).is_file()
    printed = armhf.run_python(RPDS_IMPORT, site).split()
    assert printed == ["2", "4", "2", str(site / so)]


def test_do_compile_builds_a_plain_maturin_project(
    armhf: CrossToolchain, yocto_native_python: Path, tmp_path: Path
) -> None:
    """A project that declares build-backend = "maturin" is built unchanged; -C pairs in
    PEP517_BUILD_OPTS reach maturin-cross (check: refuse rather than correct anything)."""
    source = tmp_path / "plain-maturin"
    shutil.copytree(PACKAGES / "plain-maturin", source, ignore=shutil.ignore_patterns("target"))
    pyproject = toml_loads((source / "pyproject.toml").read_text())
    assert pyproject["build-system"]["build-backend"] == "maturin"
    work = _yocto_work(armhf, yocto_native_python, tmp_path, source, build_opts="-C check=check")
    wheel = _do_compile(work)
    assert wheel.name == "plain_maturin-0.1.0-cp311-cp311-linux_armv7l.whl"
    so = "plain_maturin/plain_maturin.cpython-311-arm-linux-gnueabihf.so"
    assert so in _members(wheel)

    site = _do_install(work, wheel, tmp_path / "image")
    printed = armhf.run_python(PLAIN_IMPORT, site).split()
    assert printed == ["42", "32", str(site / so)]


def test_isolated_build_in_the_yocto_environment(
    armhf: CrossToolchain, yocto_native_python: Path, tmp_path: Path
) -> None:
    """Without --no-isolation (and with pyproject-build's -x, as recipes put in
    PEP517_BUILD_OPTS): the fresh build environment is made by the host's own Python, untouched
    by _PYTHON_SYSCONFIGDATA_NAME, while the build inside still finds the target the Yocto way."""
    source = tmp_path / "plain-maturin"
    shutil.copytree(PACKAGES / "plain-maturin", source, ignore=shutil.ignore_patterns("target"))
    work = _yocto_work(armhf, yocto_native_python, tmp_path, source, build_opts="")
    done = run_cli(["build", "-x", "-o", work.wheel_dir, source], env=work.env, cwd=work.build_dir)
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    (wheel,) = work.wheel_dir.glob("*.whl")
    assert wheel.name == "plain_maturin-0.1.0-cp311-cp311-linux_armv7l.whl"
    site = _do_install(work, wheel, tmp_path / "image")
    so = "plain_maturin/plain_maturin.cpython-311-arm-linux-gnueabihf.so"
    assert armhf.run_python(PLAIN_IMPORT, site).split() == ["42", "32", str(site / so)]


RPDS_PY = "rpds-py==2026.9.1"
RPDS_PY_IMPORT = (
    "import rpds; m = rpds.HashTrieMap({'a': 1}).insert('b', 2); "
    "s = rpds.HashTrieSet([1, 2]).insert(3); l = rpds.List([1, 2]).push_front(0); "
    "print(sorted(m.items()), sorted(s), list(l), rpds.rpds.__file__)"
)


def test_do_compile_builds_rpds_py_from_pypi(
    armhf: CrossToolchain, yocto_native_python: Path, tmp_path: Path
) -> None:
    """The seed's own package, as its sdist comes from PyPI (it declares build-backend =
    "maturin"), built unchanged by the class's do_compile for qemuarm-like armhf."""
    downloads = tmp_path / "sdist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            # The sdist of rpds-py only: ":all:" would build maturin itself from source too, just
            # to read rpds-py's metadata.
            "--no-binary",
            "rpds-py",
            "--dest",
            str(downloads),
            RPDS_PY,
        ],
        check=True,
    )
    (sdist,) = downloads.glob("rpds_py-*.tar.gz")
    shutil.unpack_archive(sdist, tmp_path)
    (source,) = tmp_path.glob("rpds_py-*/")
    pyproject = toml_loads((source / "pyproject.toml").read_text())
    assert pyproject["build-system"]["build-backend"] == "maturin"
    work = _yocto_work(armhf, yocto_native_python, tmp_path, source, build_opts="")
    wheel = _do_compile(work)
    assert wheel.name == "rpds_py-2026.9.1-cp311-cp311-linux_armv7l.whl"
    so = "rpds/rpds.cpython-311-arm-linux-gnueabihf.so"
    assert so in _members(wheel)
    site = _do_install(work, wheel, tmp_path / "image")
    printed = armhf.run_python(RPDS_PY_IMPORT, site)
    assert printed == f"[('a', 1), ('b', 2)] [1, 2, 3] [0, 1, 2] {site / so}\n"
