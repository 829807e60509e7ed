from __future__ import annotations

import sys

import pytest

from maturin_cross._run import capture, run
from maturin_cross.errors import BuildError


def test_run_logs_the_command_and_the_environment_it_changes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MC_GONE", "x")
    code = "import os; print(os.environ['MC_NEW'], 'MC_GONE' in os.environ)"
    run([sys.executable, "-c", code], env_delta={"MC_NEW": "hello", "MC_GONE": None}, verbose=True)
    err = capsys.readouterr().err
    assert f"maturin-cross: + {sys.executable} -c " in err
    assert "maturin-cross:   MC_NEW=hello" in err
    assert "maturin-cross:   MC_GONE=<unset>" in err
    assert "hello False" in err


def test_quiet_run_shows_nothing_of_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    run([sys.executable, "-c", "print('chat' + 'ter')"])
    assert "chatter" not in capsys.readouterr().err


def test_failure_replays_the_tail_and_names_the_last_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Flushed: stdout and stderr share one pipe, and their order must not depend on buffering.
    code = "import sys; [print('line', i) for i in range(100)]; sys.stdout.flush(); print('error: boom', file=sys.stderr); sys.exit(3)"
    with pytest.raises(BuildError) as info:
        run([sys.executable, "-c", code], what="maturin", hint="fix the crate")
    assert str(info.value) == "maturin failed (exit 3), last line: error: boom; fix the crate"
    err = capsys.readouterr().err
    assert "line 99" in err and "line 50" not in err


def test_missing_program() -> None:
    with pytest.raises(
        BuildError,
        match=r"^cannot run /nonexistent/tool: No such file or directory; is it installed\?$",
    ):
        run(["/nonexistent/tool"])


def test_capture() -> None:
    assert capture([sys.executable, "-c", "print('x')"]) == "x\n"
    assert capture([sys.executable, "-c", "raise SystemExit(1)"]) is None
    assert capture(["/nonexistent/tool"]) is None
