"""The Yocto layer in contrib/yocto under real BitBake.

BitBake 2.19.0 and OpenEmbedded-Core from the snapshots in shared/yocto beside the checkout,
provisioned by tools/provision-yocto.sh (as root: host tools, the en_US.UTF-8 locale, an
unprivileged user, the snapshots unpacked into the cache, a build folder whose parse cache is kept
between runs), with MACHINE qemuarm and this layer added to oe-core alone. Parsing only: a real
do_compile needs the whole cross toolchain built from sources that cannot be fetched here.

BitBake runs a handful of times per session: one whole parse (``bitbake -p``, minutes on a cold
cache, seconds after), one ``bitbake -e`` per oe-core maturin recipe, one ``bitbake -g`` for all
their variants, and ``-b`` (one recipe, no whole parse) for other configurations. ``-e`` prints
the file and line of every assignment, which is what the tests read.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import pwd
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import IN_CI, ROOT, CrossToolchain, unavailable

from maturin_cross.cli import main

LAYER = ROOT / "contrib" / "yocto"
CLASS = LAYER / "classes" / "python_maturin_cross.bbclass"
SWITCH = LAYER / "classes-recipe" / "python_maturin.bbclass"
SNAPSHOTS = ROOT.parent / "shared" / "yocto"

pytestmark = pytest.mark.bitbake


# ------------------------------------------------------------------------------------------------
# Reading `bitbake -e`


@dataclass(frozen=True)
class Operation:
    """One line of a variable's history: ``set``, ``set?``, ``:append[class-target]``,
    ``exported``... in ``file`` at ``line``."""

    kind: str
    file: str
    line: int


@dataclass(frozen=True)
class Variable:
    value: str
    exported: bool
    history: tuple[Operation, ...]

    def set_in(self) -> Operation:
        """Where the value in force was last assigned (=, ?=, ??=)."""
        sets = [op for op in self.history if op.kind in ("set", "set?")]
        return sets[-1]


@dataclass(frozen=True)
class Function:
    """A shell function as ``-e`` prints it: its body (variables expanded) and where it is."""

    body: str
    file: str
    line: int

    def calls(self) -> list[str]:
        return [line.split()[0] for line in self.body.splitlines() if line.split()]


@dataclass(frozen=True)
class Environment:
    variables: dict[str, Variable]
    functions: dict[str, Function]

    def value(self, name: str) -> str:
        return self.variables[name].value

    def included(self) -> list[str]:
        """The files parsed. BBINCLUDED also names the places searched before a file was found
        (for the cache to notice one appearing there), which do not exist."""
        return [path for path in self.value("BBINCLUDED").split() if os.path.exists(path)]


_HISTORY = re.compile(r"^# \$(\S+)(?: \[\d+ operations\])?$")
_OPERATION = re.compile(r"^#   (\S+) (\S+):(\d+)(?: \[.*\])?$")
_ASSIGNMENT = re.compile(r'^(export )?([A-Za-z0-9_][^=\s"]*)="(.*)$', re.S)
_FUNCTION_AT = re.compile(r"^# line: (\d+), file: (.+)$")


def _unescape(raw: str) -> str:
    """The inverse of bitbake's emit_var quoting."""
    return raw.replace(" \\\n", "\n").replace("\\$", "$").replace("\\`", "`").replace('\\"', '"')


def parse_environment(text: str) -> Environment:
    lines = iter(text.splitlines())
    variables: dict[str, Variable] = {}
    functions: dict[str, Function] = {}
    history: list[Operation] = []
    for line in lines:
        if _HISTORY.match(line):
            history = []
        elif match := _OPERATION.match(line):
            history.append(Operation(match[1], match[2], int(match[3])))
        elif match := _FUNCTION_AT.match(line):
            header = next(lines)
            name = header.removesuffix("() {")
            assert name != header, header
            body = []
            for body_line in lines:
                if body_line == "}":
                    break
                body.append(body_line)
            functions[name] = Function("\n".join(body), match[2], int(match[1]))
        elif match := _ASSIGNMENT.match(line):
            raw = match[3]
            while not re.search(r'(?<!\\)"$', raw):
                raw += "\n" + next(lines)
            variables[match[2]] = Variable(_unescape(raw[:-1]), bool(match[1]), tuple(history))
            history = []
        elif line.startswith("python "):
            break  # python functions follow, to the end
    return Environment(variables, functions)


