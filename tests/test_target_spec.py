from __future__ import annotations

from pathlib import Path

import pytest

from maturin_cross.errors import ConfigError
from maturin_cross.target_spec import custom_target_spec


def test_custom_target_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"target spec nope\.json does not exist"):
        custom_target_spec("nope.json", {}, tmp_path)
    (tmp_path / "bad.json").write_text('{"arch": "arm"}')
    with pytest.raises(ConfigError, match="the target spec has no llvm-target"):
        custom_target_spec("bad.json", {}, tmp_path)
