from __future__ import annotations

import sys
import sysconfig

from maturin_cross import _host


def test_host_target_is_this_machine() -> None:
    target = _host.host_target()
    assert target.ext_suffix == sysconfigdata_ext_suffix()
    assert target.platform_tag == sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert target.python is not None
    assert target.python.version == sys.version_info[:2]


def sysconfigdata_ext_suffix() -> str:
    value = sysconfig.get_config_var("EXT_SUFFIX")
    assert isinstance(value, str)
    return value