# ------------------------------------------------------------------------------------------------
# BitBake, provisioned


@dataclass(frozen=True)
class BitBake:
    user: str
    bitbake: Path
    oe_core: Path
    build: Path

    def env(self) -> dict[str, str]:
        return {
            "HOME": pwd.getpwnam(self.user).pw_dir,
            "LANG": "en_US.UTF-8",
            "LC_ALL": "en_US.UTF-8",
            "PATH": f"{self.bitbake / 'bin'}:/usr/bin:/bin",
        }

    def run(self, *args: str, build: Path | None = None) -> subprocess.CompletedProcess[str]:
        """A BitBake tool (``bitbake``, ``bitbake-layers``) as the unprivileged user."""
        return subprocess.run(
            [str(self.bitbake / "bin" / args[0]), *args[1:]],
            user=self.user,
            group=pwd.getpwnam(self.user).pw_gid,
            extra_groups=[],
            env=self.env(),
            cwd=build or self.build,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )

    def ok(self, *args: str, build: Path | None = None) -> str:
        done = self.run(*args, build=build)
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{output[-6000:]}"
        return output

    def write_conf(self, name: str, text: str) -> Path:
        """A configuration file BitBake's user can read (for ``-R``)."""
        path = self.build / "conf" / name
        path.write_text(text)
        os.chown(path, pwd.getpwnam(self.user).pw_uid, pwd.getpwnam(self.user).pw_gid)
        return path


@pytest.fixture(scope="session")
def bitbake() -> BitBake:
    if os.geteuid() != 0 and not IN_CI:
        pytest.skip("provisioning BitBake needs root (apt-get, locale-gen, useradd)")
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-yocto.sh"), str(LAYER), str(SNAPSHOTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        unavailable(f"cannot provision BitBake and oe-core: {done.stderr.strip()[-2000:]}")
    user, bitbake_dir, oe_core, build = done.stdout.strip().splitlines()[-1].split()
    return BitBake(user, Path(bitbake_dir), Path(oe_core), Path(build))


@dataclass(frozen=True)
class Parse:
    output: str
    seconds: float


@pytest.fixture(scope="session")
def parse(bitbake: BitBake) -> Parse:
    """``bitbake -p``: every recipe of oe-core and the layer. The layer's files get a fresh mtime
    first, so that every recipe using one of them is parsed again in this run (the others come
    from the cache) and its warnings, if any, are in this output."""
    now = time.time()
    for path in LAYER.rglob("*"):
        if path.is_file():
            os.utime(path, (now, now))
    start = time.monotonic()
    output = bitbake.ok("bitbake", "-p")
    seconds = time.monotonic() - start
    print(f"\nbitbake -p: {seconds:.1f} s ({_parse_summary(output)})")
    return Parse(output, seconds)


def _parse_summary(output: str) -> str:
    match = re.search(r"^Parsing of .* complete .*$", output, re.M)
    assert match, output[-3000:]
    return match[0]


class Environments:
    """``bitbake -e`` of each recipe, run once and kept for the session."""

    def __init__(self, bitbake: BitBake) -> None:
        self.bitbake = bitbake
        self._seen: dict[tuple[str, ...], Environment] = {}

    def __call__(self, *args: str) -> Environment:
        if args not in self._seen:
            self._seen[args] = parse_environment(self.bitbake.ok("bitbake", "-e", *args))
        return self._seen[args]


@pytest.fixture(scope="session")
def environments(bitbake: BitBake, parse: Parse) -> Environments:
    return Environments(bitbake)


@pytest.fixture(scope="session")
def maturin_recipes(bitbake: BitBake) -> dict[str, Path]:
    """Every oe-core recipe that inherits python_maturin, by PN, found by reading oe-core."""
    found: dict[str, Path] = {}
    inherit = re.compile(r"^\s*inherit\s[^#\n]*\bpython_maturin\b", re.M)
    for path in sorted((bitbake.oe_core / "meta").rglob("*")):
        if path.suffix not in (".bb", ".bbappend", ".inc", ".bbclass") or not path.is_file():
            continue
        if not inherit.search(path.read_text(errors="replace")):
            continue
        assert path.suffix in (".bb", ".inc"), f"{path} inherits python_maturin: read its users"
        users = [path] if path.suffix == ".bb" else _requiring(path)
        for recipe in users:
            found[recipe.name.split("_")[0].removesuffix(".bb")] = recipe
    assert "python3-rpds-py" in found, found
    return found


