from __future__ import annotations

import sys

from maturin_cross.cli import main

sys.exit(main())
