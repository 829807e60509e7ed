"""The kill loop: ``fix`` and the backend's ``build_wheel`` killed with SIGKILL at random moments.

After every kill the output folder holds no partial or invalid wheel: each ``*.whl`` there opens,
every member's hash and size match RECORD, and ``maturin-cross inspect`` of it against the target
exits 0. A dead run's temp files may stay only until the next run: after the loop and one clean
run, the folder holds the final wheels and nothing else.

The moments are drawn by ``random.Random(seed)`` within the measured duration of an unkilled run;
the seed is in every failure message (set ``KILL_LOOP_SEED`` to replay one). ``KILL_LOOP_COUNT``
kills per loop (default 50; ``tox -e kill`` runs 500). The variables are outside the product's
``MATURIN_CROSS_*`` namespace, which it refuses.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import bigwheel
import pytest
from harness import PACKAGES, clean_environ, cli_command, run_cli

pytestmark = pytest.mark.kill

COUNT = int(os.environ.get("KILL_LOOP_COUNT", "50"))
SEED = int(os.environ.get("KILL_LOOP_SEED", str(random.SystemRandom().randrange(1 << 32))))
PROJECT = PACKAGES / "plain-maturin"
NATIVE = "x86_64-unknown-linux-gnu"

HOOK = """\
import json, os, sys
os.chdir(sys.argv[1])
from maturin_cross import backend
print(backend.build_wheel(sys.argv[2], json.loads(sys.argv[3])))
"""


def record_problems(path: Path) -> list[str]:
    """What is wrong with the wheel at ``path``, read with the standard library alone: it must
    open, and every member must be in RECORD with its hash and size."""
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            (record,) = [n for n in names if n.endswith(".dist-info/RECORD")]
            rows = list(csv.reader(io.StringIO(archive.read(record).decode())))
            listed = {row[0]: row for row in rows}
            for name in names:
                if name == record:
                    continue
                data = archive.read(name)  # checks the CRC too
                digest = hashlib.sha256(data).digest()
                want = "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                row = listed.get(name)
                if row is None or row[1] != want or row[2] != str(len(data)):
                    problems.append(f"{name}: RECORD says {row}, the member is {want} {len(data)}")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError) as err:
        problems.append(f"does not open: {type(err).__name__}: {err}")
    return problems


@dataclass
class Loop:
    """One kill loop over a command writing into ``out``."""

    name: str
    argv: list[str]
    env: dict[str, str]
    out: Path
    inspect: list[str]
    """``maturin-cross inspect`` options naming the target."""
    verified: dict[str, tuple[int, int]]

    def run(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv, env=self.env, capture_output=True, text=True, timeout=900, check=False
        )

    def check_folder(self, said: str) -> list[str]:
        """Verify every wheel in the folder (each version once); the other names in it."""
        others = []
        for path in sorted(self.out.iterdir()) if self.out.exists() else []:
            if not path.name.endswith(".whl") or path.name.startswith("."):
                others.append(path.name)
                continue
            status = path.stat()
            identity = (status.st_size, status.st_mtime_ns)
            if self.verified.get(path.name) == identity:
                continue
            problems = record_problems(path)
            assert not problems, f"{said}: {path.name} is not a whole wheel: {problems}"
            inspected = run_cli(["inspect", path, *self.inspect], env=self.env)
            assert inspected.returncode == 0, f"{said}: inspect {path.name}: {inspected}"
            self.verified[path.name] = identity
        return others

    def kill_at_random(self, rng: random.Random, count: int, within: float) -> int:
        """Start the command ``count`` times killed (and a few more when one ends before its
        kill); return how many were killed while running."""
        killed = attempts = 0
        while killed < count:
            attempts += 1
            assert attempts <= 3 * count, f"seed {SEED}: runs keep ending before their kill"
            if rng.random() < 0.5:
                for wheel in self.out.glob("*.whl"):  # so that kills land in a first write too
                    wheel.unlink()
            delay = rng.uniform(0, within)
            process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its group: maturin and cargo die with it
            )
            time.sleep(delay)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                killed += 1
            process.wait()
            said = f"seed {SEED}, {self.name} run {attempts} killed after {delay:.3f} s"
            self.check_folder(said)
        return killed

    def prove(self, rng: random.Random, count: int) -> None:
        self.out.mkdir(exist_ok=True)
        start = time.monotonic()
        first = self.run()
        within = time.monotonic() - start
        assert first.returncode == 0, first.stderr
        assert self.check_folder(f"seed {SEED}, {self.name} unkilled") == []
        killed = self.kill_at_random(rng, count, within)
        last = self.run()
        assert last.returncode == 0, f"seed {SEED}: the clean run after the kills: {last.stderr}"
        others = self.check_folder(f"seed {SEED}, {self.name} after {killed} kills")
        assert others == [], f"seed {SEED}: {self.name} left {others} after {killed} kills"
        assert len(list(self.out.glob("*.whl"))) == 1, sorted(self.out.iterdir())
        print(f"{self.name}: {killed} kills survived (seed {SEED}, runs of {within:.2f} s)")


def test_fix_killed_at_random_moments(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    wheel = bigwheel.write_wheel(inputs, module_padding=32 << 20)
    sysconfigdata = bigwheel.write_sysconfigdata(inputs)
    before = hashlib.sha256(wheel.read_bytes()).hexdigest()
    target = ["--sysconfigdata", str(sysconfigdata)]
    out = tmp_path / "out"
    argv = cli_command("fix", wheel, *target, "-w", out)
    loop = Loop("fix", argv, clean_environ(), out, target, {})
    loop.prove(random.Random(SEED), COUNT)
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == before, "fix changed its input"


def test_build_wheel_killed_at_random_moments(tmp_path: Path) -> None:
    source = tmp_path / "proj"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("target"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = clean_environ(CARGO_TARGET_DIR=str(tmp_path / "cargo-target"), TMPDIR=str(scratch))
    out = tmp_path / "out"
    config = json.dumps({"quiet": "true"})
    argv = [sys.executable, "-c", HOOK, str(source), str(out), config]
    loop = Loop("build_wheel", argv, env, out, ["--target", NATIVE], {})
    first = loop.run()  # cargo's cache: the builds after this one are quick
    assert first.returncode == 0, first.stderr
    loop.prove(random.Random(SEED + 1), COUNT)


def test_parallel_fix_into_one_folder(tmp_path: Path) -> None:
    """Several ``fix`` of one wheel into one folder at once: every run succeeds, the folder holds
    one whole wheel and nothing else."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    wheel = bigwheel.write_wheel(inputs, module_padding=8 << 20)
    sysconfigdata = bigwheel.write_sysconfigdata(inputs)
    out = tmp_path / "out"
    target = ["--sysconfigdata", str(sysconfigdata)]
    argv = cli_command("fix", wheel, *target, "-w", out)
    runs = [
        subprocess.Popen(argv, env=clean_environ(), stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    for process in runs:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors
    loop = Loop("parallel fix", argv, clean_environ(), out, target, {})
    assert loop.check_folder("8 parallel runs") == []
    assert [p.name for p in out.iterdir()] == [bigwheel.FIXED_NAME]


STOPS = (signal.SIGINT, signal.SIGTERM)
STOP_RUNS = int(os.environ.get("STOP_LOOP_COUNT", "20"))


def test_fix_stopped_by_repeated_signals_leaves_nothing(tmp_path: Path) -> None:
    """Ctrl-C and SIGTERM, 2 to 5 of them a few milliseconds apart, at random moments of a
    ``fix`` of a 64 MiB wheel: a second signal landing in the clean-up the first began must not
    cut it short. After every run the output folder holds no staging folder and no temp file
    (a wheel only whole: a stop after its final rename), and the run exits 0, 130 or 143. A signal that
    lands while the interpreter is still starting (before ``main`` takes over SIGINT and
    SIGTERM) ends it as Python does, with nothing of ours made yet."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    wheel = bigwheel.write_wheel(inputs, module_padding=64 << 20)
    sysconfigdata = bigwheel.write_sysconfigdata(inputs)
    before = hashlib.sha256(wheel.read_bytes()).hexdigest()
    out = tmp_path / "out"
    argv = cli_command("fix", wheel, "--sysconfigdata", sysconfigdata, "-w", out)
    start = time.monotonic()
    subprocess.run(cli_command("--help"), env=clean_environ(), capture_output=True, check=True)
    starting = time.monotonic() - start  # the interpreter's start: Python's, not ours
    start = time.monotonic()
    unstopped = subprocess.run(argv, env=clean_environ(), capture_output=True, check=False)
    assert unstopped.returncode == 0, unstopped.stderr
    within = time.monotonic() - start
    rng = random.Random(SEED + 2)
    codes: dict[int, int] = {}
    for run in range(STOP_RUNS):
        for wheel_left in out.glob("*.whl"):
            wheel_left.unlink()  # so that every stop lands in a first write
        delay = rng.uniform(starting / 2, within)
        stops = [(rng.choice(STOPS), rng.uniform(0, 0.05)) for _ in range(rng.randint(2, 5))]
        process = subprocess.Popen(
            argv, env=clean_environ(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        time.sleep(delay)
        for signum, gap in stops:
            if process.poll() is not None:
                break
            process.send_signal(signum)
            time.sleep(gap)
        _, errors = process.communicate(timeout=600)
        said = f"seed {SEED + 2}, run {run}: {delay:.3f} s, then {stops}: exit {process.returncode}"
        codes[process.returncode] = codes.get(process.returncode, 0) + 1
        assert process.returncode in (0, 130, 143, -signal.SIGINT, -signal.SIGTERM), (
            f"{said}\n{errors}"
        )
        if process.returncode in (0, 130, 143):
            assert "Traceback" not in errors, f"{said}\n{errors}"
        left = sorted(p.name for p in out.iterdir() if not p.name.endswith(".whl"))
        assert left == [], f"{said}: left {left}"
        for name in out.glob("*.whl"):  # a stop after the final rename: the wheel is whole
            assert record_problems(name) == [], said
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == before, "fix changed its input"
    assert codes.get(130, 0) + codes.get(143, 0) >= STOP_RUNS // 4, codes  # clean-ups were tried
    print(f"stopped fix: exit codes {codes} (seed {SEED + 2}, runs of {within:.2f} s)")