def _requiring(include: Path) -> list[Path]:
    """The recipes beside an include file that require or include it."""
    line = re.compile(rf"^\s*(require|include)\s+\S*{re.escape(include.name)}\s*$", re.M)
    return [bb for bb in sorted(include.parent.glob("*.bb")) if line.search(bb.read_text())]


# ------------------------------------------------------------------------------------------------
# Parsing


def test_every_recipe_parses_without_a_warning_from_the_layer(
    parse: Parse, maturin_recipes: dict[str, Path]
) -> None:
    summary = _parse_summary(parse.output)
    assert summary.endswith(" 0 errors."), summary
    assert re.search(r"^(ERROR|FATAL):", parse.output, re.M) is None, parse.output[-6000:]
    # The layer's recipe and every maturin recipe were parsed in this run, not taken from the cache.
    parsed = re.search(r"\((\d+) cached, (\d+) parsed\)", summary)
    assert parsed and int(parsed[2]) >= 1 + len(maturin_recipes), summary
    ours = [str(LAYER), "python3-maturin-cross", "maturin-cross", "python_maturin"]
    ours += [str(path) for path in maturin_recipes.values()]
    warnings = [line for line in parse.output.splitlines() if line.startswith("WARNING:")]
    assert [w for w in warnings if any(word in w for word in ours)] == []


def test_bitbake_and_a_search_of_oe_core_find_the_same_maturin_recipes(
    bitbake: BitBake, parse: Parse, maturin_recipes: dict[str, Path]
) -> None:
    output = bitbake.ok("bitbake-layers", "show-recipes", "-i", "python_maturin")
    listed = re.findall(r"^(\S+):$", output.split("=== Matching recipes: ===")[1], re.M)
    assert sorted(listed) == sorted(maturin_recipes)


# ------------------------------------------------------------------------------------------------
# Every oe-core maturin recipe, expanded


def _from_oe_core(bitbake: BitBake, path: str, *where: str) -> bool:
    return path == str(bitbake.oe_core / "meta" / "classes-recipe" / where[0]) or path in where[1:]


