"""maturin-cross's benchmarks: ``tox -e bench`` (or ``python benchmarks/run.py``).

Generates its inputs (wheels from 10 MB to 1 GB, one large member or 20,000 small files, each
needing a rename and a retag, written by tests/helpers/bigwheel.py), then runs each comparison
as whole processes, A and B in turn (A B A B ..., after one warm-up of each), and prints for each
figure its min / median / max, the ratio A/B pair by pair, and each process's peak resident
memory as the kernel counted it (``wait4``'s ``ru_maxrss``). Nothing here passes or fails: it
prints.

    python benchmarks/run.py                 # the figures of docs/performance.md
    python benchmarks/run.py --quick         # 10 MB and 200 MB wheels only
    python benchmarks/run.py --huge          # adds a 2 GiB wheel, fixed under a 1 GiB memory limit
    python benchmarks/run.py --rpds          # adds the armhf build of examples/rpds, vs maturin
    python benchmarks/run.py --only proof --proof-wheel WHEEL   # the whole proof of one wheel
    python benchmarks/run.py --only one-pass # fix from 100 MB up vs cp + sha256sum, wheel tags
    python benchmarks/run.py --emulated      # adds cross against emulated arm64 builds (long)
    python benchmarks/run.py --sccache       # adds a second build through sccache and Redis
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "helpers"))

import bigwheel  # noqa: E402 (tests/helpers/ is put on the path just above)

PYTHON = sys.executable
MB = 1_000_000
DEFLATED_RATIO = 0.52
"""How much of bigwheel's filler deflate keeps (about half)."""
PER_MEMBER = 150
"""Bytes of zip and RECORD overhead per member, about."""


@dataclass(frozen=True)
class Run:
    wall: float
    peak: int
    """Bytes: the largest resident set of the processes of this run."""


@dataclass(frozen=True)
class Step:
    """One process of a run: its command, and what to do before it (untimed)."""

    argv: Sequence[str]
    env: dict[str, str] | None = None
    before: Callable[[], None] | None = None


