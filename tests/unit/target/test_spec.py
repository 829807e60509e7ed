from __future__ import annotations

from pathlib import Path

import pytest

from maturin_cross.errors import ConfigError
from maturin_cross.target.spec import custom_target_spec


def test_custom_target_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"target spec nope\.json does not exist"):
        custom_target_spec("nope.json", {}, tmp_path)
    (tmp_path / "bad.json").write_text('{"arch": "arm"}')
    with pytest.raises(ConfigError, match="the target spec has no llvm-target"):
        custom_target_spec("bad.json", {}, tmp_path)


def one_line(info: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_missing_spec_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        custom_target_spec("missing.json", {}, tmp_path)
    assert one_line(info) == (
        f"target spec missing.json does not exist (relative to {tmp_path}); pass the path of "
        f"the target's JSON spec, or a built-in Rust triple (rustc --print target-list)"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{llvm-target", "is not JSON (Expecting property name enclosed in double quotes"),
        (b"\xff{}", "is not JSON ('utf-8' codec can't decode byte 0xff"),
    ],
    ids=["not-json", "not-utf8"],
)
def test_a_spec_that_is_not_json_says_what_to_pass(
    tmp_path: Path, text: str | bytes, says: str
) -> None:
    spec = tmp_path / "spec.json"
    if isinstance(text, bytes):
        spec.write_bytes(text)
    else:
        spec.write_text(text)
    with pytest.raises(ConfigError) as info:
        custom_target_spec("spec.json", {}, tmp_path)
    message = one_line(info)
    assert message.startswith(f"{spec}: the target spec {says}")
    assert message.endswith(
        "; pass a Rust target spec as rustc writes one "
        "(rustc -Z unstable-options --print target-spec-json --target TRIPLE)"
    )


def test_a_spec_without_llvm_target_says_what_to_add(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"arch": "arm", "llvm-target": 7}')
    with pytest.raises(ConfigError) as info:
        custom_target_spec("bad.json", {}, tmp_path)
    assert one_line(info).endswith(
        'add "llvm-target": "<LLVM triple>" (armv7-unknown-linux-gnueabihf), as rustc\'s '
        "own specs have it"
    )


def test_a_spec_that_is_a_pipe_or_too_large_is_refused_unread(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(ConfigError) as info:
        custom_target_spec("pipe.json", {}, tmp_path)
    assert "pipe.json: is not a regular file (a named pipe)" in one_line(info)
    with open(tmp_path / "big.json", "wb") as big:
        big.truncate(1536 << 20)  # sparse: 1.5 GB that is never read whole
    with pytest.raises(ConfigError) as info:
        custom_target_spec("big.json", {}, tmp_path)
    assert "big.json: is larger than 1048576 bytes" in one_line(info)