def _problems_of(bitbake: BitBake, pn: str, recipe: Path, env: Environment) -> Iterator[str]:
    """What is not as the class says it is, for one recipe's target variant."""
    functions, variables = env.functions, env.variables
    included = env.included()
    if str(SWITCH) not in included or str(CLASS) not in included:
        yield f"{pn}: BBINCLUDED lacks {SWITCH} or {CLASS}"
    oe_class = bitbake.oe_core / "meta" / "classes-recipe" / "python_maturin.bbclass"
    if str(oe_class) in included:
        yield f"{pn}: oe-core's {oe_class} is included too"

    # do_compile: python3targetconfig's set-up, then maturin-cross.
    compile_calls = functions["do_compile"].calls()
    if compile_calls[-1] != "python_maturin_cross_do_compile":
        yield f"{pn}: do_compile ends with {compile_calls[-1]}, not python_maturin_cross_do_compile"
    if "setup_target_config" not in compile_calls:
        yield f"{pn}: do_compile does not call setup_target_config"
    ours = functions["python_maturin_cross_do_compile"]
    expected = (
        f"maturin-cross build --no-isolation -o {env.value('PEP517_WHEEL_PATH')} "
        f"{env.value('PEP517_SOURCE_PATH')} {env.value('PEP517_BUILD_OPTS')}"
    )
    if (ours.file, ours.body.strip()) != (str(CLASS), expected.strip()):
        yield f"{pn}: python_maturin_cross_do_compile is {ours.body.strip()!r} from {ours.file}"
    # The recipe's PEP517_BUILD_OPTS (pyproject-build's, until now) are ones maturin-cross takes.
    command = shlex.split(ours.body.strip())
    try:
        with contextlib.redirect_stderr(io.StringIO()) as said:
            main.parser().parse_args(command[1:])
    except SystemExit:
        yield f"{pn}: maturin-cross refuses {command}: {said.getvalue().strip()}"
    target_config = functions["setup_target_config"]
    if not _from_oe_core(bitbake, target_config.file, "python3targetconfig.bbclass"):
        yield f"{pn}: setup_target_config comes from {target_config.file}"

    # do_configure: oe-core's python_maturin steps, python_pyo3 writing PYO3_CONFIG_FILE.
    if functions["do_configure"].calls()[-1] != "python_maturin_cross_do_configure":
        yield f"{pn}: do_configure is {functions['do_configure'].calls()}"
    configure = functions["python_maturin_cross_do_configure"]
    if configure.calls() != [
        "python_pyo3_do_configure",
        "cargo_common_do_configure",
        "python_pep517_do_configure",
    ]:
        yield f"{pn}: python_maturin_cross_do_configure calls {configure.calls()}"
    pyo3 = functions["python_pyo3_do_configure"]
    if not _from_oe_core(bitbake, pyo3.file, "python_pyo3.bbclass"):
        yield f"{pn}: python_pyo3_do_configure comes from {pyo3.file}"
    if not pyo3.body.lstrip().startswith(f"cat > {env.value('PYO3_CONFIG_FILE')} << EOF"):
        yield f"{pn}: python_pyo3_do_configure does not write PYO3_CONFIG_FILE: {pyo3.body}"
    if "ext_suffix" in pyo3.body:
        yield f"{pn}: oe-core's pyo3.config names ext_suffix now; maturin-cross replaces it"

    # The variables maturin-cross reads, exported and from the class that owns each.
    owners = {
        "PYO3_CONFIG_FILE": "python_pyo3.bbclass",
        "PYO3_CROSS_LIB_DIR": "python_pyo3.bbclass",
        "PYO3_CROSS_PYTHON_VERSION": "python_pyo3.bbclass",
        "PYO3_PYTHON": "python_pyo3.bbclass",
        "CARGO_BUILD_TARGET": "python_pyo3.bbclass",
        "_PYTHON_HOST_PLATFORM": "python_pep517.bbclass",
    }
    for name, owner in owners.items():
        variable = variables[name]
        if not variable.exported or not _from_oe_core(bitbake, variable.set_in().file, owner):
            yield f"{pn}: {name} is set in {variable.set_in()}, exported={variable.exported}"
    for name in ("PEP517_WHEEL_PATH", "PEP517_SOURCE_PATH", "PEP517_BUILD_OPTS"):
        # The class's default, or the recipe's own (in its file or an include beside it).
        where = variables[name].set_in().file
        if not (
            _from_oe_core(bitbake, where, "python_pep517.bbclass")
            or Path(where).parent == recipe.parent
        ):
            yield f"{pn}: {name} is set in {where}"
    if env.value("CARGO_BUILD_TARGET") != env.value("RUST_HOST_SYS"):
        yield f"{pn}: CARGO_BUILD_TARGET is not RUST_HOST_SYS"
    # python3-maturin-cross-native is a task dependency (test_all_variants... checks it resolves).
    depends = variables["DEPENDS"]
    if "python3-maturin-native" not in depends.value.split():
        yield f"{pn}: DEPENDS is {depends.value}"
    if not any(op.file == str(CLASS) for op in depends.history):
        yield f"{pn}: DEPENDS has nothing from {CLASS}"
    task_depends = ast.literal_eval(env.value("_task_deps"))["depends"]
    if (
        "python3-maturin-cross-native:do_populate_sysroot"
        not in task_depends["do_prepare_recipe_sysroot"].split()
    ):
        yield f"{pn}: do_prepare_recipe_sysroot[depends] is {task_depends}"


def test_every_maturin_recipe_compiles_with_maturin_cross(
    bitbake: BitBake, environments: Environments, maturin_recipes: dict[str, Path]
) -> None:
    problems = [
        problem
        for pn, recipe in maturin_recipes.items()
        for problem in _problems_of(bitbake, pn, recipe, environments(pn))
    ]
    assert problems == []


