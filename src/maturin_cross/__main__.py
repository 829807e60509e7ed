from __future__ import annotations

import os
import sys

# `python -m maturin_cross` puts the working folder first on sys.path. A file there under the
# name the host's sysconfig imports its data from (`_sysconfigdata__linux_x86_64-linux-gnu`)
# would run the first time anything asks sysconfig (creating a venv does): take it off the path.
if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from maturin_cross.cli.main import main

sys.exit(main())
