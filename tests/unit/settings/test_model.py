from __future__ import annotations

from pathlib import Path

import pytest

from maturin_cross.errors import ConfigError
from maturin_cross.settings.model import Settings
from maturin_cross.settings.origin import Kind, Origin, Sourced, decide


def shown_origin(settings: Settings, key: str) -> str:
    """Where ``key``'s value came from, as people are shown it."""
    return str(settings.source(key))


def test_defaults() -> None:
    settings = Settings.from_sources(None, {}, None)
    assert (settings.sysconfigdata, settings.target, settings.platform_tag) == (None, None, None)
    assert settings.build_args == ()
    assert settings.check == "fix"
    assert shown_origin(settings, "target") == "default"


def test_precedence_config_settings_over_env_over_conventions_over_pyproject() -> None:
    pyproject = {"tool": {"maturin-cross": {"target": "from-pyproject", "platform-tag": "linux_x"}}}
    env = {"CARGO_BUILD_TARGET": "from-cargo-env"}
    assert Settings.from_sources(None, {}, pyproject).target == "from-pyproject"
    settings = Settings.from_sources(None, env, pyproject)
    assert (settings.target, shown_origin(settings, "target")) == (
        "from-cargo-env",
        "CARGO_BUILD_TARGET",
    )
    env["MATURIN_CROSS_TARGET"] = "from-maturin-cross-env"
    settings = Settings.from_sources(None, env, pyproject)
    assert (settings.target, shown_origin(settings, "target")) == (
        "from-maturin-cross-env",
        "MATURIN_CROSS_TARGET",
    )
    settings = Settings.from_sources({"target": "from-C"}, env, pyproject)
    assert (settings.target, shown_origin(settings, "target")) == ("from-C", "-C target")
    assert settings.platform_tag == "linux_x"
    assert shown_origin(settings, "platform_tag") == "tool.maturin-cross.platform-tag"


def test_build_args_are_merged_not_replaced() -> None:
    settings = Settings.from_sources(
        {"build-args": "--features a", "maturin.build-args": ["--locked"]},
        {"MATURIN_PEP517_ARGS": "--profile dev", "MATURIN_CROSS_BUILD_ARGS": "-v"},
        {"tool": {"maturin-cross": {"build-args": ["--frozen"]}}},
    )
    assert settings.build_args == (
        "--profile",
        "dev",
        "--frozen",
        "-v",
        "--features",
        "a",
        "--locked",
    )


def test_target_in_build_args_is_taken_out_and_used() -> None:
    settings = Settings.from_sources(
        {"build-args": "--target armv7-unknown-linux-gnueabihf --locked"},
        {"CARGO_BUILD_TARGET": "x86_64-unknown-linux-gnu"},
        None,
    )
    assert settings.target == "armv7-unknown-linux-gnueabihf"
    assert shown_origin(settings, "target") == "--target in build-args"
    assert settings.build_args == ("--locked",)
    explicit = Settings.from_sources(
        {
            "target": "aarch64-unknown-linux-gnu",
            "build-args": "--target=armv7-unknown-linux-gnueabihf",
        },
        {},
        None,
    )
    assert explicit.target == "aarch64-unknown-linux-gnu"
    assert explicit.build_args == ()


@pytest.mark.parametrize(
    ("config", "env", "pyproject", "message"),
    [
        (
            {"sysconfig-data": "x"},
            {},
            None,
            "unknown config setting -C sysconfig-data; did you mean sysconfigdata?",
        ),
        (
            {},
            {"MATURIN_CROSS_TARGT": "x"},
            None,
            "unknown environment variable MATURIN_CROSS_TARGT; did you mean MATURIN_CROSS_TARGET?",
        ),
        (
            {},
            {},
            {"tool": {"maturin-cross": {"platform_tag": "x"}}},
            "unknown tool.maturin-cross platform_tag; did you mean platform-tag?",
        ),
        (
            {},
            {},
            {"tool": {"maturin-cross": {"zzz": 1}}},
            "unknown tool.maturin-cross zzz; known: ",
        ),
        ({"check": "maybe"}, {}, None, "-C check='maybe'; choose one of fix, check"),
        ({"verbose": "perhaps"}, {}, None, "-C verbose='perhaps' is not a boolean"),
        (
            {},
            {},
            {"tool": {"maturin-cross": {"target": 3}}},
            "tool.maturin-cross.target must be a non-empty string",
        ),
        ({"build-args": "--target"}, {}, None, "build-args: --target needs a value"),
    ],
)
def test_bad_settings_are_one_line_errors(
    config: dict[str, str], env: dict[str, str], pyproject: dict[str, object] | None, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_sources(config, env, pyproject)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("config", "env", "pyproject", "where"),
    [
        ({"build-args": "--features 'x"}, {}, None, "-C build-args"),
        ({"maturin.build-args": '-F "x'}, {}, None, "-C maturin.build-args"),
        ({}, {"MATURIN_PEP517_ARGS": "--features 'x"}, None, "MATURIN_PEP517_ARGS"),
        ({}, {"MATURIN_CROSS_BUILD_ARGS": "--features 'x"}, None, "MATURIN_CROSS_BUILD_ARGS"),
        (
            {},
            {},
            {"tool": {"maturin-cross": {"build-args": "--features 'x"}}},
            "tool.maturin-cross.build-args",
        ),
    ],
)
def test_build_args_that_cannot_be_split_name_their_source(
    config: dict[str, str], env: dict[str, str], pyproject: dict[str, object] | None, where: str
) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_sources(config, env, pyproject)
    message = str(info.value)
    assert message.startswith(f"{where}=")
    assert "no closing quotation" in message
    assert "close the quote" in message
    assert "\n" not in message