def test_all_variants_and_the_layers_recipe_resolve(
    bitbake: BitBake, environments: Environments, maturin_recipes: dict[str, Path]
) -> None:
    """``bitbake -g`` resolves every build and runtime dependency of every variant (native,
    nativesdk) of every maturin recipe, and of the layer's own recipe, with oe-core alone: the
    native variants too get maturin-cross through python3-maturin-cross-native."""
    targets = ["python3-maturin-cross", "python3-maturin-cross-native"]
    variants: list[str] = []
    for pn in maturin_recipes:
        extend = environments(pn).value("BBCLASSEXTEND").split()
        variants += [f"{pn}-native" for e in extend if e == "native"]
        variants += [f"nativesdk-{pn}" for e in extend if e == "nativesdk"]
    graph_dir = bitbake.build / "graph"
    shutil.rmtree(graph_dir, ignore_errors=True)
    graph_dir.mkdir()
    os.chown(graph_dir, pwd.getpwnam(bitbake.user).pw_uid, pwd.getpwnam(bitbake.user).pw_gid)
    bitbake.ok("bitbake", "-g", *targets, *maturin_recipes, *variants, build=graph_dir)
    edges = (graph_dir / "task-depends.dot").read_text()
    missing = [
        pn
        for pn in [*maturin_recipes, *variants]
        if f'"{pn}.do_prepare_recipe_sysroot" -> "python3-maturin-cross-native.do_populate_sysroot"'
        not in edges
    ]
    assert missing == []


# ------------------------------------------------------------------------------------------------
# Opting out


def _optout_env(bitbake: BitBake, conf: str, name: str, recipe: str) -> Environment:
    """``bitbake -e -b`` of one recipe file (``virtual:native:`` for its native variant) with an
    extra configuration file: one recipe parsed, the cache of the main configuration untouched."""
    path = bitbake.write_conf(name, conf)
    return parse_environment(bitbake.ok("bitbake", "-R", str(path), "-e", "-b", recipe))


def _is_oe_cores_class(bitbake: BitBake, env: Environment) -> bool:
    oe_class = bitbake.oe_core / "meta" / "classes-recipe" / "python_maturin.bbclass"
    return (
        str(oe_class) in env.included()
        and str(CLASS) not in env.included()
        and env.functions["do_compile"].calls()[-1] == "python_pep517_do_compile"
        and env.functions["do_configure"].calls()[-1] == "python_maturin_do_configure"
        and all(op.file != str(CLASS) for op in env.variables["DEPENDS"].history)
    )


def test_opting_out_every_recipe(bitbake: BitBake, maturin_recipes: dict[str, Path]) -> None:
    env = _optout_env(
        bitbake,
        'MATURIN_CROSS_ALL = "0"\n',
        "optout-all.conf",
        str(maturin_recipes["python3-rpds-py"]),
    )
    assert _is_oe_cores_class(bitbake, env)
    assert env.value("MATURIN_CROSS_ALL") == "0"


def test_opting_out_one_recipe_and_its_native_variant(
    bitbake: BitBake, maturin_recipes: dict[str, Path]
) -> None:
    conf = 'MATURIN_CROSS_ALL:pn-python3-rpds-py = "0"\n'
    rpds = str(maturin_recipes["python3-rpds-py"])
    assert _is_oe_cores_class(bitbake, _optout_env(bitbake, conf, "optout-one.conf", rpds))
    native = _optout_env(bitbake, conf, "optout-one.conf", f"virtual:native:{rpds}")
    assert native.value("PN") == "python3-rpds-py-native"
    assert _is_oe_cores_class(bitbake, native)
    # Any other maturin recipe keeps maturin-cross under the same configuration.
    other = next(path for pn, path in maturin_recipes.items() if pn != "python3-rpds-py")
    env = _optout_env(bitbake, conf, "optout-one.conf", str(other))
    assert env.functions["do_compile"].calls()[-1] == "python_maturin_cross_do_compile"


def test_opting_in_one_recipe_after_opting_out_all(
    bitbake: BitBake, maturin_recipes: dict[str, Path]
) -> None:
    """MATURIN_CROSS_ALL = "0", and ``inherit python_maturin_cross`` after the recipe, as its
    bbappend would put it. ``bitbake -b`` applies no bbappend, so the recipe here is a file that
    requires oe-core's and then has the bbappend's line: what BitBake parses for a recipe with a
    bbappend (its text after the recipe's)."""
    rpds = maturin_recipes["python3-rpds-py"]
    folder = bitbake.build / "opt-in"
    folder.mkdir(exist_ok=True)
    recipe = folder / rpds.name
    recipe.write_text(
        f"require {rpds}\n# python3-rpds-py_%.bbappend:\ninherit python_maturin_cross\n"
    )
    conf = 'MATURIN_CROSS_ALL = "0"\n'
    env = _optout_env(bitbake, conf, "optout-all.conf", str(recipe))
    assert env.value("PN") == "python3-rpds-py"
    assert env.functions["do_compile"].calls()[-1] == "python_maturin_cross_do_compile"
    assert env.functions["do_configure"].calls()[-1] == "python_maturin_cross_do_configure"
    assert env.functions["python_maturin_cross_do_compile"].file == str(CLASS)
    # oe-core's class was inherited first, by the recipe, then this one over it.
    oe_class = bitbake.oe_core / "meta" / "classes-recipe" / "python_maturin.bbclass"
    assert {str(oe_class), str(CLASS)} <= set(env.included())


