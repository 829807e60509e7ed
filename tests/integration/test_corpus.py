"""The static proof against the target's loader itself, on a corpus of wheels.

For each wheel, the static verdict (what ``maturin-cross inspect WHEEL --sysroot`` says: it loads
when the proof finds no problem and would change nothing) is compared with the loader's
(``maturin-cross test WHEEL --sysroot``: the target's own Python imports it under qemu). A
disagreement fails, except for the cases listed with the reason qemu cannot see them (code for
a newer processor than the target's baseline: qemu-user emulates the newest of a family).

The corpus (tests/helpers/corpus.py, built once per session): for armhf and arm64, a real
build of examples/rpds, and tiny real extension modules cross-compiled from C against the
target Python's own headers, correct or broken in one way each: an undefined C-API symbol, an
undefined unversioned library symbol, a missing library, a symbol version too new, the wrong
machine, the wrong float ABI (armhf), NEON beyond Debian armhf's baseline (listed: qemu runs
it), a wrong suffix, no PyInit; for armel, an ARMv7 module (listed) and an ARMv5TE one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus import Arch, Case, cases_for, make_wheel_for
from harness import CrossToolchain, clean_environ, run_cli
from rpdsbuilds import rpds_build

from maturin_cross.cli.main import main

CORPUS_ARCHES = ("armhf", "arm64", "armel")
"""arm64's toolchain records nothing of the instruction set; armhf's and armel's do."""
SOFT_FLOAT = {"armhf": "arm-linux-gnueabi-gcc"}
OTHER = {
    "armhf": "aarch64-linux-gnu-gcc",
    "arm64": "arm-linux-gnueabihf-gcc",
    "armel": "aarch64-linux-gnu-gcc",
}
ARMEL_CASES = (
    Case("good-armv5te", True, True, cflags=("-march=armv5te", "-mfloat-abi=soft")),
    Case(
        "isa-armv7",
        False,
        True,
        why_they_differ="qemu-arm emulates an ARMv7 (and newer) processor; Debian armel's "
        "baseline is ARMv5TE",
        cflags=("-march=armv7-a", "-mfloat-abi=soft"),
    ),
)
REAL = Case("real-rpds", True, True)
"""examples/rpds built by ``maturin-cross build`` for the target (tests/helpers/rpdsbuilds.py:
the build test_integration.py's test_cli_build makes, made once)."""


@dataclass(frozen=True)
class Entry:
    arch: Arch
    toolchain: CrossToolchain
    case: Case
    wheel: Path


def _cases(arch: str) -> list[Case]:
    if arch == "armel":
        return list(ARMEL_CASES)
    return [*cases_for(arch), REAL]


PARAMS = [(arch, case.name) for arch in CORPUS_ARCHES for case in _cases(arch)]


def _arch(toolchain: CrossToolchain, platform_tag: str, multiarch: str) -> Arch:
    return Arch(
        toolchain.arch,
        toolchain.sysroot,
        multiarch,
        toolchain.linker,
        platform_tag,
        OTHER[toolchain.arch],
        SOFT_FLOAT.get(toolchain.arch),
    )


@pytest.fixture(scope="session")
def corpus(
    provisioner: Callable[[str], CrossToolchain], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Entry]:
    """Every wheel of the corpus, made once."""
    from cross_arches import ARCHES

    folder = tmp_path_factory.mktemp("corpus")
    entries: dict[tuple[str, str], Entry] = {}
    for name in CORPUS_ARCHES:
        toolchain = provisioner(name)
        arch = _arch(toolchain, *ARCHES[name][:2])
        for case in _cases(name):
            if case is REAL:
                built = rpds_build(toolchain, tmp_path_factory.mktemp(f"rpds-{name}"))
                assert built.wheel is not None, built.done.stderr[-5000:]
                wheel = built.wheel
            else:
                wheel = make_wheel_for(arch, case, folder)
            entries[name, case.name] = Entry(arch, toolchain, case, wheel)
    return entries


def _static(entry: Entry, capsys: pytest.CaptureFixture[str]) -> tuple[bool, list[str]]:
    """The proof's verdict, as ``inspect --json`` gives it: loads when nothing is wrong and
    nothing would change."""
    capsys.readouterr()
    main(
        [
            "inspect",
            str(entry.wheel),
            "--json",
            "--sysroot",
            str(entry.toolchain.sysroot),
            "--sysconfigdata",
            str(entry.toolchain.sysconfigdata),
        ]
    )
    report = json.loads(capsys.readouterr().out)
    said = [*report["problems"], *report["changes"]]
    return not said, said


def _loader(entry: Entry) -> tuple[bool, str]:
    done = run_cli(["test", entry.wheel, "--sysroot", entry.toolchain.sysroot], env=clean_environ())
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 2: qemu or the Python is missing
    return done.returncode == 0, done.stderr.strip().splitlines()[-1] if done.stderr else ""


def test_the_corpus_is_large_enough() -> None:
    assert len(PARAMS) >= 20
    kinds = {name for _, name in PARAMS}
    assert {"undefined-c-api", "undefined-library-symbol", "missing-library"} <= kinds
    assert {"symbol-version-too-new", "wrong-machine", "wrong-float-abi", "bad-suffix"} <= kinds
    assert {"isa-neon", "isa-armv7", "real-rpds"} <= kinds


@pytest.mark.index  # the real build is an isolated one: maturin from the index
@pytest.mark.parametrize(("arch", "case"), PARAMS)
def test_the_static_verdict_is_the_loaders(
    arch: str,
    case: str,
    corpus: dict[tuple[str, str], Entry],
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = corpus[arch, case]
    static, said = _static(entry, capsys)
    loads, error = _loader(entry)
    assert loads is entry.case.loader_ok, f"the corpus case is not what it says: {error}"
    if entry.case.why_they_differ:
        # Listed: qemu cannot see it; the static proof must.
        assert (static, loads) == (entry.case.static_ok, True), said
    else:
        assert static is loads, f"static: {said or 'loads'}; loader: {error or 'loads'}"
