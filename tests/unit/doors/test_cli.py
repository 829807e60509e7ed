"""The command line: ``fix`` and ``inspect`` on real wheels, their output and exit codes (0 done,
1 refused or, with ``--check``, a change needed, 2 usage). ``main()`` is called in-process; a few
runs go through ``python -m maturin_cross`` for the exit code a shell sees.

The wheel tables are repaircases.py's, shared with test_repair.py, so the library and the
command line answer the same cases.
"""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from harness import FIXTURES, ROOT, clean_environ, clear_target_environ, cli_command, run_cli
from repaircases import (
    AARCH64_T,
    ARM_RIGHT,
    ARM_SEED,
    ARMHF,
    ARMV7L_WHEEL,
    FIXABLE,
    MIPS64_SYSCONFIG,
    REFUSALS,
    Fixable,
    Refusal,
    TargetSpec,
    assert_problems,
    assert_rewritten,
    build_wheel,
    elf_bytes,
    sha256_file,
)
from wheelmaker import make_wheel

from maturin_cross.checks.proof import NO_SYSROOT
from maturin_cross.cli.main import main

ELF_FIXTURES = FIXTURES / "elf"
ERROR = "maturin-cross: error: "
ARMHF_TRIPLE = "armv7-unknown-linux-gnueabihf"
SEED_RENAME = f"renamed {ARM_SEED} -> mod.cpython-312-arm-linux-gnueabihf.so"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No target from the environment, and a working folder with no pyproject.toml."""
    clear_target_environ(monkeypatch)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return status, out, err


def seed_wheel(folder: Path, tags: tuple[str, ...] = ("cp312-cp312-linux_armv7l",)) -> Path:
    """maturin 1.7.0's armhf wheel: the right binary under the ``armv7l`` name."""
    return build_wheel(folder, tags, {ARM_SEED: "arm-linux-gnueabihf.so"})


NOTE = f"maturin-cross: note: {NO_SYSROOT}"

# --- fix -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", FIXABLE, ids=lambda c: c.id)
def test_fix(case: Fixable, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = case.build(tmp_path / "in")
    digest = sha256_file(source)
    wheelhouse = tmp_path / "wheelhouse"

    status, out, err = run(capsys, "fix", source, *case.target.cli_args(tmp_path), "-w", wheelhouse)

    assert status == 0
    assert out == f"{wheelhouse / case.wheel_name}\n"
    # No sysroot is known for these targets: the wheel is checked as before, and a note says so.
    assert err.splitlines() == [f"maturin-cross: {change}" for change in case.changes] + [NOTE]
    assert list(wheelhouse.iterdir()) == [wheelhouse / case.wheel_name]
    assert_rewritten(source, wheelhouse / case.wheel_name, case)
    assert sha256_file(source) == digest


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_fix_refuses(case: Refusal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = case.build(tmp_path / "in")
    digest = sha256_file(source)
    wheelhouse = tmp_path / "wheelhouse"

    status, out, err = run(capsys, "fix", source, *case.target.cli_args(tmp_path), "-w", wheelhouse)

    assert status == 1
    assert out == ""
    lines = err.splitlines()
    assert all(line.startswith(ERROR) for line in lines), lines
    assert_problems([line.removeprefix(ERROR) for line in lines], case)
    assert not wheelhouse.exists()
    assert sha256_file(source) == digest


def test_fix_check_reports_what_would_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = seed_wheel(tmp_path / "in", ("cp312-cp312-linux_x86_64",))
    digest = sha256_file(source)
    wheelhouse = tmp_path / "wheelhouse"

    status, out, err = run(
        capsys, "fix", "--check", source, "--target", ARMHF_TRIPLE, "-w", wheelhouse
    )

    assert status == 1
    assert out.splitlines() == [
        f"{source}: would change: {SEED_RENAME}",
        f"{source}: would change: retagged cp312-cp312-linux_x86_64 -> cp312-cp312-linux_armv7l",
    ]
    assert err == ""
    assert not wheelhouse.exists()
    assert sha256_file(source) == digest


def test_fix_check_passes_a_right_wheel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"}
    )
    wheelhouse = tmp_path / "wheelhouse"

    status, out, err = run(
        capsys, "fix", "--check", source, *ARMHF.cli_args(tmp_path), "-w", wheelhouse
    )

    assert (status, out, err) == (0, f"{source}: ok for {ARMHF_TRIPLE}\n", "")
    assert not wheelhouse.exists()


def test_fix_check_refuses_a_wrong_wheel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "x86_64-linux-gnu.so"}
    )
    wheelhouse = tmp_path / "wheelhouse"

    status, out, err = run(
        capsys, "fix", "--check", source, "--target", ARMHF_TRIPLE, "-w", wheelhouse
    )

    assert (status, out) == (1, "")
    assert err.startswith(f"{ERROR}{ARMV7L_WHEEL}: {ARM_RIGHT} is ELF x86-64 64-bit LE; ")
    assert len(err.splitlines()) == 1
    assert not wheelhouse.exists()


def test_fix_without_a_target_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = seed_wheel(tmp_path / "in")

    status, out, err = run(capsys, "fix", source)

    assert (status, out) == (2, "")
    assert err == (
        f"{ERROR}fix needs the target: --sysconfigdata FILE or --target TRIPLE "
        "(or -C sysconfigdata=FILE / -C target=TRIPLE)\n"
    )
    assert not (tmp_path / "wheelhouse").exists()


