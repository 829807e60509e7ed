"""``maturin-cross test``: a wheel installed and imported in the target's own Python under qemu.

The pure decisions are tested directly; the command itself on a real armhf wheel of
examples/rpds, built once for the module, and on wheels made from its real module that must fail
on the target with the target's own error."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import CrossToolchain, clean_environ, run_cli
from wheelmaker import make_wheel

from maturin_cross.errors import TrialUnavailable, UsageError
from maturin_cross.target.arches import ElfFacts
from maturin_cross.target.resolve import PythonABI
from maturin_cross.target.sysroot import Sysroot
from maturin_cross.trial import prepare


@pytest.mark.parametrize(
    ("facts", "machine"),
    [
        (ElfFacts("EM_ARM", 32, True, "arm-hard-float"), "arm"),
        (ElfFacts("EM_AARCH64", 64, True), "aarch64"),
        (ElfFacts("EM_386", 32, True), "i386"),
        (ElfFacts("EM_PPC64", 64, True, "ppc64-elfv2"), "ppc64le"),
        (ElfFacts("EM_PPC64", 64, False, "ppc64-elfv1"), "ppc64"),
        (ElfFacts("EM_S390", 64, False), "s390x"),
        (ElfFacts("EM_MIPS", 32, True, "mips-o32"), "mipsel"),
        (ElfFacts("EM_MIPS", 32, True, "mips-n32"), "mipsn32el"),
        (ElfFacts("EM_MIPS", 64, True, "mips-n64"), "mips64el"),
        (ElfFacts("EM_RISCV", 64, True, "riscv-double"), "riscv64"),
    ],
)
def test_qemu_machine(facts: ElfFacts, machine: str) -> None:
    assert prepare.qemu_machine(facts) == machine
    assert prepare.qemu_programs(facts) == (f"qemu-{machine}-static", f"qemu-{machine}")


def test_no_emulator_is_unavailable() -> None:
    with pytest.raises(TrialUnavailable, match="qemu-user has no emulator for"):
        prepare.qemu_machine(ElfFacts("EM_XTENSA", 32, True))


def test_extension_modules_by_dotted_name() -> None:
    members = [
        "rpds/__init__.py",
        "rpds/rpds.cpython-311-arm-linux-gnueabihf.so",
        "pkg/sub/_core.abi3.so",
        "plain.so",
        "pkg.libs/libz-1a2b3c.so",
        "x.data/platlib/deep/_m.cpython-311-arm-linux-gnueabihf.so",
        "x.data/scripts/tool.so",
        "x.dist-info/RECORD",
    ]
    assert prepare.extension_modules(members) == ["deep._m", "pkg.sub._core", "plain", "rpds.rpds"]


def test_the_target_python_is_found_by_version_and_abi(tmp_path: Path) -> None:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "bin" / "python3.13t").write_text("")
    root = Sysroot(tmp_path, "test")
    assert prepare.find_python(root, PythonABI((3, 13), "t")) == "/usr/bin/python3.13t"
    with pytest.raises(
        TrialUnavailable, match=r"has no target Python 3\.13 \(/usr/bin/python3\.13 or"
    ):
        prepare.find_python(root, PythonABI((3, 13)))


def test_import_script_reports_each_failure_then_runs_the_command(tmp_path: Path) -> None:
    # Our own script, run here by the host's Python on modules that exist or not.
    script = prepare.import_script(["json", "no_such_module_x"], "print('ran')")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert f"{prepare.MARK} imported json" in done.stdout
    assert (
        "no_such_module_x: ModuleNotFoundError: No module named 'no_such_module_x'" in done.stderr
    )
    assert "ran" not in done.stdout
    ok = subprocess.run(
        [sys.executable, "-c", prepare.import_script(["json"], "print('ran')")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert ok.stdout.splitlines()[-1] == "ran"


# ------------------------------------------------------------------------------------------------
# On the target


@pytest.fixture(scope="module")
def rpds_wheel(armhf: CrossToolchain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    import shutil

    from harness import EXAMPLES

    work = tmp_path_factory.mktemp("trial")
    shutil.copytree(EXAMPLES / "rpds", work / "rpds", ignore=shutil.ignore_patterns("target"))
    env = clean_environ(MATURIN_CROSS_SYSCONFIGDATA=str(armhf.sysconfigdata), **armhf.linker_env)
    done = run_cli(["build", "--no-isolation", work / "rpds", "-o", work / "out"], env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    yield Path(done.stdout.strip().splitlines()[-1])


def _test(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(["test", *args], env=env or clean_environ())


def test_a_real_wheel_imports_and_answers(armhf: CrossToolchain, rpds_wheel: Path) -> None:
    done = _test(
        str(rpds_wheel),
        "--sysroot",
        str(armhf.sysroot),
        "--command",
        "import platform, rpds; print(platform.machine(), rpds.HashTrieMap({1: 2})[1])",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "imported rpds.rpds in the target's Python under qemu (armv7-unknown-linux-gnueabihf)",
        "armv7l 2",
    ]


def test_a_module_that_does_not_load_fails_with_the_target_error(
    armhf: CrossToolchain, rpds_wheel: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(rpds_wheel) as archive:
        module = next(n for n in archive.namelist() if n.endswith(".so"))
        data = archive.read(module)
    # The real module under another name: CPython finds no PyInit_other in it.
    bad = make_wheel(
        tmp_path,
        tags=("cp311-cp311-linux_armv7l",),
        files={
            "rpds/__init__.py": b"",
            "rpds/other.cpython-311-arm-linux-gnueabihf.so": (data, 0o755),
        },
    )
    done = _test(str(bad), "--sysroot", str(armhf.sysroot), "--command", "print('not reached')")
    assert done.returncode == 1
    assert (
        "rpds.other: ImportError: dynamic module does not define module export function (PyInit_other)"
        in done.stderr
    )
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"maturin-cross: error: {bad.name} failed on armv7-unknown-linux-gnueabihf under qemu: rpds.other: ImportError"
    )
    assert "not reached" not in done.stdout


def test_a_failing_command_is_a_failure(armhf: CrossToolchain, rpds_wheel: Path) -> None:
    done = _test(
        str(rpds_wheel),
        "--sysroot",
        str(armhf.sysroot),
        "--command",
        "import rpds; rpds.HashTrieMap({})['missing']",
    )
    assert done.returncode == 1
    assert "KeyError" in done.stderr


def test_missing_qemu_or_python_is_exit_2(
    armhf: CrossToolchain, rpds_wheel: Path, tmp_path: Path
) -> None:
    no_qemu = clean_environ()
    no_qemu["PATH"] = str(Path(sys.executable).parent)
    done = _test(str(rpds_wheel), "--sysroot", str(armhf.sysroot), env=no_qemu)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "maturin-cross: error: neither qemu-arm-static nor qemu-arm is installed, so the wheel "
        "cannot be tried on armv7-unknown-linux-gnueabihf here; install qemu-user-static "
        "(Debian, Ubuntu) or qemu-user"
    ]
    # A sysroot with the target's sysconfigdata but no Python.
    lib = tmp_path / "usr" / "lib" / "python3.11"
    lib.mkdir(parents=True)
    (lib / armhf.sysconfigdata.name).write_bytes(armhf.sysconfigdata.read_bytes())
    done = _test(str(rpds_wheel), "--sysroot", str(tmp_path))
    assert done.returncode == 2
    assert f"maturin-cross: error: {tmp_path} has no target Python 3.11" in done.stderr


def test_bad_arguments_are_one_line(tmp_path: Path) -> None:
    done = _test(str(tmp_path / "none.whl"), "--sysroot", str(tmp_path))
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"maturin-cross: error: {tmp_path / 'none.whl'} does not exist; name a wheel file"
    )
    done = _test(str(tmp_path / "none.whl"), "--sysroot", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert done.stderr.strip().startswith(
        f"maturin-cross: error: --sysroot {tmp_path / 'nowhere'} is not a folder"
    )


def test_a_run_names_a_program_the_wheels_install() -> None:
    assert prepare.program_run("hello 'two words' x", ["hello", "other"]) == (
        "hello",
        "two words",
        "x",
    )
    with pytest.raises(UsageError) as err:
        prepare.program_run("nope --version", ["hello"])
    assert str(err.value) == (
        "--run 'nope --version' names 'nope', which the wheels do not install (their programs: "
        "hello); name one of them"
    )
    with pytest.raises(UsageError, match="quote it as a shell would"):
        prepare.program_run("hello 'open", ["hello"])
    with pytest.raises(UsageError, match="names no program"):
        prepare.program_run("", ["hello"])


HELLO_C = b"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) printf("%s%s", argv[i], i + 1 < argc ? " " : "\\n");
    return argc > 1 && strcmp(argv[1], "fail") == 0 ? 3 : 0;
}
"""