def test_verbose_and_check_values() -> None:
    settings = Settings.from_sources({"check": "check"}, {"MATURIN_CROSS_VERBOSE": "1"}, None)
    assert settings.check == "check"
    assert settings.verbose is True


def test_origins_are_typed_and_ranked() -> None:
    settings = Settings.from_sources(
        {"platform-tag": "linux_armv7l"},
        {"CARGO_BUILD_TARGET": "armv7-unknown-linux-gnueabihf"},
        {"tool": {"maturin-cross": {"check": "check"}}},
    )
    assert settings.source("platform_tag") == Origin(Kind.CONFIG_SETTING, "-C platform-tag")
    assert settings.source("target") == Origin(Kind.CONVENTION, "CARGO_BUILD_TARGET")
    assert settings.source("check").kind is Kind.PYPROJECT
    assert settings.source("sysconfigdata").kind is Kind.DERIVED
    assert settings.sourced("sysconfigdata") is None


def test_decide_takes_the_highest_rank_and_the_later_on_a_tie() -> None:
    env = Sourced("env", Origin(Kind.ENVIRONMENT, "MATURIN_CROSS_TARGET"))
    first = Sourced("first", Origin(Kind.CONFIG_SETTING, "-C target"))
    second = Sourced("second", Origin(Kind.CONFIG_SETTING, "-C target"))
    via_args = Sourced("args", Origin(Kind.CONFIG_SETTING, "--target in build-args", True))
    assert decide([]) is None
    assert decide([None, env]) == env
    assert decide([first, env]) == first
    assert decide([first, second]) == second
    assert decide([first, via_args]) == first
    assert decide([via_args, env]) == via_args


def test_a_command_line_flag_wins_over_a_target_in_build_args() -> None:
    settings = Settings.from_sources(
        {"build-args": "--target armv7-unknown-linux-gnueabihf"},
        {},
        None,
        command_line={"target": "aarch64-unknown-linux-gnu"},
    )
    assert (settings.target, shown_origin(settings, "target")) == (
        "aarch64-unknown-linux-gnu",
        "--target",
    )
    assert settings.build_args == ()


@pytest.mark.parametrize(
    ("config", "env", "pyproject", "target", "origin"),
    [
        # A --target in build-args counts as the target of the source that gave the arguments.
        (
            {},
            {"CARGO_BUILD_TARGET": "from-cargo"},
            {"tool": {"maturin-cross": {"build-args": "--target from-pyproject-args"}}},
            "from-cargo",
            "CARGO_BUILD_TARGET",
        ),
        (
            {},
            {"MATURIN_PEP517_ARGS": "--target from-pep517-args", "CARGO_BUILD_TARGET": "c"},
            None,
            "from-pep517-args",
            "--target in build-args",
        ),
        (
            {},
            {"MATURIN_PEP517_ARGS": "--target=a", "MATURIN_CROSS_TARGET": "from-env"},
            None,
            "from-env",
            "MATURIN_CROSS_TARGET",
        ),
        (
            {"build-args": ["--target", "from-C-args"]},
            {"MATURIN_CROSS_TARGET": "from-env"},
            None,
            "from-C-args",
            "--target in build-args",
        ),
    ],
)
def test_target_precedence_with_build_args(
    config: dict[str, str | list[str]],
    env: dict[str, str],
    pyproject: dict[str, object] | None,
    target: str,
    origin: str,
) -> None:
    settings = Settings.from_sources(config, env, pyproject)
    assert (settings.target, shown_origin(settings, "target")) == (target, origin)