def measure(steps: Sequence[Step]) -> Run:
    wall = 0.0
    peak = 0
    for step in steps:
        if step.before is not None:
            step.before()
        start = time.perf_counter()
        process = subprocess.Popen(
            list(step.argv), env=step.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall += time.perf_counter() - start
        said = process.stderr.read() if process.stderr else b""
        if process.stderr:
            process.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(
                f"benchmark command failed: {' '.join(step.argv)}\n{said.decode(errors='replace')}"
            )
        peak = max(peak, usage.ru_maxrss * 1024)
    return Run(wall, peak)


def spread(values: Sequence[float], unit: Callable[[float], str]) -> str:
    return f"{unit(min(values)):>10} {unit(statistics.median(values)):>10} {unit(max(values)):>10}"


def seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 100 else f"{value:.0f} s"


def megabytes(value: float) -> str:
    return f"{value / MB:.0f} MB"


def ratio(value: float) -> str:
    return f"{value:.2f}x"


RESULTS: list[tuple[str, str, float, float, float, float]] = []
"""(comparison, B's name, A's median wall, B's median wall, median ratio, A's median peak)."""


def compare(
    title: str, a_name: str, a: Sequence[Step], b_name: str, b: Sequence[Step], runs: int
) -> None:
    measure(a)
    measure(b)  # warm-up: caches filled, both alike
    a_runs: list[Run] = []
    b_runs: list[Run] = []
    for _ in range(runs):
        a_runs.append(measure(a))
        b_runs.append(measure(b))
    ratios = [x.wall / y.wall for x, y in zip(a_runs, b_runs, strict=True)]
    print(f"\n{title}  ({runs} runs each, A B A B ...)")
    print(f"  {'':<34}{'min':>10} {'median':>10} {'max':>10}")
    print(f"  {'A ' + a_name + ' wall':<34}{spread([r.wall for r in a_runs], seconds)}")
    print(f"  {'B ' + b_name + ' wall':<34}{spread([r.wall for r in b_runs], seconds)}")
    print(f"  {'A/B wall':<34}{spread(ratios, ratio)}")
    print(f"  {'A/B pairs':<34}{' '.join(ratio(r) for r in ratios)}")
    print(f"  {'A peak RSS':<34}{spread([r.peak for r in a_runs], megabytes)}")
    print(f"  {'B peak RSS':<34}{spread([r.peak for r in b_runs], megabytes)}")
    sys.stdout.flush()
    RESULTS.append(
        (
            title,
            b_name,
            statistics.median(r.wall for r in a_runs),
            statistics.median(r.wall for r in b_runs),
            statistics.median(ratios),
            statistics.median(r.peak for r in a_runs),
        )
    )


# ------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Input:
    label: str
    size: int
    """The wheel file's size to aim at, in bytes."""
    small_files: int

    def make(self, folder: Path) -> Path:
        """The wheel, generated once into its own folder of ``folder``."""
        home = folder / f"{self.label}-v1"
        done = home / "done"
        path = home / f"{bigwheel.NAME}-{bigwheel.VERSION}-{bigwheel.TAG}.whl"
        if done.is_file():
            return path
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        print(f"generating {self.label} ...", end=" ", flush=True)
        start = time.perf_counter()
        if self.small_files:
            # A small file's filler is random (it does not deflate); each member also costs its
            # local header, its central directory record and its RECORD line.
            each = max(1, self.size // self.small_files - PER_MEMBER)
            bigwheel.write_wheel(home, small_files=self.small_files, small_size=each)
        else:
            data = int(self.size / DEFLATED_RATIO)
            bigwheel.write_wheel(home, module_padding=data - data % 8)
        done.touch()
        print(f"{path.stat().st_size / MB:.0f} MB in {time.perf_counter() - start:.0f} s")
        return path


def fix_steps(wheel: Path, sysconfigdata: Path, out: Path, *, limit: int | None = None) -> Step:
    argv = [PYTHON, "-m", "maturin_cross", "fix", str(wheel), "--sysconfigdata", str(sysconfigdata)]
    argv += ["-w", str(out)]
    if limit is not None:  # an address-space limit, as a machine with that much memory would set
        argv = ["prlimit", f"--as={limit}", *argv]
    return Step(argv, before=lambda: shutil.rmtree(out, ignore_errors=True))


def copy_path(work: Path) -> Path:
    """Where `cp` copies a wheel to."""
    return work / "copy.whl"


def bench_fix(
    args: argparse.Namespace,
    work: Path,
    sysconfigdata: Path,
    item: Input,
    title: str,
    *,
    tags_max: int | None,
) -> tuple[Path, list[Step]]:
    """`fix` of one generated wheel against `cp` + `sha256sum`, and against `wheel tags` when the
    wheel is at most ``tags_max`` MB (None: whatever its size); returns the wheel and its `fix`
    steps."""
    wheel = item.make(work)
    fix = [fix_steps(wheel, sysconfigdata, work / "out")]
    label = f"{title} {item.label} ({wheel.stat().st_size / MB:.0f} MB)"
    copy = copy_path(work)
    copy_and_hash = [
        Step(["cp", str(wheel), str(copy)], before=lambda: copy_path(work).unlink(True)),
        Step(["sha256sum", str(copy)]),
    ]
    compare(label, "fix", fix, "cp + sha256sum", copy_and_hash, args.runs)
    if tags_max is None or wheel.stat().st_size <= tags_max * MB:
        tagged = wheel.parent / "tagged"

        def fresh_copy() -> None:
            shutil.rmtree(tagged, ignore_errors=True)
            tagged.mkdir()
            shutil.copyfile(wheel, tagged / wheel.name)

        retag = [PYTHON, "-m", "wheel", "tags", "--platform-tag", "linux_armv7l"]
        tags = [Step([*retag, str(tagged / wheel.name)], before=fresh_copy)]
        compare(f"{label} vs wheel tags", "fix", fix, "wheel tags", tags, min(args.runs, 3))
    return wheel, fix


def bench_wheels(args: argparse.Namespace, work: Path) -> None:
    sysconfigdata = bigwheel.write_sysconfigdata(work)
    inputs = [
        Input("10MB-one-member", 10 * MB, 0),
        Input("10MB-20000-files", 10 * MB, 20_000),
        Input("200MB-one-member", 200 * MB, 0),
        Input("200MB-20000-files", 200 * MB, 20_000),
    ]
    if not args.quick:
        inputs += [
            Input("1GB-one-member", 1000 * MB, 0),
            Input("1GB-20000-files", 1000 * MB, 20_000),
        ]
    if args.huge:
        inputs.append(Input("2GiB-one-member", 2 << 30, 0))
    for item in inputs:
        wheel, fix = bench_fix(args, work, sysconfigdata, item, "fix", tags_max=args.wheel_tags_max)
        if args.huge and item.label.startswith("2GiB"):
            limited = [fix_steps(wheel, sysconfigdata, work / "out", limit=1 << 30)]
            compare(
                f"fix {item.label} under a 1 GiB address-space limit",
                "fix (limited)",
                limited,
                "fix",
                fix,
                1,
            )


def bench_one_pass(args: argparse.Namespace, work: Path) -> None:
    """docs/performance.md "One pass over a wheel": `fix` of wheels from 100 MB up against
    `cp` + `sha256sum` and `wheel tags` (its goals: ratio <= 1.0, >= 10x faster), and the
    20,000-file 93 MB wheel whose per-member cost was to be halved."""
    sysconfigdata = bigwheel.write_sysconfigdata(work)
    inputs = [
        Input("93MB-20000-files", 93 * MB, 20_000),
        Input("100MB-one-member", 100 * MB, 0),
        Input("400MB-one-member", 400 * MB, 0),
    ]
    for item in inputs:
        bench_fix(args, work, sysconfigdata, item, "one pass: fix", tags_max=None)


def bench_start_up(args: argparse.Namespace, work: Path) -> None:
    bare = [Step([PYTHON, "-c", "pass"])]
    compare(
        "import maturin_cross (the backend's module) vs a bare interpreter",
        "import maturin_cross",
        [Step([PYTHON, "-c", "import maturin_cross"])],
        "bare interpreter",
        bare,
        args.runs * 2,
    )
    sysconfigdata = bigwheel.write_sysconfigdata(work)
    inspect = [PYTHON, "-m", "maturin_cross", "inspect", "--json"]
    compare(
        "inspect --json of a sysconfigdata vs a bare interpreter",
        "inspect --json",
        [Step([*inspect, "--sysconfigdata", str(sysconfigdata)])],
        "bare interpreter",
        bare,
        args.runs * 2,
    )


def backend_delta(source: Path, env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """What the backend gives maturin for this build (its environment delta and arguments),
    computed as its hook computes them; the PyO3 config file it names is written as a side
    effect, as in a real build."""
    from maturin_cross.pipeline.planning import plan
    from maturin_cross.pipeline.steps import environment, maturin_args

    build = plan(source, {}, env, cwd=source)
    return dict(environment(build, env).delta), maturin_args(build, editable=False)


def bench_rpds(args: argparse.Namespace, work: Path) -> None:
    """The backend's overhead over plain maturin: the same armhf cross build of examples/rpds,
    each backend's ``build_wheel`` hook in a fresh process, in one environment: plain maturin is
    given exactly the variables and arguments the backend gives it (the same PyO3 config file,
    rustflags, linker, toolchain), and both build into the same cargo target folder, so a no-op
    rebuild of one is a no-op for the other."""
    provision = subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-cross.sh"), "armhf"],
        capture_output=True,
        text=True,
        check=False,
    )
    if provision.returncode != 0:
        print(f"\nrpds: the armhf toolchain cannot be provisioned here:\n{provision.stderr}")
        return
    # Its last line: ARCH SYSROOT RUST_TARGET LINKER QEMU STD
    _, root, triple, linker, *_ = provision.stdout.strip().splitlines()[-1].split()
    print(f"\nrpds: armhf toolchain: sysroot {root}, {triple}, linker {linker}")
    sysroot = Path(root)
    sysconfigdata = next(
        p for p in sysroot.glob("usr/lib/python3*/_sysconfigdata_*arm*.py") if not p.is_symlink()
    )
    source = work / "rpds"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "examples" / "rpds", source, ignore=shutil.ignore_patterns("target"))
    target = work / "rpds-target"
    common = {k: v for k, v in os.environ.items() if not k.startswith(("MATURIN", "PYO3_"))}
    common[f"CARGO_TARGET_{triple.upper().replace('-', '_')}_LINKER"] = linker
    common["CARGO_TARGET_DIR"] = str(target)
    backend_env = dict(common, MATURIN_CROSS_SYSCONFIGDATA=str(sysconfigdata))
    delta, maturin_args = backend_delta(source, backend_env)
    plain_env = dict(common, **delta, MATURIN_PEP517_ARGS=" ".join(maturin_args))
    print(f"rpds: plain maturin is given MATURIN_PEP517_ARGS={plain_env['MATURIN_PEP517_ARGS']!r}")
    for name in sorted(delta):
        print(f"rpds:   and {name}={delta[name]!r}")
    out = work / "rpds-out"

    def hook(module: str) -> list[str]:
        """A frontend's build_wheel hook call, in a fresh process in the project's folder."""
        code = f"import os, {module} as b; os.chdir({str(source)!r}); b.build_wheel({str(out)!r})"
        return [PYTHON, "-c", code]

    def clean() -> None:
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)  # a frontend makes the wheel folder (PEP 517); maturin needs it
        backend_delta(source, backend_env)  # plain maturin's PyO3 config file, as the backend's

    backend = hook("maturin_cross")
    plain = hook("maturin")
    if args.no_cold:  # one build, then the no-op rebuilds alone
        measure([Step(backend, backend_env)])
    else:
        compare(
            "rpds armhf build_wheel, cold (empty target folder)",
            "maturin_cross",
            [Step(backend, backend_env, before=clean)],
            "maturin",
            [Step(plain, plain_env, before=clean)],
            max(1, args.runs // 2),
        )
    compare(
        "rpds armhf build_wheel, no-op rebuild",
        "maturin_cross",
        [Step(backend, backend_env)],
        "maturin",
        [Step(plain, plain_env)],
        args.runs,
    )


def bench_proof(args: argparse.Namespace, work: Path) -> None:
    """The whole static proof (:func:`maturin_cross.checks.proof.prove`: the one pass, libraries,
    symbol versions, every undefined symbol against the target's Python and libraries) of a
    wheel against the provisioned sysroot of its architecture (``--proof-arch``, armhf unless
    named): ``--proof-wheel``, else the newest wheel the rpds benchmark wrote. In this process,
    each run a fresh proof (nothing cached between); wall and CPU time, as a loaded machine
    stretches the one and not the other."""
    from maturin_cross.checks import proof
    from maturin_cross.pipeline import planning

    built = sorted((work / "rpds-out").glob("*.whl"), key=lambda p: p.stat().st_mtime)
    wheel = args.proof_wheel or (built[-1] if built else None)
    provision = subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-cross.sh"), args.proof_arch],
        capture_output=True,
        text=True,
        check=False,
    )
    if wheel is None or provision.returncode != 0:
        print(f"\nproof: no wheel (--proof-wheel, or --rpds first) or no {args.proof_arch} sysroot")
        return
    root = Path(provision.stdout.split("\n")[-2].split()[1])
    data = next(root.glob("usr/lib/python3*/_sysconfigdata_*-linux-*.py"))
    settings = planning.read_settings({"sysconfigdata": str(data), "sysroot": str(root)}, {}, work)
    aim = planning.aim(settings, {}, work)
    assert aim.sysroot is not None
    kept = dataclasses.replace(aim.sysroot, cache=work / "proof-libraries")
    fresh = dataclasses.replace(aim.sysroot, cache=None)
    times: dict[str, tuple[list[float], list[float]]] = {"kept": ([], []), "fresh": ([], [])}
    for number in range(args.runs + 1):  # the first is a warm-up (imports, the page cache)
        for name, sysroot in (("kept", kept), ("fresh", fresh)):
            start, cpu = time.perf_counter(), time.process_time()
            checked = proof.prove(wheel, aim.target, sysroot, python=aim.sysconfigdata)
            if number:
                times[name][0].append(time.perf_counter() - start)
                times[name][1].append(time.process_time() - cpu)
    symbols = sum(len(names) for r in checked.symbols for names in r.bound.values())
    print(
        f"\nproof of {wheel.name} ({wheel.stat().st_size / MB:.1f} MB; {len(checked.symbols)} "
        f"ELF members, {symbols} symbols resolved, {len(checked.problems)} problems), "
        f"{args.runs} runs of each, in turn: A with the sysroot's libraries kept from the "
        "warm-up (checks/libraries.py), B with nothing kept (each library parsed)"
    )
    for label, index in (("wall", 0), ("CPU (this process)", 1)):
        a, b = times["kept"][index], times["fresh"][index]
        print(f"  A {label:<32}{spread(a, seconds)}")
        print(f"  B {label:<32}{spread(b, seconds)}")
        pairs = [x / y for x, y in zip(a, b, strict=True)]
        print(f"  A/B {label:<30}{ratio(statistics.median(pairs))} median of pairs")
    walls_a, walls_b = times["kept"][0], times["fresh"][0]
    RESULTS.append(
        (
            "proof: sysroot libraries kept vs parsed",
            "parsed",
            statistics.median(walls_a),
            statistics.median(walls_b),
            statistics.median(x / y for x, y in zip(walls_a, walls_b, strict=True)),
            0,
        )
    )