@pytest.mark.parametrize("key", ["target", "sysconfigdata"])
def test_fix_takes_the_target_as_a_config_setting(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = seed_wheel(tmp_path / "in")
    value = ARMHF_TRIPLE if key == "target" else ARMHF.cli_args(tmp_path)[1]

    status, out, err = run(capsys, "fix", source, "-C", f"{key}={value}", "-w", tmp_path / "out")

    assert status == 0, err
    assert out == f"{tmp_path / 'out' / ARMV7L_WHEEL}\n"
    assert err == f"maturin-cross: {SEED_RENAME}\n{NOTE}\n"


def test_fix_several_wheels_writes_the_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = build_wheel(
        tmp_path / "bad", ("cp312-cp312-linux_x86_64",), {ARM_RIGHT: "x86_64-linux-gnu.so"}
    )
    good = seed_wheel(tmp_path / "good")
    missing = tmp_path / "missing-0.1.0-cp312-cp312-linux_armv7l.whl"
    wheelhouse = tmp_path / "wheelhouse"

    status, out, err = run(
        capsys, "fix", bad, good, missing, *ARMHF.cli_args(tmp_path), "-w", wheelhouse
    )

    # A refused wheel is 1, a path that is no wheel 2: the highest is the exit code.
    assert status == 2
    assert out == f"{wheelhouse / ARMV7L_WHEEL}\n"
    lines = err.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{ERROR}pkg-0.1.0-cp312-cp312-linux_x86_64.whl: {ARM_RIGHT} is ")
    assert lines[1:] == [
        f"maturin-cross: {SEED_RENAME}",
        NOTE,
        f"{ERROR}{missing}: no such wheel; name an existing .whl file",
    ]
    assert list(wheelhouse.iterdir()) == [wheelhouse / ARMV7L_WHEEL]


def test_fix_writes_into_wheelhouse_in_the_working_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = seed_wheel(tmp_path / "in")

    status, out, _ = run(capsys, "fix", source, "--target", ARMHF_TRIPLE)

    assert status == 0
    assert out == f"{Path('wheelhouse') / ARMV7L_WHEEL}\n"
    assert [p.name for p in (tmp_path / "wheelhouse").iterdir()] == [ARMV7L_WHEEL]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["inspect", "-C", "target"], id="inspect-no-equals"),
        pytest.param(["inspect", "--json", "-C", "=armv7l"], id="inspect-no-key"),
        pytest.param(["fix", "x.whl", "--target", ARMHF_TRIPLE, "-C", "target"], id="fix"),
    ],
)
def test_a_bad_config_pair_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *argv)

    assert (status, out) == (2, "")
    assert err.startswith(f"{ERROR}-C ")
    assert err.rstrip().endswith(f"expected KEY=VALUE (e.g. -C target={ARMHF_TRIPLE})")


# --- inspect -------------------------------------------------------------------------------

ARM_HARD_OBJECT = {
    "elf": "ELF ARM 32-bit LE arm-hard-float",
    "machine": "EM_ARM",
    "bits": 32,
    "endianness": "little",
    "abi": "arm-hard-float",
    "pyinit": ["PyInit_mod"],
}


def test_inspect_wheel_without_a_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = seed_wheel(tmp_path)

    status, out, err = run(capsys, "inspect", source, "--json")

    assert (status, err) == (0, "")
    assert json.loads(out) == {
        "wheel": ARMV7L_WHEEL,
        "tags": ["cp312-cp312-linux_armv7l"],
        "shared_objects": [{"path": ARM_SEED, **ARM_HARD_OBJECT}],
    }


@pytest.mark.parametrize("how", ["--sysconfigdata", "-C"])
def test_inspect_wheel_for_a_target_says_what_would_change(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = seed_wheel(tmp_path / "in")
    sysconfigdata = ARMHF.cli_args(tmp_path)[1]
    option = ["-C", f"sysconfigdata={sysconfigdata}"] if how == "-C" else [how, sysconfigdata]

    status, out, err = run(capsys, "inspect", source, "--json", *option)

    assert (status, err) == (0, "")
    report = json.loads(out)
    assert report["target"] == ARMHF_TRIPLE
    assert report["problems"] == []
    assert report["changes"] == [SEED_RENAME]
    assert not (tmp_path / "wheelhouse").exists()


def test_inspect_wheel_for_a_target_reads_it_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a target, the proof's one pass over the wheel is all ``inspect`` reads: the listing
    of its shared objects comes from that pass, not from a second reading."""
    from maturin_cross.checks import repair
    from maturin_cross.wheel import contents

    passes: list[str] = []
    real = contents.read_wheel_inspecting

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes.append(str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(contents, "read_wheel_inspecting", counted)
    monkeypatch.setattr(repair, "read_wheel_inspecting", counted)
    monkeypatch.setattr("maturin_cross.checks.proof.read_wheel_inspecting", counted)
    source = seed_wheel(tmp_path / "in")
    sysconfigdata = ARMHF.cli_args(tmp_path)[1]

    status, out, _ = run(capsys, "inspect", source, "--json", "--sysconfigdata", sysconfigdata)

    assert status == 0
    assert json.loads(out)["shared_objects"] != []
    assert passes == [str(source)]


def test_inspect_wheel_reports_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = build_wheel(
        tmp_path,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabi.so", "pkg/_data.so": "not-elf.so"},
    )

    status, out, err = run(capsys, "inspect", source, "--json", "--target", ARMHF_TRIPLE)

    assert (status, err) == (1, "")
    report = json.loads(out)
    assert report["shared_objects"][0]["path"] == ARM_RIGHT
    assert report["shared_objects"][0]["elf"] == "ELF ARM 32-bit LE arm-soft-float"
    assert report["shared_objects"][1]["path"] == "pkg/_data.so"
    assert "is not an ELF file" in report["shared_objects"][1]["error"]
    assert len(report["problems"]) == 2
    assert "it uses the soft-float ABI" in report["problems"][0]
    assert "pkg/_data.so is not an ELF file" in report["problems"][1]
    assert report["changes"] == []


def test_inspect_wheel_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = build_wheel(
        tmp_path / "in",
        ("cp312-cp312-linux_x86_64",),
        {ARM_SEED: "arm-linux-gnueabihf.so"},
    )

    status, out, err = run(capsys, "inspect", source, *ARMHF.cli_args(tmp_path))

    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "pkg-0.1.0-cp312-cp312-linux_x86_64.whl",
        "  tags: cp312-cp312-linux_x86_64",
        f"  {ARM_SEED}: ELF ARM 32-bit LE arm-hard-float; PyInit: PyInit_mod",
        f"  would change: {SEED_RENAME}",
        "  would change: retagged cp312-cp312-linux_x86_64 -> cp312-cp312-linux_armv7l",
        f"  note: {NO_SYSROOT}",
    ]


def test_inspect_wheel_shows_instruction_sets_beside_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Per binary what it needs of the instruction set, beside what the sysroot's C library was
    built for: a NEON module against Debian armhf's baseline (VFPv3-D16, no NEON)."""
    isa = FIXTURES / "isa"
    (tmp_path / "in").mkdir()
    source = make_wheel(
        tmp_path / "in",
        name="pkg",
        tags=("cp312-cp312-linux_armv7l",),
        files={"pkg/__init__.py": b"", ARM_RIGHT: ((isa / "armhf-v7-neon.so").read_bytes(), 0o755)},
    )
    lib = tmp_path / "root" / "lib" / "arm-linux-gnueabihf"
    lib.mkdir(parents=True)
    (lib / "libc.so.6").write_bytes((isa / "armhf-v7-neon.so").read_bytes())
    (lib / "libm.so.6").write_bytes((isa / "armhf-v7-vfpv3d16.so").read_bytes())
    target = [*ARMHF.cli_args(tmp_path), "--sysroot", str(tmp_path / "root")]

    status, out, err = run(capsys, "inspect", source, *target)

    assert (status, err) == (1, "")
    assert (
        "  instruction set; the target's /lib/arm-linux-gnueabihf/libc.so.6: ARMv7, VFPv3-D16"
        in (out.splitlines())
    )
    assert f"    {ARM_RIGHT} needs ARMv7, VFPv3, NEON" in out.splitlines()
    assert "(NEON beyond the target's)" in out
    status, out, err = run(capsys, "inspect", source, "--json", *target)
    report = json.loads(out)
    assert report["instruction_sets"] == {ARM_RIGHT: "ARMv7, VFPv3, NEON"}
    assert report["baseline"] == {
        "library": "/lib/arm-linux-gnueabihf/libc.so.6",
        "instruction_set": "ARMv7, VFPv3-D16",
    }


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("arm-linux-gnueabihf.so", "ELF ARM 32-bit LE arm-hard-float"),
        ("arm-linux-gnueabi.so", "ELF ARM 32-bit LE arm-soft-float"),
        ("mips64-linux-gnuabin32.so", "ELF MIPS 32-bit BE mips-n32"),
        ("powerpc-linux-gnu.so", "ELF PowerPC 32-bit BE"),
        ("libfoo.so.1", "ELF x86-64 64-bit LE"),
    ],
)
def test_inspect_so(
    fixture: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "inspect", ELF_FIXTURES / fixture, "--json")

    assert (status, err) == (0, "")
    report = json.loads(out)
    assert report["file"] == str(ELF_FIXTURES / fixture)
    assert [obj["path"] for obj in report["shared_objects"]] == [fixture]
    assert report["shared_objects"][0]["elf"] == kind
    assert "problems" not in report


