"""repair: every shared object of a wheel checked against a target; what a name or a tag can
correct is corrected, anything else refused with one line per problem.

The cases (real wheels holding the real binaries of tests/fixtures/elf/) are in repaircases.py;
test_cli.py runs them again through the command line.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import bigwheel
import pytest
import ziptamper
from harness import clean_environ, cli_command
from origins import sourced
from packaging.tags import Tag
from repaircases import (
    AARCH64_MUSL,
    AARCH64_T,
    ARM_RIGHT,
    ARM_SEED,
    ARMHF,
    COMMON_FILES,
    FIXABLE,
    LIBFOO,
    MIPS64_SYSCONFIG,
    MIPS64_TRIPLE,
    PPC,
    REFUSALS,
    X86_64_MUSL_TRIPLE,
    Fixable,
    Refusal,
    TargetSpec,
    assert_problems,
    assert_rewritten,
    build_wheel,
    sha256_file,
)
from wheelcalls import fix_wheel, read_wheel
from wheelmaker import make_wheel

from maturin_cross.checks import policy, repair
from maturin_cross.errors import WheelError
from maturin_cross.target.resolve import PythonABI, resolve
from maturin_cross.target.sysconfigdata import SysconfigData

# --- fix_wheel and examine -----------------------------------------------------------------


@pytest.mark.parametrize("case", FIXABLE, ids=lambda c: c.id)
def test_fix_wheel(case: Fixable, tmp_path: Path) -> None:
    source = case.build(tmp_path / "in")
    digest = sha256_file(source)
    target = case.target.resolve()
    out = tmp_path / "out"

    plan = repair.examine(read_wheel(source), target)
    assert plan.problems == ()
    assert plan.renames == dict(case.renames)
    assert plan.changes == tuple(case.changes)

    result = fix_wheel(source, target, out)

    assert result.path == out / case.wheel_name
    assert result.changes == tuple(case.changes)
    assert list(out.iterdir()) == [result.path]
    assert_rewritten(source, result.path, case)
    assert sha256_file(source) == digest


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_fix_wheel_refuses(case: Refusal, tmp_path: Path) -> None:
    source = case.build(tmp_path / "in")
    digest = sha256_file(source)
    out = tmp_path / "out"

    with pytest.raises(WheelError) as refused:
        fix_wheel(source, case.target.resolve(), out)

    assert_problems(refused.value.problems, case)
    assert str(refused.value) == "\n".join(refused.value.problems)
    assert not out.exists()
    assert sha256_file(source) == digest


@pytest.mark.parametrize(
    "case", [c for c in REFUSALS if not c.record_edits and not c.extra_members], ids=lambda c: c.id
)
def test_examine_reports_what_fix_refuses(case: Refusal, tmp_path: Path) -> None:
    plan = repair.examine(read_wheel(case.build(tmp_path)), case.target.resolve())
    assert_problems(plan.problems, case)
    assert plan.tags is None
    assert all(line.startswith("pkg-0.1.0-") for line in plan.problems)


def test_a_library_is_checked_and_never_renamed(tmp_path: Path) -> None:
    libbar = "pkg.libs/libbar-9f8e.so"
    source = build_wheel(
        tmp_path,
        ("cp312-cp312-linux_x86_64",),
        {
            "pkg/mod.cpython-312-x86_64-linux-gnu.so": "x86_64-linux-gnu.so",
            LIBFOO: "libfoo.so.1",
            libbar: "libfoo.so.1",
        },
    )
    plan = repair.examine(read_wheel(source), X86_64_MUSL_TRIPLE.resolve())

    kinds = {obj.member: (obj.is_module, obj.info.machine) for obj in plan.objects}
    assert kinds == {
        "pkg/mod.cpython-312-x86_64-linux-gnu.so": (True, "EM_X86_64"),
        LIBFOO: (False, "EM_X86_64"),
        libbar: (False, "EM_X86_64"),
    }
    assert plan.renames == {
        "pkg/mod.cpython-312-x86_64-linux-gnu.so": "pkg/mod.cpython-312-x86_64-linux-musl.so"
    }


def test_already_right_into_its_own_folder_is_left_alone(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path, ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"}
    )
    digest = sha256_file(source)

    result = fix_wheel(source, ARMHF.resolve(), tmp_path)

    assert result == repair.Result(source, ())
    assert list(tmp_path.iterdir()) == [source]
    assert sha256_file(source) == digest


def test_check_only_refuses_a_wheel_that_needs_a_change(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_x86_64",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    out = tmp_path / "out"

    with pytest.raises(WheelError) as refused:
        fix_wheel(source, ARMHF.resolve(), out, check_only=True)

    assert refused.value.problems == [
        f"pkg-0.1.0-cp312-cp312-linux_x86_64.whl: renamed {ARM_SEED} -> "
        "mod.cpython-312-arm-linux-gnueabihf.so needed (check only)",
        "pkg-0.1.0-cp312-cp312-linux_x86_64.whl: retagged cp312-cp312-linux_x86_64 -> "
        "cp312-cp312-linux_armv7l needed (check only)",
    ]
    assert not out.exists()


def test_check_only_passes_a_right_wheel(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"}
    )

    result = fix_wheel(source, ARMHF.resolve(), tmp_path / "out", check_only=True)

    assert result == repair.Result(tmp_path / "out" / source.name, ())
    assert result.path.read_bytes() == source.read_bytes()


def test_a_wheel_without_shared_objects_gets_tag_lines_that_match_its_name(
    tmp_path: Path,
) -> None:
    """What the read-back of every written wheel demands of it, fix makes so."""
    wheel_text = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py2-none-any\n"
    source = make_wheel(
        tmp_path, name="pkg", tags=("py3-none-any",), files=COMMON_FILES, wheel=wheel_text
    )

    result = fix_wheel(source, ARMHF.resolve(), tmp_path / "out")

    assert result.changes == ("rewrote the WHEEL Tag: lines to match the file name",)
    assert read_wheel(result.path).wheel_tags == ("py3-none-any",)


def test_a_wheel_without_shared_objects_is_copied(tmp_path: Path) -> None:
    source = make_wheel(tmp_path, name="pkg", tags=("py3-none-any",), files=COMMON_FILES)

    result = fix_wheel(source, ARMHF.resolve(), tmp_path / "out")

    assert result.changes == ()
    assert result.path.read_bytes() == source.read_bytes()


# --- retag_wheel_metadata ------------------------------------------------------------------

WHEEL_HEAD = "Wheel-Version: 1.0\nGenerator: maturin (1.7.0)\nRoot-Is-Purelib: false\n"


@pytest.mark.parametrize(
    ("target", "tags", "expected"),
    [
        pytest.param(
            ARMHF,
            ["cp311-cp311-linux_x86_64"],
            ["cp312-cp312-linux_armv7l"],
            id="version-and-platform",
        ),
        pytest.param(
            ARMHF, ["cp38-abi3-linux_x86_64"], ["cp38-abi3-linux_armv7l"], id="abi3-keeps-python"
        ),
        pytest.param(
            AARCH64_T,
            ["cp313-cp313-linux_x86_64"],
            ["cp313-cp313t-linux_aarch64"],
            id="free-threaded",
        ),
        pytest.param(
            ARMHF,
            ["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"],
            ["cp312-cp312-linux_armv7l"],
            id="duplicates-merged",
        ),
        pytest.param(
            MIPS64_TRIPLE,
            ["cp312-cp312-linux_x86_64"],
            ["cp312-cp312-linux_mips64"],
            id="no-python-known",
        ),
    ],
)
def test_retag_wheel_metadata(target: TargetSpec, tags: list[str], expected: list[str]) -> None:
    text = WHEEL_HEAD + "".join(f"Tag: {tag}\n" for tag in tags)

    retagged = repair.retag_wheel_metadata(text, target.resolve())

    assert retagged == WHEEL_HEAD + "".join(f"Tag: {tag}\n" for tag in expected)


def test_targets_resolve_as_the_tables_say() -> None:
    """The tables above lean on these: a wrong target would make every case meaningless."""
    facts = {
        spec.resolve().rust_target: (spec.resolve().platform_tag, spec.resolve().python)
        for spec in (
            ARMHF,
            PPC,
            MIPS64_SYSCONFIG,
            MIPS64_TRIPLE,
            AARCH64_T,
            AARCH64_MUSL,
            X86_64_MUSL_TRIPLE,
        )
    }
    assert facts == {
        "armv7-unknown-linux-gnueabihf": ("linux_armv7l", PythonABI((3, 12))),
        "powerpc-unknown-linux-gnu": ("linux_ppc", PythonABI((3, 12))),
        "mips64-unknown-linux-gnuabi64": ("linux_mips64", PythonABI((3, 12))),
        "mips64-poky-linux-gnu": ("linux_mips64", None),
        "aarch64-unknown-linux-gnu": ("linux_aarch64", PythonABI((3, 13), "t")),
        "aarch64-unknown-linux-musl": ("linux_aarch64", PythonABI((3, 12))),
        "x86_64-unknown-linux-musl": ("linux_x86_64", None),
    }


def test_a_platform_tag_is_a_policy_tag_for_repair_as_for_the_policy_check() -> None:
    """One rule (wheel.tags.policy_tag): a tag repair keeps as the target's policy tag is one the
    policy check looks up, and a name PEP 600 does not define is neither."""
    target = ARMHF.resolve()
    kept = "manylinux2014_armv7l"
    made_up = "manylinux3_armv7l"
    tags = [Tag("cp312", "cp312", kept), Tag("cp312", "cp312", made_up)]
    assert [t.platform for t in repair.target_tags(tags, target, None)] == [kept]
    assert policy.policy_for_tag(kept) is not None
    assert policy.policy_for_tag(made_up) is None


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("cp312-cp312-manylinux_2_17_x86_64",), "pkg-0.1.0-cp312-cp312-linux_x86_64.whl"),
        (("cp312-cp312-musllinux_1_2_x86_64",), "pkg-0.1.0-cp312-cp312-musllinux_1_2_x86_64.whl"),
    ],
    ids=["manylinux-dropped", "musllinux-kept"],
)
def test_a_musl_target_keeps_only_musllinux_policy_tags(
    tags: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    target = resolve(None, rust_target=sourced("x86_64-unknown-linux-musl", "--target"))
    source = build_wheel(
        tmp_path / "in", tags, {"pkg/mod.cpython-312-x86_64-linux-musl.so": "x86_64-linux-gnu.so"}
    )
    result = fix_wheel(source, target, tmp_path / "out")
    assert result.path.name == expected


def test_a_uclibc_target_gets_the_bare_cpython_suffix(tmp_path: Path) -> None:
    """CPython has no uClibc triplet: EXT_SUFFIX is .cpython-311.so (from the target's file)."""
    vars = {
        "VERSION": "3.11",
        "ABIFLAGS": "",
        "EXT_SUFFIX": ".cpython-311.so",
        "SOABI": "cpython-311",
        "MULTIARCH": "",
        "HOST_GNU_TYPE": "arm-buildroot-linux-uclibcgnueabihf",
        "SIZEOF_VOID_P": 4,
    }
    target = resolve(SysconfigData.of(vars, "/staging/_sysconfigdata__linux_.py"))
    source = build_wheel(
        tmp_path / "in",
        ("cp311-cp311-linux_armv7l",),
        {"pkg/mod.cpython-311-arm-linux-uclibceabihf.so": "arm-linux-gnueabihf.so"},
    )
    result = fix_wheel(source, target, tmp_path / "out")
    assert "pkg/mod.cpython-311.so" in read_wheel(result.path).entries
    assert result.changes == (
        "renamed pkg/mod.cpython-311-arm-linux-uclibceabihf.so -> mod.cpython-311.so",
    )


# --- one rule for the target's tags: the metadata a frontend asks for first and the wheel agree


@pytest.mark.parametrize(
    ("target", "tags", "module"),
    [
        pytest.param(ARMHF, ("cp312-cp312-manylinux_2_17_armv7l",), ARM_RIGHT, id="manylinux-kept"),
        pytest.param(ARMHF, ("cp312-cp312-linux_x86_64",), ARM_RIGHT, id="host-platform"),
        pytest.param(ARMHF, ("cp312-cp312-manylinux_2_17_x86_64",), ARM_RIGHT, id="host-manylinux"),
        pytest.param(ARMHF, ("cp38-abi3-manylinux_2_17_armv7l",), "pkg/mod.abi3.so", id="abi3"),
    ],
)
def test_metadata_and_wheel_get_the_same_tags(
    target: TargetSpec, tags: tuple[str, ...], module: str, tmp_path: Path
) -> None:
    """maturin writes the same Tag lines into the metadata and the wheel (with `--compatibility
    manylinux_2_17` on armv7: manylinux_2_17_armv7l); both doors must turn them into one thing."""
    resolved = target.resolve()
    source = build_wheel(tmp_path / "in", tags, {module: "arm-linux-gnueabihf.so"})
    result = fix_wheel(source, resolved, tmp_path / "out")
    from_wheel = read_wheel(result.path).wheel_tags

    text = WHEEL_HEAD + "".join(f"Tag: {tag}\n" for tag in tags)
    metadata = repair.retag_wheel_metadata(text, resolved)
    from_metadata = tuple(
        line.removeprefix("Tag: ") for line in metadata.splitlines() if line.startswith("Tag:")
    )
    assert from_metadata == from_wheel


# --- large wheels: bounded memory, zip64 -------------------------------------------------------

MEMORY_BOUND = 100 << 20
"""The most a `fix` may hold in memory, whatever the size of the wheel's data
(docs/performance.md)."""


def fix_in_a_process(source: Path, folder: Path, bound: int = MEMORY_BOUND) -> Path:
    """Run ``maturin-cross fix`` for armhf on ``source``; check its peak memory against
    ``bound``; the new wheel."""
    sysconfigdata = bigwheel.write_sysconfigdata(folder)
    out = folder / "out"
    argv = cli_command("fix", source, "-w", out)
    code, peak, _, said = bigwheel.run_measured(
        [*argv, "--sysconfigdata", str(sysconfigdata)], env=clean_environ()
    )
    assert code == 0, said
    assert f"renamed {bigwheel.MODULE} -> " in said
    assert peak <= bound, f"peak RSS {peak / 2**20:.0f} MiB"
    return out / bigwheel.FIXED_NAME


def test_a_large_wheel_is_fixed_in_bounded_memory(tmp_path: Path) -> None:
    """A 300 MB module, deflated: far more than the bound, read and copied in pieces."""
    source = bigwheel.write_wheel(tmp_path, module_padding=300 << 20)
    fixed = fix_in_a_process(source, tmp_path)
    contents = read_wheel(fixed)  # every hash verified again
    assert bigwheel.FIXED_MODULE in contents.entries
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(fixed) as new:
        before = old.getinfo(bigwheel.MODULE)
        after = new.getinfo(bigwheel.FIXED_MODULE)
        assert (after.CRC, after.compress_size, after.file_size) == (
            before.CRC,
            before.compress_size,
            before.file_size,
        )


def test_a_wheel_of_more_than_65535_files_is_fixed_as_zip64(tmp_path: Path) -> None:
    """Within the memory bound too: each member's central record, name and RECORD line are
    held, about 1 kB a member (93 MiB measured; docs/performance.md, "Many members")."""
    source = bigwheel.write_wheel(tmp_path, small_files=66_000, small_size=64)
    fixed = fix_in_a_process(source, tmp_path)
    with zipfile.ZipFile(fixed) as archive:  # zipfile reads the zip64 end records
        names = archive.namelist()
        assert len(names) == 66_000 + 5
        assert names[1] == bigwheel.FIXED_MODULE
    assert read_wheel(fixed).entries == tuple(names)


# --- issue 19: a wheel handed back is written from its records ---------------------------------


@pytest.mark.parametrize("needs_change", [False, True])
def test_a_wheel_with_a_hidden_local_entry_is_never_handed_back(
    tmp_path: Path, needs_change: bool
) -> None:
    """``evil.pth`` present only as a local header: refused by the read that fix and a build's
    last step share (deliver, what ``build_wheel`` hands maturin's wheel to), whether the wheel
    needs a change or would have been handed back as it was; nothing is written."""
    from maturin_cross.pipeline import deliver

    tags = ("cp312-cp312-linux_x86_64",) if needs_change else ("cp312-cp312-linux_armv7l",)
    source = build_wheel(tmp_path / "in", tags, {ARM_RIGHT: "arm-linux-gnueabihf.so"})
    ziptamper.hide(source, "between")
    before = source.read_bytes()
    out = tmp_path / "out"
    with pytest.raises(WheelError) as refused:
        deliver.deliver(source, ARMHF.resolve(), None, out)
    (line,) = refused.value.lines()
    assert "a local entry 'evil.pth' that the central directory does not list" in line
    assert source.read_bytes() == before
    assert not out.exists() or list(out.iterdir()) == []


def test_a_wheel_that_needs_no_change_is_written_from_its_records(tmp_path: Path) -> None:
    """Not copied: every header written anew from the central records that were verified, the
    members' bytes taken from where those records say they are."""
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"}
    )
    ziptamper.with_descriptors(source)  # a streaming writer's wheel: descriptors after the data
    result = fix_wheel(source, ARMHF.resolve(), tmp_path / "out")
    assert result.changes == ()
    assert result.path.read_bytes() != source.read_bytes()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(result.path) as new:
        assert [i.filename for i in new.infolist()] == [i.filename for i in old.infolist()]
        assert all(not info.flag_bits & 0x08 for info in new.infolist())
        for info in old.infolist():
            assert new.read(info.filename) == old.read(info)
