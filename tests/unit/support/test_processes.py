from __future__ import annotations

import sys

import pytest

from maturin_cross.errors import BuildError
from maturin_cross.support.processes import capture, failure_cause, run


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
    assert str(info.value) == "maturin failed (exit 3): error: boom; fix the crate"
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


def test_streamed_run_shows_the_output_live(capsys: pytest.CaptureFixture[str]) -> None:
    run([sys.executable, "-c", "print('Compiling' + ' x')"], stream=True)
    err = capsys.readouterr().err
    assert "Compiling x" in err
    assert "MC_" not in err


def test_a_streamed_failure_is_not_replayed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(BuildError):
        run([sys.executable, "-c", "print('on' + 'ce'); raise SystemExit(1)"], stream=True)
    assert capsys.readouterr().err.count("once") == 1


OPENSSL_SYS = """\
   Compiling openssl-sys v0.9.104
warning: openssl-sys@0.9.104: Could not find directory of OpenSSL installation
\x1b[1m\x1b[31merror\x1b[0m: failed to run custom build command for `openssl-sys v0.9.104`

Caused by:
  process didn't exit successfully: `/t/build/openssl-sys-1/build-script-main` (exit status: 101)
  --- stdout
  cargo:rerun-if-env-changed=OPENSSL_DIR
  --- stderr
  thread 'main' panicked at /c/openssl-sys-0.9.104/build/find_normal.rs:190:5:


  Could not find directory of OpenSSL installation, and this `-sys` crate cannot
  proceed without this knowledge.
  note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
error: could not compile `x` due to 1 previous error
\U0001f4a5 maturin failed
  Caused by: Failed to build a native library through cargo
  Caused by: Cargo build finished with "exit status: 101": `env -u CARGO PYO3_CROSS=1 "cargo" "rustc" "--target" "armv7-unknown-linux-gnueabihf"`
"""


@pytest.mark.parametrize(
    ("output", "cause"),
    [
        (
            OPENSSL_SYS,
            "error: failed to run custom build command for `openssl-sys v0.9.104`: Could not find "
            "directory of OpenSSL installation, and this `-sys` crate cannot",
        ),
        (
            "error[E0425]: cannot find value `y` in this scope\n --> src/lib.rs:3:5\n"
            "error: could not compile `x` (lib) due to 1 previous error\n",
            "error[E0425]: cannot find value `y` in this scope",
        ),
        (
            "\U0001f4a5 maturin failed\n  Caused by: Can't find /tmp/Cargo.toml (in /tmp)\n",
            "Can't find /tmp/Cargo.toml (in /tmp)",
        ),
        (
            # cargo 1.96's words when the crate itself needs a newer Rust
            "error: rustc 1.96.0 is not supported by the following package:\n"
            "  t@0.1.0 requires rustc 1.99\n\n",
            "rustc 1.96.0 is too old for this crate's dependencies (t@0.1.0 needs rustc 1.99): "
            "use a Rust of at least 1.99 ('rustup update', or a newer rustc-web on Debian), or "
            "hold those crates back with 'cargo update NAME@VERSION --precise OLDER'",
        ),
        (
            # the shape of nh3 0.3.7's lock file under Debian's rustc-web 1.85
            "error: rustc 1.85.0 is not supported by the following packages:\n"
            "  icu_collections@2.1.1 requires rustc 1.86\n"
            "  nh3@0.3.7 requires rustc 1.88\n"
            "Either upgrade rustc or select compatible dependency versions with\n"
            "`cargo update <name>@<current-ver> --precise <compatible-ver>`\n",
            "rustc 1.85.0 is too old for this crate's dependencies (icu_collections@2.1.1 needs "
            "rustc 1.86, nh3@0.3.7 needs rustc 1.88): use a Rust of at least 1.88 ('rustup "
            "update', or a newer rustc-web on Debian), or hold those crates back with 'cargo "
            "update NAME@VERSION --precise OLDER'",
        ),
        ("one\ntwo\n\n", "two"),
        ("", ""),
    ],
)
def test_failure_cause(output: str, cause: str) -> None:
    assert failure_cause(output.splitlines()) == cause


def test_a_failure_names_the_cause_not_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code = f"import sys; sys.stdout.write({OPENSSL_SYS!r}); sys.exit(1)"
    with pytest.raises(BuildError) as info:
        run([sys.executable, "-c", code], what="maturin")
    message = str(info.value)
    assert "Could not find directory of OpenSSL installation" in message
    assert "cargo" not in message.replace("failed to run custom build command", "")


def test_a_failure_says_what_explain_answers_for_its_cause(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = "print('error: linking with `cc` failed: exit status: 1'); raise SystemExit(1)"
    seen: list[str] = []

    def explain(cause: str) -> str | None:
        seen.append(cause)
        return "set the linker" if "linking" in cause else None

    with pytest.raises(BuildError) as info:
        run([sys.executable, "-c", code], what="maturin", explain=explain)
    assert str(info.value) == (
        "maturin failed (exit 1): error: linking with `cc` failed: exit status: 1; set the linker"
    )
    assert seen == ["error: linking with `cc` failed: exit status: 1"]
    with pytest.raises(BuildError) as other:
        run([sys.executable, "-c", "raise SystemExit(2)"], what="maturin", explain=explain)
    assert str(other.value).endswith("; see its output above")