def bench_emulated(args: argparse.Namespace, work: Path) -> None:
    """Cross against emulated (benchmarks/emulated.py): one run each, they are long."""
    import emulated

    try:
        figures = emulated.bench(work, larger=not args.no_larger, small=not args.larger_only)
    except emulated.Unavailable as failed:
        print(f"\nemulated: cannot be measured here: {failed}")
        return
    for figure in figures:
        title = f"{figure.name} for arm64: maturin-cross vs emulated"
        print(f"\n{title}  (1 run each, emulated first)")
        print(f"  A maturin-cross build + proof + test  {seconds(figure.cross):>10}")
        for line in figure.cross_commands:
            print(f"      {line}")
        print(f"  B emulated native build + import      {seconds(figure.emulated):>10}")
        for line in figure.emulated_commands:
            print(f"      {line}")
        times = figure.emulated / figure.cross
        print(
            f"  A/B {ratio(figure.cross / figure.emulated)}: maturin-cross is {times:.1f}x faster"
        )
        sys.stdout.flush()
        RESULTS.append(
            (title, "emulated", figure.cross, figure.emulated, figure.cross / figure.emulated, 0)
        )


def bench_sccache(args: argparse.Namespace, work: Path) -> None:
    """Shared compiled crates (benchmarks/shared_cache.py): one run of each build."""
    import shared_cache

    try:
        got = shared_cache.bench(work)
    except (shared_cache.Unavailable, subprocess.CalledProcessError) as failed:
        print(f"\nsccache: cannot be measured here: {failed}")
        return
    rate = got.hits / max(1, got.hits + got.misses)
    print("\nrpds armhf through sccache + Redis (1 run each, from an empty target folder)")
    print(f"  no wrapper                          {seconds(got.plain):>10}")
    print(f"  sccache, empty cache (filling it)   {seconds(got.filling):>10}")
    print(f"  sccache, another folder (served)    {seconds(got.served):>10}")
    print(f"  hits {got.hits}, misses {got.misses}: hit rate {rate:.0%}")
    saved = got.plain - got.served
    print(f"  time saved against no wrapper: {saved:.0f} s ({ratio(got.served / got.plain)})")
    sys.stdout.flush()
    RESULTS.append(
        (
            "rpds armhf: sccache served vs no wrapper",
            "no wrapper",
            got.served,
            got.plain,
            got.served / got.plain,
            0,
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs of each command")
    parser.add_argument("--quick", action="store_true", help="10 MB and 200 MB wheels only")
    parser.add_argument("--huge", action="store_true", help="add a 2 GiB wheel")
    parser.add_argument("--rpds", action="store_true", help="add the armhf build of examples/rpds")
    parser.add_argument(
        "--emulated", action="store_true", help="add cross vs emulated arm64 builds (long)"
    )
    parser.add_argument(
        "--no-cold", action="store_true", help="rpds: the no-op rebuilds only (one build first)"
    )
    parser.add_argument(
        "--sccache", action="store_true", help="add builds through sccache with a Redis server"
    )
    parser.add_argument(
        "--no-larger", action="store_true", help="emulated: examples/rpds only, no real sdist"
    )
    parser.add_argument(
        "--larger-only", action="store_true", help="emulated: the real sdist only, no examples/rpds"
    )
    parser.add_argument(
        "--wheel-tags-max", type=int, default=200, metavar="MB", help="largest wheel for wheel tags"
    )
    parser.add_argument("--work", type=Path, help="where inputs are generated (kept for reuse)")
    parser.add_argument(
        "--only",
        choices=["wheels", "one-pass", "start-up", "rpds", "proof", "emulated", "sccache"],
        action="append",
    )
    parser.add_argument("--proof-wheel", type=Path, metavar="WHEEL", help="the wheel to prove")
    parser.add_argument("--proof-arch", default="armhf", help="its Debian architecture")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.gettempdir()) / "maturin-cross-bench"
    work.mkdir(parents=True, exist_ok=True)
    extra = [name for name in ("rpds", "emulated", "sccache") if getattr(args, name)]
    only = set(
        args.only or ["wheels", "one-pass", "start-up", *extra, *(["proof"] if args.rpds else [])]
    )
    cpu = platform.processor() or platform.machine()
    print(
        f"machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; inputs in {work}"
    )
    if "start-up" in only:
        bench_start_up(args, work)
    if "wheels" in only:
        bench_wheels(args, work)
    if "one-pass" in only:
        bench_one_pass(args, work)
    if "rpds" in only:
        bench_rpds(args, work)
    if "proof" in only:
        bench_proof(args, work)
    if "emulated" in only:
        bench_emulated(args, work)
    if "sccache" in only:
        bench_sccache(args, work)
    print("\nsummary (medians)")
    print(f"  {'comparison':<58}{'A':>9}{'B':>9}{'A/B':>8}{'A peak':>9}")
    for title, _, a_wall, b_wall, median_ratio, peak in RESULTS:
        print(
            f"  {title[:58]:<58}{seconds(a_wall):>9}{seconds(b_wall):>9}"
            f"{ratio(median_ratio):>8}{megabytes(peak):>9}"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"  (the runner itself peaked at {megabytes(own)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