@pytest.mark.parametrize(
    ("fixture", "status", "problem"),
    [
        ("arm-linux-gnueabihf.so", 0, None),
        ("arm-linux-gnueabi.so", 1, "it uses the soft-float ABI"),
        ("armeb-linux-gnueabihf.so", 1, "it is big-endian, the target is little-endian"),
        ("aarch64-linux-gnu.so", 1, "is ELF AArch64 64-bit LE; target " + ARMHF_TRIPLE),
    ],
)
def test_inspect_so_for_a_target(
    fixture: str,
    status: int,
    problem: str | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    so = tmp_path / "mod.cpython-312-arm-linux-gnueabihf.so"
    so.write_bytes(elf_bytes(fixture))

    result, out, err = run(capsys, "inspect", so, "--json", "--target", ARMHF_TRIPLE)

    assert (result, err) == (status, "")
    report = json.loads(out)
    assert report["target"] == ARMHF_TRIPLE
    if problem is None:
        assert report["problems"] == []
    else:
        (line,) = report["problems"]
        assert line.startswith(f"{so} is ")
        assert problem in line


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            ARMHF,
            {
                "ext_suffix": ".cpython-312-arm-linux-gnueabihf.so",
                "rust_target": ARMHF_TRIPLE,
                "platform_tag": "linux_armv7l",
                "python_tag": "cp312",
                "abi_tag": "cp312",
                "multiarch": "arm-linux-gnueabihf",
                "pointer_width": 32,
            },
            id="armhf",
        ),
        pytest.param(
            AARCH64_T,
            {
                "ext_suffix": ".cpython-313t-aarch64-linux-gnu.so",
                "rust_target": "aarch64-unknown-linux-gnu",
                "platform_tag": "linux_aarch64",
                "python_tag": "cp313",
                "abi_tag": "cp313t",
                "multiarch": "aarch64-linux-gnu",
                "pointer_width": 64,
            },
            id="free-threaded",
        ),
        pytest.param(
            MIPS64_SYSCONFIG,
            {
                "ext_suffix": ".cpython-312-mips64-linux-gnuabi64.so",
                "rust_target": "mips64-unknown-linux-gnuabi64",
                "platform_tag": "linux_mips64",
                "python_tag": "cp312",
                "abi_tag": "cp312",
                "multiarch": "mips64-linux-gnuabi64",
                "pointer_width": 64,
            },
            id="yocto-mips64",
        ),
    ],
)
def test_inspect_target(
    spec: TargetSpec,
    expected: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = spec.cli_args(tmp_path)

    status, out, err = run(capsys, "inspect", *args, "--json")

    assert (status, err) == (0, "")
    report = json.loads(out)
    assert {key: report[key] for key in expected} == expected
    assert report["sysconfigdata"] == args[1]


# --- through python -m maturin_cross ---------------------------------------------------------


def run_module(*argv: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli([str(arg) for arg in argv], env=clean_environ(), cwd=cwd, timeout=120)


def test_module_fix_exit_codes(tmp_path: Path) -> None:
    good = seed_wheel(tmp_path / "good")
    bad = build_wheel(
        tmp_path / "bad", ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabi.so"}
    )
    sysconfigdata = ARMHF.cli_args(tmp_path)

    fixed = run_module("fix", good, *sysconfigdata, "-w", "out", cwd=tmp_path)
    refused = run_module("fix", bad, *sysconfigdata, "-w", "refused", cwd=tmp_path)
    usage = run_module("fix", good, cwd=tmp_path)

    assert (fixed.returncode, fixed.stdout) == (0, f"{Path('out') / ARMV7L_WHEEL}\n")
    assert fixed.stderr == f"maturin-cross: {SEED_RENAME}\n{NOTE}\n"
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.startswith(f"{ERROR}{ARMV7L_WHEEL}: {ARM_RIGHT} is ELF ARM 32-bit LE ")
    assert not (tmp_path / "refused").exists()
    assert (usage.returncode, usage.stdout) == (2, "")
    assert usage.stderr.startswith(f"{ERROR}fix needs the target")


def test_module_inspect(tmp_path: Path) -> None:
    args = ARMHF.cli_args(tmp_path)

    done = run_module("inspect", *args, "--json", cwd=tmp_path)

    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["ext_suffix"] == ".cpython-312-arm-linux-gnueabihf.so"


def test_inspect_a_non_elf_so_is_a_finding_not_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "inspect", ELF_FIXTURES / "not-elf.so", "--json")
    assert (status, err) == (1, "")
    report = json.loads(out)
    (line,) = report["problems"]
    assert "not-elf.so is not an ELF file" in line
    assert report["shared_objects"][0]["error"] == line


@pytest.mark.parametrize(
    "argv",
    [
        ["--target", "aarch64-unknown-linux-gnu", "-C", f"build-args=--target {ARMHF_TRIPLE}"],
        ["-C", "target=aarch64-unknown-linux-gnu", "-C", f"build-args=--target={ARMHF_TRIPLE}"],
        ["-C", f"build-args=--target {ARMHF_TRIPLE}", "--target", "aarch64-unknown-linux-gnu"],
    ],
)
def test_inspect_a_target_flag_wins_over_a_target_in_build_args(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "inspect", "--json", *argv)
    assert (status, err) == (0, "")
    shown = json.loads(out)
    assert shown["rust_target"] == "aarch64-unknown-linux-gnu"
    assert shown["sources"]["rust_target"] in ("--target", "-C target")


def test_build_help_documents_src_dir_and_every_setting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from maturin_cross.settings.model import Settings

    with pytest.raises(SystemExit) as info:
        main(["build", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    words = " ".join(out.split())
    assert "SRC_DIR the project folder, with pyproject.toml or Cargo.toml" in words
    for field in Settings.__dataclass_fields__:
        if field != "origins":
            assert f"  {field.replace('_', '-')}=" in out, field
    assert "as ONE string split like a shell command line" in out


# --- hostile input: one line each, never a traceback ----------------------------------------


def one_error(err: str) -> str:
    """The one ``maturin-cross: error:`` line of ``err`` (and nothing like a traceback)."""
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith(ERROR)]
    return line


def right_wheel(folder: Path) -> Path:
    return build_wheel(folder, ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"})


def test_fix_refuses_to_replace_its_input_without_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = seed_wheel(tmp_path / "in")
    digest = sha256_file(source)
    status, out, err = run(capsys, "fix", source, *ARMHF.cli_args(tmp_path), "-w", source.parent)
    assert (status, out) == (2, "")
    line = one_error(err)
    assert line.startswith(f"{ERROR}{source}: the corrected wheel would replace it")
    assert line.endswith("pass --in-place to rewrite it in place, or -w another folder")
    assert sha256_file(source) == digest
    assert [p.name for p in source.parent.iterdir()] == [source.name]


def test_fix_in_place_rewrites_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = seed_wheel(tmp_path / "in")
    args = ["fix", source, *ARMHF.cli_args(tmp_path), "-w", source.parent, "--in-place"]
    status, out, err = run(capsys, *args)
    assert status == 0, err
    assert out == f"{source}\n"
    assert err == f"maturin-cross: {SEED_RENAME}\n{NOTE}\n"
    assert [p.name for p in source.parent.iterdir()] == [source.name]
    status, out, err = run(capsys, "fix", source, *ARMHF.cli_args(tmp_path), "--check")
    assert status == 0, err  # now right for its target


def test_fix_refuses_two_wheels_that_would_be_one_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = build_wheel(
        tmp_path / "a", ("cp312-cp312-linux_x86_64",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    other = right_wheel(tmp_path / "b")
    out_dir = tmp_path / "out"
    status, out, err = run(capsys, "fix", one, other, *ARMHF.cli_args(tmp_path), "-w", out_dir)
    assert (status, out) == (2, "")
    errors = [line for line in err.splitlines() if line.startswith(ERROR)]
    assert len(errors) == 2
    assert all("would both be written as" in line for line in errors)
    assert not out_dir.exists()


def unwritable(kind: str, tmp_path: Path) -> Path:
    if kind == "/dev/null":
        return Path("/dev/null")
    if kind == "a file":
        (tmp_path / "file").write_bytes(b"")
        return tmp_path / "file"
    if kind == "a symlink loop":
        (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
        (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
        return tmp_path / "loop1"
    if os.geteuid() == 0:
        return Path("/sys")  # sysfs refuses root too
    (tmp_path / "read-only").mkdir()
    (tmp_path / "read-only").chmod(0o555)
    return tmp_path / "read-only"


@pytest.mark.parametrize("kind", ["/dev/null", "a file", "a symlink loop", "a read-only folder"])
def test_fix_into_an_unwritable_folder_is_one_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = right_wheel(tmp_path / "in")  # needs no change: a copy is all there is to write
    wheel_dir = unwritable(kind, tmp_path)
    status, out, err = run(capsys, "fix", source, *ARMHF.cli_args(tmp_path), "-w", wheel_dir)
    assert (status, out) == (2, "")
    line = one_error(err)
    assert line.startswith(f"{ERROR}{wheel_dir}: cannot write the wheel there (")
    assert line.endswith("); name a writable folder")


def recompressed(path: Path, member: str, method: int) -> Path:
    """``path`` with ``member`` compressed by ``method``, then its data damaged."""
    with zipfile.ZipFile(path) as archive:
        infos = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in infos:
            info.compress_type = method if info.filename == member else info.compress_type
            archive.writestr(info, data)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    damaged = bytearray(path.read_bytes())
    middle = (
        info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    )
    for at in range(middle - 4, middle + 4):
        damaged[at] ^= 0x55
    path.write_bytes(bytes(damaged))
    return path


@pytest.mark.parametrize("command", ["fix", "inspect"])
@pytest.mark.parametrize(
    ("method", "member"),
    [
        (zipfile.ZIP_LZMA, ARM_RIGHT),
        (zipfile.ZIP_BZIP2, ARM_RIGHT),
        (zipfile.ZIP_BZIP2, "pkg/__init__.py"),
        (zipfile.ZIP_DEFLATED, ARM_RIGHT),
    ],
)
def test_a_corrupt_member_is_one_line_naming_it(
    command: str, method: int, member: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = recompressed(right_wheel(tmp_path / "in"), member, method)
    extra = ["-w", tmp_path / "out"] if command == "fix" else []
    status, _out, err = run(capsys, command, source, *ARMHF.cli_args(tmp_path), *extra)
    assert status == 1
    line = one_error(err)
    assert f"{member}: cannot be read (" in line
    assert "the wheel is damaged, rebuild the wheel" in line
    assert "check the path" not in line
    assert not (tmp_path / "out").exists()


def with_dynamic_linked_to_nothing(data: bytes) -> bytes:
    """``data`` (a 32-bit little-endian ELF file) with its .dynamic section's sh_link 0: its
    strings point at no string table (pyelftools asserts)."""
    from elftools.elf.elffile import ELFFile

    parsed = ELFFile(io.BytesIO(data))
    patched = bytearray(data)
    for number, section in enumerate(parsed.iter_sections()):
        if section["sh_type"] == "SHT_DYNAMIC":
            header = parsed["e_shoff"] + number * parsed["e_shentsize"]
            patched[header + 24 : header + 28] = bytes(4)  # Elf32_Shdr.sh_link
    return bytes(patched)


def hostile_wheel(kind: str, folder: Path) -> tuple[Path, str]:
    """(a wheel of that kind, what its one error line says)."""
    folder.mkdir(parents=True)
    if kind == "a name flagged UTF-8 that is not":
        path = right_wheel(folder)
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("pkg/é.py", b"")
        path.write_bytes(path.read_bytes().replace("é".encode(), b"\xff\xfe"))
        return path, "its name is flagged as UTF-8 but is not UTF-8"
    if kind == "a .so with a dynamic section linked to no string table":
        lib = (ELF_FIXTURES.parent / "linkage" / "armhf" / "libssl.so.3").read_bytes()
        files = {
            "pkg/__init__.py": b"",
            "pkg.libs/libssl.so.3": with_dynamic_linked_to_nothing(lib),
        }
        path = make_wheel(folder, name="pkg", tags=("cp312-cp312-linux_armv7l",), files=files)
        return path, "pkg.libs/libssl.so.3 is a truncated or corrupt ELF file"
    link_target = {"a symlink to /etc/passwd": b"/etc/passwd", "a symlink to ../../..": b"../../.."}
    path = make_wheel(
        folder, name="pkg", tags=("py3-none-any",), files={"pkg/link": link_target[kind]}
    )
    with zipfile.ZipFile(path) as archive:
        infos = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in infos:
            if info.filename == "pkg/link":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return path, "member 'pkg/link' is a symbolic link; a wheel holds only regular files"


HOSTILE = [
    "a name flagged UTF-8 that is not",
    "a .so with a dynamic section linked to no string table",
    "a symlink to /etc/passwd",
    "a symlink to ../../..",
]


@pytest.mark.parametrize("command", ["fix", "inspect"])
@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_wheel_is_one_line(
    command: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, says = hostile_wheel(kind, tmp_path / "in")
    extra = ["-w", tmp_path / "out"] if command == "fix" else []
    status, out, err = run(capsys, command, source, *ARMHF.cli_args(tmp_path), *extra)
    assert status == 1
    if command == "inspect" and "ELF" in says:
        # A wheel inspect can read: what is wrong inside it is a finding of its report.
        assert "Traceback" not in err
        (problem,) = [line for line in out.splitlines() if line.startswith("  problem: ")]
        assert says in problem
    else:
        assert says in one_error(err)
    assert not (tmp_path / "out").exists()


def zeros_wheel(folder: Path, size: int) -> Path:
    folder.mkdir(parents=True)
    files = {"pkg/__init__.py": b"", "pkg/zeros.bin": bytes(size)}
    return make_wheel(folder, name="pkg", tags=("py3-none-any",), files=files)


@pytest.mark.parametrize("command", ["fix", "inspect"])
@pytest.mark.parametrize("how", ["--max-unpacked-size", "-C", "MATURIN_CROSS_MAX_UNPACKED_SIZE"])
def test_a_wheel_past_the_unpacked_size_ceiling_is_one_line(
    command: str,
    how: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = zeros_wheel(tmp_path / "in", 3 << 20)
    if how == "--max-unpacked-size":
        ceiling = ["--max-unpacked-size", "1MiB"]
    elif how == "-C":
        ceiling = ["-C", "max-unpacked-size=1MiB"]
    else:
        ceiling = []
        monkeypatch.setenv("MATURIN_CROSS_MAX_UNPACKED_SIZE", "1MiB")
    extra = ["-w", tmp_path / "out"] if command == "fix" else []
    status, _, err = run(capsys, command, source, *ARMHF.cli_args(tmp_path), *ceiling, *extra)
    assert status == 1
    line = one_error(err)
    assert "more than the ceiling of 1048576 bytes (1 MiB, max-unpacked-size)" in line
    assert not (tmp_path / "out").exists()
    # The same wheel, under the default ceiling of 8 GiB:
    monkeypatch.delenv("MATURIN_CROSS_MAX_UNPACKED_SIZE", raising=False)
    status, _out, err = run(capsys, command, source, *ARMHF.cli_args(tmp_path), *extra)
    assert status == 0, err


@pytest.mark.parametrize("value", ["lots", "-1", "1.5GiB", "0", "8 parsecs"])
def test_a_bad_unpacked_size_ceiling_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = zeros_wheel(tmp_path / "in", 10)
    status, out, err = run(
        capsys, "fix", source, *ARMHF.cli_args(tmp_path), "--max-unpacked-size", value
    )
    assert (status, out) == (2, "")
    line = one_error(err)
    assert f"--max-unpacked-size={value!r} is not a size" in line
    assert "8GiB" in line


# --- inspect's exit codes: one rule for wheels and files ------------------------------------


def test_inspect_a_wheel_whose_so_is_not_elf_exits_1_as_the_so_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = build_wheel(
        tmp_path,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabihf.so", "pkg/_data.so": "not-elf.so"},
    )
    status, out, err = run(capsys, "inspect", source, "--json")
    assert (status, err) == (1, "")
    report = json.loads(out)
    (problem,) = report["problems"]
    assert "pkg/_data.so is not an ELF file" in problem
    so_status, _, _ = run(capsys, "inspect", ELF_FIXTURES / "not-elf.so")
    assert so_status == status


def test_inspect_an_elf_file_by_any_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = tmp_path / "tool"
    program.write_bytes(elf_bytes("arm-linux-gnueabihf.so"))
    status, out, err = run(capsys, "inspect", program, "--json")
    assert (status, err) == (0, "")
    assert json.loads(out)["shared_objects"][0]["elf"] == "ELF ARM 32-bit LE arm-hard-float"


@pytest.mark.parametrize("what", ["a text file", "a folder", "nothing"])
def test_inspect_of_what_is_neither_a_wheel_nor_elf_is_a_usage_error(
    what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "README.md"
    if what == "a text file":
        path.write_text("# not a wheel\n")
    elif what == "a folder":
        path.mkdir()
    status, out, err = run(capsys, "inspect", path)
    assert (status, out) == (2, "")
    line = one_error(err)
    assert line.startswith(f"{ERROR}{path}: ")
    assert "name a wheel (.whl) or an ELF file" in line


def test_inspect_exit_codes_are_written_down() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    section = text.split("## inspect", 1)[1].split("\n## ", 1)[0]
    for rule in ("0 when", "1 when", "2 when"):
        assert rule in section, rule


# --- a run that is told to stop leaves nothing ----------------------------------------------


def test_fix_stopped_by_sigterm_leaves_nothing(tmp_path: Path) -> None:
    import bigwheel

    source = bigwheel.write_wheel(tmp_path, module_padding=64 << 20)
    sysconfigdata = bigwheel.write_sysconfigdata(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    argv = cli_command("fix", source, "--sysconfigdata", sysconfigdata)
    with subprocess.Popen(
        [*map(str, argv), "-w", str(out)], env=clean_environ(), stderr=subprocess.PIPE, text=True
    ) as running:
        while running.poll() is None and not any(out.iterdir()):
            pass  # until it has begun to write
        running.send_signal(signal.SIGTERM)
        _, err = running.communicate()
    assert running.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert list(out.iterdir()) == []


# --- one rule for relative paths, and the origin the user gave --------------------------------


def test_build_names_the_flag_the_user_gave(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    monkeypatch.chdir(tmp_path)
    status, out, err = run(
        capsys, "build", "-n", project, "--sysconfigdata", "nowhere/_sysconfigdata.py"
    )
    assert (status, out) == (2, "")
    assert one_error(err) == (
        f"maturin-cross: error: sysconfigdata {tmp_path / 'nowhere' / '_sysconfigdata.py'} "
        "(from --sysconfigdata) does not exist; point it at the target's _sysconfigdata_*.py "
        "(in the sysroot's usr/lib/python3.X/)"
    )


def test_every_door_takes_a_relative_path_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from sysroots import sysroot

    from maturin_cross.cli import cmd_build, options
    from maturin_cross.cli.main import parser
    from maturin_cross.pipeline import planning

    here = tmp_path / "here"
    data = sysroot(here)
    relative = str(data.relative_to(here))
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    monkeypatch.chdir(here)

    def parsed(*argv: str) -> argparse.Namespace:
        return parser().parse_args([str(arg) for arg in argv])

    found = set()
    for given in (["--sysconfigdata", relative], ["-C", f"sysconfigdata={relative}"]):
        # inspect, fix and test: the plan's settings and target, read here
        inspected = options.aim(options.settings(parsed("inspect", *given)))
        found.add(inspected.sysconfigdata.path if inspected.sysconfigdata else None)
        # build: its hooks run in the project's folder, given what the command read here
        hooks = cmd_build.hook_settings(parsed("build", str(project), *given), here)
        isolated = planning.plan(project, hooks, {}, cwd=project)
        found.add(isolated.sysconfigdata.path if isolated.sysconfigdata else None)
        in_process = planning.plan(project, hooks, {}, cwd=here)
        found.add(in_process.sysconfigdata.path if in_process.sysconfigdata else None)
    # a variable: the isolated build's hooks are handed it made absolute
    environ = {"MATURIN_CROSS_SYSCONFIGDATA": relative}
    delta = cmd_build.hook_environ_delta(environ, here)
    isolated = planning.plan(project, {}, {**environ, **delta}, cwd=project)
    found.add(isolated.sysconfigdata.path if isolated.sysconfigdata else None)
    monkeypatch.setenv("MATURIN_CROSS_SYSCONFIGDATA", relative)
    inspected = options.aim(options.settings(parsed("inspect")))
    found.add(inspected.sysconfigdata.path if inspected.sysconfigdata else None)
    assert found == {data}


def test_a_pyproject_path_is_relative_to_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sysroots import sysroot

    from maturin_cross.pipeline import planning

    project = tmp_path / "project"
    data = sysroot(project)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n'
        f'[tool.maturin-cross]\nsysconfigdata = "{data.relative_to(project)}"\n'
        f'sysroot = "sysroot"\n'
    )
    monkeypatch.chdir(tmp_path)
    build = planning.plan(project, {}, {}, cwd=tmp_path)
    assert build.sysconfigdata is not None and build.sysconfigdata.path == data
    assert build.sysroot is not None and build.sysroot.root == (project / "sysroot").resolve()
    assert str(build.target.sources["sysconfigdata"]) == "tool.maturin-cross.sysconfigdata"


# --- hostile input, second round (issue 19) ----------------------------------------------------

UNSAFE = {chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]} - {"\n"} | {
    "\u202e",
    "\u2066",
    "\u2028",
}
"""What must never reach the terminal: controls but the line end, bidi overrides, separators."""

TERMINAL_NAMES = [
    "pkg/\x1b]0;owned\x07.cpython-312-arm-linux-gnueabihf.so",
    "pkg/red\x1b[31m\x9b2J.cpython-312-arm-linux-gnueabihf.so",
    "pkg/back\x08\x08\x08\x7fnote: fine\x85.cpython-312-arm-linux-gnueabihf.so",
    "pkg/bidi\u202eos.py",
]
"""Member names that would write to a terminal (escape sequences, backspaces, DEL, a C1 next
line, a bidi override). A line break or a carriage return cannot reach RECORD (the wheel is
refused as damaged): :func:`test_a_name_with_a_line_break_is_refused_in_one_line_per_problem`."""


def assert_terminal_safe(*outputs: str) -> None:
    for output in outputs:
        assert not UNSAFE & set(output), repr(output)


def named_wheel(folder: Path, names: list[str], data: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    so = data if data is not None else (ELF_FIXTURES / "arm-linux-gnueabihf.so").read_bytes()
    files: dict[str, bytes | tuple[bytes, int]] = {"pkg/__init__.py": b""}
    for name in names:
        files[name] = (so, 0o755) if name.endswith(".so") else b""
    return make_wheel(folder, name="pkg", tags=("cp312-cp312-linux_armv7l",), files=files)


@pytest.mark.parametrize(
    "argv",
    [
        ["inspect"],
        ["inspect", "--json"],
        ["inspect", "TARGET"],
        ["inspect", "TARGET", "--json"],
        ["fix", "TARGET", "-w", "out"],
        ["fix", "TARGET", "--check"],
    ],
    ids=" ".join,
)
def test_names_that_write_to_the_terminal_are_escaped(tmp_path: Path, argv: list[str]) -> None:
    wheel = named_wheel(tmp_path / "in", TERMINAL_NAMES)
    target = [str(arg) for arg in ARMHF.cli_args(tmp_path)]
    command = [
        argv[0],
        str(wheel),
        *(arg for a in argv[1:] for arg in (target if a == "TARGET" else [a])),
    ]
    done = run_module(*command, cwd=tmp_path)
    assert "Traceback" not in done.stderr
    assert_terminal_safe(done.stdout, done.stderr)
    assert all(line.startswith("maturin-cross: ") for line in done.stderr.splitlines())
    shown = done.stdout + done.stderr
    escaped = "\\u001b]0;owned\\u0007" if "--json" in argv else "\\x1b]0;owned\\x07"
    assert escaped in shown  # said, escaped
    if "--json" in argv:
        report = json.loads(done.stdout)
        paths = {obj["path"] for obj in report["shared_objects"]}
        assert set(TERMINAL_NAMES[:3]) <= paths  # JSON gives the names back exactly
    if argv[0] == "fix" and "--check" not in argv:
        assert done.returncode == 1  # the modules are not named as they define themselves
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("end", ["\n", "\r", "\r\n", "\u2028"])
def test_a_name_with_a_line_break_is_refused_in_one_line_per_problem(
    tmp_path: Path, end: str
) -> None:
    forged = f"pkg/x{end}maturin-cross: note: this wheel is fine{end}.py"
    wheel = named_wheel(tmp_path / "in", [forged])
    for argv in (["inspect", wheel], ["fix", wheel, *ARMHF.cli_args(tmp_path), "-w", "out"]):
        done = run_module(*argv, cwd=tmp_path)
        # RECORD (CSV) cannot hold a line end: the wheel is damaged. U+2028 it can hold.
        assert done.returncode == (0 if end == "\u2028" else 1), done.stderr
        assert_terminal_safe(done.stdout, done.stderr)
        if end == "\u2028":
            continue  # a .py: inspect lists shared objects only
        lines = done.stderr.splitlines()
        assert lines and all(line.startswith(ERROR) for line in lines), done.stderr
        assert not any("note: this wheel is fine" in line[:60] for line in lines)


def test_an_error_names_a_path_with_controls_escaped(tmp_path: Path) -> None:
    missing = tmp_path / "pkg\x1b[2J\n-0.1-py3-none-any.whl"
    done = run_module("inspect", missing, cwd=tmp_path)
    assert done.returncode == 2
    assert_terminal_safe(done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and "\\x1b[2J\\n" in done.stderr


@pytest.mark.parametrize("name", ["pkg-0.1.0-py3-none-any.whl", "mod.so"])
@pytest.mark.parametrize("command", ["inspect", "fix"])
def test_a_named_pipe_is_not_a_regular_file_and_never_waited_on(
    tmp_path: Path, name: str, command: str
) -> None:
    pipe = tmp_path / name
    os.mkfifo(pipe)
    extra = [*ARMHF.cli_args(tmp_path), "-w", "out"] if command == "fix" else []
    done = run_module(command, pipe, *extra, cwd=tmp_path)  # run_module's timeout guards a hang
    assert (done.returncode, done.stdout) == (2, "")
    assert one_error(done.stderr).startswith(f"{ERROR}{pipe}: is not a regular file (a named pipe)")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("what", ["wheel", "sysconfigdata"])
def test_a_link_to_dev_zero_is_not_a_regular_file(tmp_path: Path, what: str) -> None:
    zero = tmp_path / ("zero.whl" if what == "wheel" else "_sysconfigdata_zero.py")
    zero.symlink_to("/dev/zero")
    wheel = zero if what == "wheel" else right_wheel(tmp_path / "in")
    target = ["--sysconfigdata", zero] if what == "sysconfigdata" else ARMHF.cli_args(tmp_path)
    done = run_module("fix", wheel, *target, "-w", "out", cwd=tmp_path)
    assert done.returncode == 2
    line = one_error(done.stderr)
    assert "is not a regular file (a character device)" in line and "does not exist" not in line
    assert not (tmp_path / "out").exists()


def dead_runs_folder(parent: Path) -> Path:
    """A staging folder as a killed run leaves it: made by atomic itself, its lock released."""
    from maturin_cross.support import atomic

    parent.mkdir(parents=True, exist_ok=True)
    folder, fd = atomic._make_staging_folder(parent)
    os.close(fd)  # the run is gone
    return folder


def test_a_wheel_inside_a_dead_runs_folder_is_read_not_removed(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    left = dead_runs_folder(wheelhouse)
    source = seed_wheel(left / "0")
    before = sha256_file(source)
    done = run_module("fix", source, *ARMHF.cli_args(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sha256_file(source) == before
    assert (wheelhouse / ARMV7L_WHEEL).is_file()
    # Once it is no input, the next run removes it: it is a dead run's.
    other = right_wheel(tmp_path / "other")
    assert run_module("fix", other, *ARMHF.cli_args(tmp_path), cwd=tmp_path).returncode == 0
    assert not left.exists()


def test_look_alikes_of_a_dead_runs_leftovers_are_never_removed(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    real = dead_runs_folder(wheelhouse / "elsewhere")
    (real / "pkg.whl").write_bytes(b"a dead run's")
    hand_made = wheelhouse / ".maturin-cross-0123456789abcdef.tmp"
    hand_made.mkdir(parents=True)
    (hand_made / "precious.whl").write_bytes(b"mine")
    copied = wheelhouse / real.name  # a copy, marker and all: another inode, not ours
    subprocess.run(["cp", "-a", str(real), str(copied)], check=True)
    temp_like = wheelhouse / ".pkg.whl.maturin-cross-0123456789abcdef.tmp"
    temp_like.write_bytes(b"mine too")
    before = sorted(p.name for p in wheelhouse.iterdir())
    # An empty folder under such a name is what a run killed between making its staging folder
    # and sealing it leaves: it goes, as it holds nothing to lose.
    empty_like = wheelhouse / ".maturin-cross-fedcba9876543210.tmp"
    empty_like.mkdir()
    done = run_module("fix", right_wheel(tmp_path / "in"), *ARMHF.cli_args(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in wheelhouse.iterdir()) == sorted([*before, ARMV7L_WHEEL])
    assert (hand_made / "precious.whl").read_bytes() == b"mine"
    assert temp_like.read_bytes() == b"mine too"


def test_an_output_name_that_is_a_folder_is_said_as_such(tmp_path: Path) -> None:
    (tmp_path / "out" / ARMV7L_WHEEL).mkdir(parents=True)
    done = run_module(
        "fix", right_wheel(tmp_path / "in"), *ARMHF.cli_args(tmp_path), "-w", "out", cwd=tmp_path
    )
    assert done.returncode == 2
    line = one_error(done.stderr)
    assert f"{ARMV7L_WHEEL}: is a folder" in line and "writable" not in line
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [ARMV7L_WHEEL]


def big_wheel(folder: Path) -> Path:
    folder.mkdir(parents=True)
    files = {"pkg/__init__.py": b"", "pkg/noise.bin": os.urandom(256 << 10)}
    return make_wheel(
        folder, name="pkg", tags=("py3-none-any",), files=files, stored={"pkg/noise.bin"}
    )


def test_a_full_disk_is_exit_2_saying_so(tmp_path: Path) -> None:
    """A real full file system: a 64 KiB tmpfs, mounted in a user and mount namespace of our
    own (``unshare -rm``, no root needed), and a 256 KiB wheel to write there."""
    from harness import unavailable

    source = big_wheel(tmp_path / "in")
    small = tmp_path / "small"
    small.mkdir()
    script = (
        f"mount -t tmpfs -o size=64k none {small} || exit 99; "
        f'"$0" -m maturin_cross fix {source} --target {ARMHF_TRIPLE} -w {small}/out; '
        f"echo rc=$?; ls -A {small}/out"
    )
    import sys

    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, sys.executable],
        env={**clean_environ(), "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode == 99 or "unshare" in done.stderr.split(":")[0]:
        unavailable(f"no user namespaces to mount a small tmpfs in: {done.stderr.strip()}")
    lines = done.stdout.splitlines()
    assert lines[0] == "rc=2", done.stdout + done.stderr
    assert lines[1:] == []  # nothing left in the output folder
    line = one_error(done.stderr)
    assert "no space left: the disk is full" in line and f"{small}/out" in line


def test_a_file_size_limit_is_exit_2_saying_so(tmp_path: Path) -> None:
    """``prlimit --fsize``: EFBIG (Python ignores SIGXFSZ), the other way a write finds no room."""
    source = big_wheel(tmp_path / "in")
    done = subprocess.run(
        [
            "prlimit",
            "--fsize=65536",
            *cli_command("fix", str(source), "--target", ARMHF_TRIPLE, "-w", "out"),
        ],
        env=clean_environ(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "the file would be larger than this system allows" in one_error(done.stderr)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_stdout_on_a_full_device_is_a_quiet_failure(tmp_path: Path) -> None:
    wheel = right_wheel(tmp_path / "in")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            cli_command("inspect", str(wheel)),
            env=clean_environ(),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert (done.returncode, done.stderr) == (1, "")


def test_stdout_closed_before_a_line_is_read_is_a_quiet_failure(tmp_path: Path) -> None:
    wheel = right_wheel(tmp_path / "in")
    read, write = os.pipe()
    os.close(read)  # `| head -c0`: the reader is gone before the first line
    try:
        done = subprocess.run(
            cli_command("inspect", str(wheel)),
            env=clean_environ(),
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (1, "")


@pytest.mark.parametrize("how", ["flag", "-C", "variable"])
def test_a_size_of_5000_digits_is_one_line(tmp_path: Path, how: str) -> None:
    digits = "9" * 5000
    env = clean_environ()
    size = {"flag": ["--max-unpacked-size", digits], "-C": ["-C", f"max-unpacked-size={digits}"]}
    if how == "variable":
        env["MATURIN_CROSS_MAX_UNPACKED_SIZE"] = digits
    argv = ["inspect", str(right_wheel(tmp_path / "in")), *size.get(how, [])]
    done = run_cli(argv, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    line = one_error(done.stderr)
    assert "is not a size" in line and "(5000 characters)" in line and len(line) < 400


def test_inspect_with_a_sysroot_shows_who_defines_each_symbol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Per binary, how many of the symbols it leaves to others each library defines, and what
    nothing defines; --symbols lists every one (tests/fixtures/symbols/)."""
    symbols = FIXTURES / "symbols"
    core = "pkg/_core.cpython-311-arm-linux-gnueabihf.so"
    module = (symbols / "needs-foo-new.so").read_bytes()
    (tmp_path / "in").mkdir()
    source = make_wheel(
        tmp_path / "in",
        name="pkg",
        tags=("cp311-cp311-linux_armv7l",),
        files={"pkg/__init__.py": b"", core: (module, 0o755)},
    )
    root = tmp_path / "sysroot"
    for where, fixture in {
        "usr/bin/python3.11": "python3.11",
        "usr/lib/arm-linux-gnueabihf/libfoo.so.1": "libfoo-old.so.1",
    }.items():
        (root / where).parent.mkdir(parents=True, exist_ok=True)
        (root / where).write_bytes((symbols / fixture).read_bytes())
    vars = {**(ARMHF.vars or {}), "VERSION": "3.11", "LDVERSION": "3.11", "BINDIR": "/usr/bin"}
    vars["EXT_SUFFIX"] = ".cpython-311-arm-linux-gnueabihf.so"
    target = TargetSpec(vars=vars).cli_args(tmp_path)

    status, out, err = run(capsys, "inspect", source, *target, "--sysroot", root)
    assert (status, err) == (1, "")
    lines = out.splitlines()
    start = lines.index("  symbols left to others, by who defines them:")
    assert lines[start + 1 : start + 3] == [
        f"    {core}: python3.11 (/usr/bin/python3.11) 1",
        "      defined by nothing it loads with: 'foo_new'",
    ]

    status, out, _ = run(capsys, "inspect", source, *target, "--sysroot", root, "--symbols")
    assert "      python3.11 (/usr/bin/python3.11): 'PyObject_GetAttr'" in out.splitlines()

    status, out, _ = run(capsys, "inspect", source, *target, "--sysroot", root, "--json")
    assert json.loads(out)["symbols"] == {
        core: {
            "bound": {"python3.11 (/usr/bin/python3.11)": ["PyObject_GetAttr"]},
            "unresolved": ["'foo_new'"],
            "checked": True,
        }
    }