def hello_wheel(toolchain: CrossToolchain, folder: Path, platform: str) -> Path:
    """A bindings = "bin" wheel: a real program for the target in NAME.data/scripts/, no module."""
    source = folder / "hello.c"
    source.write_bytes(HELLO_C)
    program = folder / "hello"
    subprocess.run([toolchain.linker, "-O2", "-o", str(program), str(source)], check=True)
    return make_wheel(
        folder,
        name="hello",
        tags=(f"py3-none-{platform}",),
        files={"hello-0.1.0.data/scripts/hello": (program.read_bytes(), 0o755)},
    )


def test_a_bin_wheels_program_runs_on_the_target(armhf: CrossToolchain, tmp_path: Path) -> None:
    wheel = hello_wheel(armhf, tmp_path, "linux_armv7l")
    sysroot = str(armhf.sysroot)
    done = _test(str(wheel), "--sysroot", sysroot, "--run", "hello from 'the target'")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["from the target"]
    done = _test(str(wheel), "--sysroot", sysroot, "--run", "hello fail")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"maturin-cross: error: {wheel.name} failed on armv7-unknown-linux-gnueabihf under "
        "qemu: hello exited with 3"
    )
    done = _test(str(wheel), "--sysroot", sysroot, "--run", "just --version")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "maturin-cross: error: --run 'just --version' names 'just', which the wheels do not "
        "install (their programs: hello); name one of them"
    ]