# ------------------------------------------------------------------------------------------------
# LAYERSERIES_COMPAT


def _compat(env: Environment) -> set[str]:
    return set(env.value("LAYERSERIES_COMPAT_maturin-cross").split())


def test_this_oe_core_accepts_the_layer(environments: Environments) -> None:
    env = environments("python3-rpds-py")
    assert env.value("LAYERSERIES_CORENAMES").split() == ["blacksail", "wrynose"]
    assert set(env.value("LAYERSERIES_COMPAT_core").split()) <= _compat(env)


@pytest.mark.parametrize(
    ("series", "accepted"), [("scarthgap", True), ("wrynose", True), ("kirkstone", False)]
)
def test_the_lts_series_accept_the_layer(bitbake: BitBake, series: str, accepted: bool) -> None:
    """BitBake's own LAYERSERIES check, against a core layer that names only ``series`` as
    oe-core's release branches do (LAYERSERIES_CORENAMES = LAYERSERIES_COMPAT_core = the
    release): a stand-in, because only this oe-core snapshot is here. The LTS series the layer
    claims are accepted; kirkstone, which it does not claim (no python_maturin there), is not."""
    top = bitbake.build / f"series-{series}"
    shutil.rmtree(top, ignore_errors=True)
    core, build = top / "core", top / "build"
    for folder in (core / "conf", core / "classes", build / "conf"):
        folder.mkdir(parents=True)
    (core / "conf" / "layer.conf").write_text(
        'BBPATH .= ":${LAYERDIR}"\nBBFILE_COLLECTIONS += "core"\n'
        'BBFILE_PATTERN_core = "^${LAYERDIR}/"\n'
        f'LAYERSERIES_CORENAMES = "{series}"\nLAYERSERIES_COMPAT_core = "{series}"\n'
    )
    (core / "conf" / "bitbake.conf").write_text("")
    (core / "classes" / "base.bbclass").write_text("")
    (build / "conf" / "bblayers.conf").write_text(
        f'BBPATH = "${{TOPDIR}}"\nBBFILES ?= ""\nBBLAYERS = "{core} {LAYER}"\n'
    )
    entry = pwd.getpwnam(bitbake.user)
    for path in [top, *top.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    done = bitbake.run("bitbake", "-e", build=build)
    output = done.stdout + done.stderr
    refused = "ERROR: Layer maturin-cross is not compatible with the core layer"
    if accepted:
        assert done.returncode == 0, output[-3000:]
        assert series in _compat(parse_environment(done.stdout))
    else:
        assert done.returncode != 0
        assert f"{refused} which only supports these series: {series}" in output


# ------------------------------------------------------------------------------------------------
# do_compile's environment: BitBake's own against test_yocto's reproduction


def do_compile_environment(env: Environment, folder: Path) -> dict[str, str]:
    """The environment do_compile's main function starts in: BitBake's exported variables, then
    do_compile's body up to its last call (setup_target_config, oe_cargo_fix_env, ...), run with
    bash as BitBake's run.do_compile runs it, with the last call replaced by ``env -0``."""
    script = [
        f"export {name}={shlex.quote(variable.value)}"
        for name, variable in env.variables.items()
        if variable.exported and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
    ]
    needed, todo = set(), ["do_compile"]
    while todo:
        name = todo.pop()
        needed.add(name)
        words = set(re.findall(r"[A-Za-z_][\w-]*", env.functions[name].body))
        todo += sorted((words & set(env.functions)) - needed)
    script += [f"{name}() {{\n{env.functions[name].body}\n:\n}}" for name in sorted(needed)]
    script += ["python_maturin_cross_do_compile() { env -0; }", "do_compile"]
    done = subprocess.run(
        ["bash", "-e", "-c", "\n".join(script)],
        env={},
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    pairs = (item.split("=", 1) for item in done.stdout.decode().split("\0") if item)
    return {name: value for name, value in pairs if name not in ("PWD", "SHLVL", "_", "OLDPWD")}


# Variables that name the target or the way to it (what maturin-cross reads), compared one by one.
COMPARED = ("PYO3_", "CARGO_", "_PYTHON_", "PYTHON", "STAGING_")
# Set on one side only, on purpose.
ONE_SIDED = {
    # Yocto's CARGO_HOME holds cargo_common's config.toml (linker, vendored crates); the
    # reproduction keeps the host's crate cache and gives the linker as a variable instead.
    "CARGO_HOME": "Yocto's holds config.toml; the reproduction uses the host's",
    "CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER": "config.toml's linker, as a variable",
}


def test_the_hand_reproduction_is_do_compiles_environment(
    environments: Environments,
    armhf: CrossToolchain,
    yocto_native_python: Path,
    tmp_path: Path,
    rpds_source: Path,
) -> None:
    """test_yocto.py runs the class's do_compile body under an environment made by hand from a
    Debian armhf sysroot. Here BitBake's own do_compile environment for python3-rpds-py is the
    reference: the same variables, each the same once the paths and versions that differ are
    named (WORKDIR, S, the Python version, the native python, the vendor in the Rust triple)."""
    import test_yocto

    env = environments("python3-rpds-py")
    reference = do_compile_environment(env, tmp_path)
    work = test_yocto._yocto_work(armhf, yocto_native_python, tmp_path, rpds_source, "")

    yocto_names = {
        "WORKDIR": env.value("WORKDIR"),
        "S": env.value("S"),
        "PYTHON": env.value("PYTHON"),
        "RUST_HOST_SYS": env.value("RUST_HOST_SYS"),
        "PYTHON_BASEVERSION": env.value("PYTHON_BASEVERSION"),
    }
    vendor = env.value("TARGET_VENDOR")  # -oe (DISTRO = "") or -poky
    hand_names = {
        "WORKDIR": str(tmp_path / "work"),
        "S": str(rpds_source),
        "PYTHON": str(yocto_native_python),
        "RUST_HOST_SYS": armhf.rust_target,
        "PYTHON_BASEVERSION": "3.11",
    }
    assert armhf.rust_target.replace("-unknown", vendor) == env.value("RUST_HOST_SYS")

    def named(value: str, names: dict[str, str]) -> str:
        for name, text in sorted(names.items(), key=lambda item: -len(item[1])):
            value = value.replace(text, "${" + name + "}")
        return value

    def compared(variables: dict[str, str], names: dict[str, str]) -> dict[str, str]:
        return {
            key: named(value, names)
            for key, value in variables.items()
            if key.startswith(COMPARED) and key not in ONE_SIDED
        }

    hand = {key: value for key, value in work.yocto.items() if not key.startswith("PEP517_")}
    assert all(key.startswith(COMPARED) for key in hand), "a variable the comparison misses"
    assert compared(hand, hand_names) == compared(reference, yocto_names)
    assert set(ONE_SIDED) <= set(reference) | set(hand)

    # The variables do_compile's body expands, and the target's sysconfigdata location.
    for key in ("PEP517_WHEEL_PATH", "PEP517_SOURCE_PATH", "PEP517_BUILD_OPTS"):
        assert named(work.env[key], hand_names) == named(env.value(key), yocto_names)
    sysconfigdata = "{}/{}.py".format(
        reference["PYTHONPATH"].split(":")[0], reference["_PYTHON_SYSCONFIGDATA_NAME"]
    )
    assert named(str(work.sysconfigdata), hand_names) == named(sysconfigdata, yocto_names)

    # And the pyo3.config python_pyo3 writes, key by key.
    heredoc = env.functions["python_pyo3_do_configure"].body.split("<< EOF\n")[1]
    yocto_config = named(heredoc.split("\nEOF")[0] + "\n", yocto_names)
    hand_config = Path(work.env["PYO3_CONFIG_FILE"]).read_text()
    assert named(hand_config, hand_names) == yocto_config
