"""The last step both doors share: correct a wheel for its target, read it back as written,
prove it loads there, and only then put it under its final name.

A wheel that fails is never written where a user would pick it up: it is made in a staging
folder inside the output folder (the same file system, so the final move is one rename; see
:func:`maturin_cross.support.atomic.staging_folder` for what a killed run leaves) and removed with
the folder. The input is read once (:func:`proof.read`); the fix is planned from that pass, and
what is written gets the checks ``inspect`` makes and the proof (:func:`proof.prove_written`) from
it too, without being read again (each member's bytes are checked as they are written to be those
the pass verified) before it gets its name. A wheel is never written over an
input, its own included (unless ``in_place``), nor over another wheel of the same run: those
are refused before anything is written. Pure: files only, no process.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from maturin_cross.checks import proof, repair
from maturin_cross.errors import MaturinCrossError, OutputError, WheelError
from maturin_cross.support import atomic, files
from maturin_cross.support.text import shown
from maturin_cross.target.resolve import Target
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot


@dataclass(frozen=True)
class Delivered:
    path: Path
    changes: tuple[str, ...]
    proof: proof.Proof


@dataclass(frozen=True)
class _Staged:
    """A corrected, proven wheel in the staging folder, and where it goes."""

    source: Path
    staged: Path
    final: Path
    changes: tuple[str, ...]
    proof: proof.Proof


def deliver(
    source: Path,
    target: Target,
    sysroot: Sysroot | None,
    out_dir: Path,
    *,
    check_only: bool = False,
    trial: Callable[[Path], None] | None = None,
    in_place: bool = False,
    max_unpacked: int | None = None,
    python: SysconfigData | None = None,
) -> Delivered:
    """The corrected and proven wheel in ``out_dir`` (see :func:`deliver_all`); raises what
    refused it, leaving nothing in ``out_dir``."""
    (result,) = deliver_all(
        [source],
        target,
        sysroot,
        out_dir,
        check_only=check_only,
        trial=trial,
        in_place=in_place,
        max_unpacked=max_unpacked,
        python=python,
    )
    if isinstance(result, MaturinCrossError):
        raise result
    return result


def deliver_all(
    sources: Sequence[Path],
    target: Target,
    sysroot: Sysroot | None,
    out_dir: Path,
    *,
    check_only: bool = False,
    trial: Callable[[Path], None] | None = None,
    in_place: bool = False,
    max_unpacked: int | None = None,
    python: SysconfigData | None = None,
) -> list[Delivered | MaturinCrossError]:
    """Each source's corrected and proven wheel in ``out_dir``, or what refused it (WheelError
    when it cannot be made right or fails its checks or the proof; OutputError when its
    final name is an input's or another source's). ``trial`` (trying the wheel on the target)
    runs on each proven wheel before it is moved, and raises to refuse it. Every wheel is
    staged before any is moved. Raises OutputError when ``out_dir`` cannot hold a wheel.
    ``in_place``: a corrected wheel may replace its own input (in one step, keeping its mode;
    through a symbolic link, the file it names). ``python``: the target's sysconfigdata, which
    says where the proof finds its interpreter in the sysroot."""
    made = [p for p in (out_dir, *out_dir.parents) if not os.path.lexists(p)]
    results: list[Delivered | MaturinCrossError] = []
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(atomic.keeping(sources))  # never swept as a dead run's
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                folder = stack.enter_context(atomic.staging_folder(out_dir))
            except OSError as err:
                if files.is_disk_full(err):
                    raise _disk_full(out_dir, err) from None
                raise OutputError(
                    f"{shown(out_dir)}: cannot write the wheel there ({_why_not(out_dir, err)}); "
                    "name a writable folder"
                ) from None
            staged: list[_Staged | MaturinCrossError] = []
            for number, source in enumerate(sources):
                try:
                    staged.append(
                        _stage(
                            source,
                            target,
                            sysroot,
                            out_dir,
                            folder / str(number),
                            check_only=check_only,
                            trial=trial,
                            in_place=in_place,
                            max_unpacked=max_unpacked,
                            python=python,
                        )
                    )
                except MaturinCrossError as err:
                    staged.append(err)
            for item in _refuse_overwrites(staged, sources):
                try:
                    results.append(item if isinstance(item, MaturinCrossError) else _move(item))
                except MaturinCrossError as err:
                    results.append(err)
        return results
    finally:
        if not any(isinstance(result, Delivered) for result in results):
            for made_folder in made:  # the folders this call made, when it hands back nothing
                with contextlib.suppress(OSError):
                    made_folder.rmdir()


def _why_not(folder: Path, err: OSError) -> str:
    if os.path.lexists(folder) and not os.path.isdir(folder):
        if os.path.exists(folder):
            return "it is not a folder"
        return "a symbolic link that leads nowhere, or to itself"
    return files.why(err)


def _disk_full(out_dir: Path, err: OSError) -> OutputError:
    """The one line for a write that found no room (ENOSPC, a quota, a file size limit)."""
    return OutputError(
        f"{shown(out_dir)}: cannot write the wheel there ({files.why(err)}); free some space "
        "there, or name another folder (-w)"
    )


def _stage(
    source: Path,
    target: Target,
    sysroot: Sysroot | None,
    out_dir: Path,
    folder: Path,
    *,
    check_only: bool,
    trial: Callable[[Path], None] | None,
    in_place: bool,
    max_unpacked: int | None,
    python: SysconfigData | None,
) -> _Staged:
    # The one pass over the input: the fix is planned from it, and the proof of what is
    # written is made from it (the written file is not read again).
    contents, looked = proof.read(source, max_unpacked=max_unpacked)
    fix = repair.plan_read(
        source, contents, proof.shared_objects(looked), target, check_only=check_only
    )
    del contents
    final = out_dir / fix.filename
    if fix.plan.needs_change and not in_place and atomic.same_file(final, source):
        raise OutputError(
            f"{shown(source)}: the corrected wheel would replace it ({shown(final)} is this "
            "file); pass --in-place to rewrite it in place, or -w another folder"
        )
    try:
        result = repair.write_fix(fix, folder)
    except WheelError as err:
        # The staging folder is out_dir's: no room there is out_dir's to say.
        cause = err.__cause__
        if isinstance(cause, OSError) and files.is_disk_full(cause):
            raise _disk_full(out_dir, cause) from None
        raise
    del fix  # the input's central directory and RECORD (memory grows with them)
    if result.written is not None:
        written = result.written.check()  # from what the pass over the input found
        renamed = result.written.old_names
        checked = proof.prove_written(written, looked, renamed, target, sysroot, python)
    else:
        checked = proof.prove(
            result.path, target, sysroot, max_unpacked=max_unpacked, python=python
        )
    if checked.problems:
        raise WheelError(list(checked.problems))
    if checked.changes:
        raise WheelError(
            [
                f"{shown(final.name)}: the wheel as written fails its own check: {change} would "
                f"still "
                "be needed; this is maturin-cross's fault, please report it with the input wheel"
                for change in checked.changes
            ]
        )
    if trial is not None:
        trial(result.path)
    return _Staged(source, result.path, final, result.changes, checked)


def _refuse_overwrites(
    staged: list[_Staged | MaturinCrossError], sources: Sequence[Path]
) -> list[_Staged | MaturinCrossError]:
    """Refuse the wheels that would be written as the same file as another source's, or over
    another input: before any is moved."""
    by_final: dict[str, list[int]] = {}
    for number, item in enumerate(staged):
        if isinstance(item, _Staged):
            by_final.setdefault(_key(item.final), []).append(number)
    kept: list[_Staged | MaturinCrossError] = []
    for number, item in enumerate(staged):
        if isinstance(item, MaturinCrossError):
            kept.append(item)
            continue
        others = [shown(sources[n]) for n in by_final[_key(item.final)] if n != number]
        replaced = [
            other
            for n, other in enumerate(sources)
            if n != number and atomic.same_file(item.final, other)
        ]
        if others:
            kept.append(
                OutputError(
                    f"{shown(item.source)}: it and {', '.join(others)} would both be written "
                    f"as {shown(item.final)}; fix them into different folders (-w), or leave one "
                    "out"
                )
            )
        elif replaced:
            kept.append(
                OutputError(
                    f"{shown(item.source)}: its wheel {shown(item.final)} would replace the "
                    f"input {shown(replaced[0])}; fix them into another folder (-w)"
                )
            )
        else:
            kept.append(item)
    return kept


def _key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def _move(item: _Staged) -> Delivered:
    replaces_input = atomic.same_file(item.final, item.source)
    if replaces_input and not item.changes:
        return Delivered(item.final, (), item.proof)  # already there, as it should be
    # In place (_stage refused it otherwise): through a link, the file it names is rewritten.
    destination = Path(os.path.realpath(item.final)) if replaces_input else item.final
    try:
        atomic.move_over(item.staged, destination)
    except OSError as err:
        if files.is_disk_full(err):
            raise _disk_full(destination.parent, err) from None
        if os.path.isdir(destination):
            raise OutputError(
                f"{shown(destination)}: is a folder, so the wheel cannot be written under that "
                "name; move the folder away, or name another output folder (-w)"
            ) from None
        raise OutputError(
            f"{shown(destination)}: cannot write the wheel ({files.why(err)}); check that "
            f"{shown(destination.parent)} is a writable folder"
        ) from None
    return Delivered(item.final, item.changes, item.proof)