def test_a_target_this_machine_runs_is_tried_without_qemu(
    tmp_path: Path, provisioner: Callable[[str], CrossToolchain]
) -> None:
    # i386 on x86-64: the sysroot's own loader starts its Python and the wheel's program; with
    # no qemu on PATH at all.
    i386 = provisioner("i386")
    wheel = hello_wheel(i386, tmp_path, "linux_i686")
    tools = tmp_path / "tools"  # setarch from util-linux, and no qemu
    tools.mkdir()
    (tools / "setarch").symlink_to(shutil.which("setarch") or "/usr/bin/setarch")
    no_qemu = clean_environ()
    no_qemu["PATH"] = f"{Path(sys.executable).parent}:{tools}"
    code = (
        "import platform, struct, sys; print(platform.machine(), struct.calcsize('P'), sys.prefix)"
    )
    done = _test(
        str(wheel),
        "--sysroot",
        str(i386.sysroot),
        "--command",
        code,
        "--run",
        "hello 32-bit",
        env=no_qemu,
    )
    assert done.returncode == 0, done.stderr
    # It sees the machine a 32-bit system would, as under qemu-i386.
    assert done.stdout.splitlines() == [f"i686 4 {i386.sysroot / 'usr'}", "32-bit"]


@pytest.mark.parametrize(
    ("target", "native"),
    [
        (ElfFacts("EM_X86_64", 64, True), True),
        (ElfFacts("EM_386", 32, True), True),
        (ElfFacts("EM_ARM", 32, True, "arm-hard-float"), False),
        (ElfFacts("EM_AARCH64", 64, True), False),
    ],
)
def test_what_an_x86_64_machine_runs_itself(target: ElfFacts, native: bool) -> None:
    assert prepare.runs_natively(target, ElfFacts("EM_X86_64", 64, True)) is native
    # An ARM machine runs none of x86's programs.
    assert not prepare.runs_natively(target, ElfFacts("EM_AARCH64", 64, True)) or target == (
        ElfFacts("EM_AARCH64", 64, True)
    )