def test_platform_tag_precedence_includes_python_host_platform() -> None:
    pyproject = {"tool": {"maturin-cross": {"platform-tag": "linux_from_pyproject"}}}
    env = {"_PYTHON_HOST_PLATFORM": "linux-armv7l"}
    settings = Settings.from_sources(None, env, pyproject)
    assert settings.sourced("platform_tag") == Sourced(
        "linux-armv7l", Origin(Kind.CONVENTION, "_PYTHON_HOST_PLATFORM")
    )
    assert not settings.source("platform_tag").kind.given_as_is
    env["MATURIN_CROSS_PLATFORM_TAG"] = "linux_from_env"
    settings = Settings.from_sources(None, env, pyproject)
    assert (settings.platform_tag, shown_origin(settings, "platform_tag")) == (
        "linux_from_env",
        "MATURIN_CROSS_PLATFORM_TAG",
    )
    assert settings.source("platform_tag").kind.given_as_is


def test_quiet_is_a_boolean_setting() -> None:
    assert Settings.from_sources(None, {}, None).quiet is False
    assert Settings.from_sources({"quiet": "true"}, {}, None).quiet is True
    assert Settings.from_sources(None, {"MATURIN_CROSS_QUIET": "1"}, None).quiet is True


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4096", 4096),
        ("8GiB", 8 << 30),
        ("8 GiB", 8 << 30),
        ("500MB", 500_000_000),
        ("1kb", 1000),
        ("2KiB", 2048),
        ("1TiB", 1 << 40),
        ("10B", 10),
    ],
)
def test_max_unpacked_size_takes_bytes_or_a_unit(text: str, size: int) -> None:
    settings = Settings.from_sources({"max-unpacked-size": text}, {}, None)
    assert settings.max_unpacked_bytes == size


def test_max_unpacked_size_is_the_readers_default_when_unset() -> None:
    assert Settings.from_sources(None, {}, None).max_unpacked_bytes is None
    from_env = Settings.from_sources(None, {"MATURIN_CROSS_MAX_UNPACKED_SIZE": "1MiB"}, None)
    assert from_env.max_unpacked_bytes == 1 << 20
    pyproject = {"tool": {"maturin-cross": {"max-unpacked-size": "2MiB"}}}
    assert Settings.from_sources(None, {}, pyproject).max_unpacked_bytes == 2 << 20


@pytest.mark.parametrize("text", ["0", "-1", "1.5GiB", "lots", "8 parsecs", "GiB"])
def test_a_max_unpacked_size_that_is_not_a_size_is_one_line(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_sources({"max-unpacked-size": text}, {}, None)
    assert str(info.value).startswith(f"-C max-unpacked-size={text!r} is not a size; ")
    assert "8GiB" in str(info.value)


# --- the settings described once ------------------------------------------------------------

DOC = Path(__file__).resolve().parents[3] / "docs" / "settings.md"
BEGIN = (
    "<!-- The table below is made from maturin_cross.settings.model.DESCRIBED: edit that, then "
    "run `python tests/unit/settings/test_model.py` -->\n"
)
END = "<!-- end of the table made from DESCRIBED -->\n"


def settings_table() -> str:
    """docs/settings.md's table of settings, as DESCRIBED says them."""
    from maturin_cross.settings.model import DESCRIBED

    rows = ["| key | value | default |", "|---|---|---|"]
    for setting in DESCRIBED:
        flag = f" (`{setting.flag}`)" if setting.flag else ""
        rows.append(
            f"| `{setting.key}` | `{setting.value}`: {setting.what}{flag} | {setting.default} |"
        )
    return "\n".join(rows) + "\n"


def doc_with_table(text: str) -> str:
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    return before + BEGIN + settings_table() + END + after


def test_every_setting_is_described_once_in_field_order() -> None:
    from dataclasses import fields

    from maturin_cross.settings.model import DESCRIBED

    keys = [f.name.replace("_", "-") for f in fields(Settings) if f.name != "origins"]
    assert [setting.key for setting in DESCRIBED] == keys


def test_the_settings_doc_says_what_described_says() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    assert text == doc_with_table(text), (
        "docs/settings.md's table differs from DESCRIBED: run `python tests/unit/settings/test_model.py`"
    )


if __name__ == "__main__":
    DOC.write_text(doc_with_table(DOC.read_text(encoding="utf-8")), encoding="utf-8")
