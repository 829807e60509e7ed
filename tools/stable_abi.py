"""Make src/maturin_cross/checks/stable_abi.json: every function and data symbol of CPython's
Stable ABI with the version that added it, from abi3info (which carries CPython's own
Misc/stable_abi.toml), with the source and its version written in the file.

    .venv/bin/pip install abi3info==VERSION    # the version the file names, or a newer one
    .venv/bin/python tools/stable_abi.py         # writes the file
    .venv/bin/python tools/stable_abi.py --check # exit 1 when the file differs from the source

tests/unit/tools/test_stable_abi_tool.py runs the same rendering against the shipped file.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "src/maturin_cross/checks/stable_abi.json"


def render() -> str:
    """The file's text, from the installed abi3info."""
    import abi3info

    symbols: dict[str, dict[str, str]] = {}
    for table in (abi3info.FUNCTIONS, abi3info.DATAS):
        for symbol, item in table.items():
            entry = {"added": f"{item.added.major}.{item.added.minor}"}
            if item.ifdef is not None:
                entry["ifdef"] = item.ifdef.name
            if item.abi_only:
                entry["abi_only"] = "yes"
            symbols[symbol.name] = entry
    source = f"abi3info {metadata.version('abi3info')} (CPython's Misc/stable_abi.toml)"
    lines = [
        "{",
        f'"source": {json.dumps(source)},',
        '"generator": "tools/stable_abi.py: do not edit by hand",',
        '"symbols": {',
    ]
    rows = [f"{json.dumps(name)}: {json.dumps(entry)}" for name, entry in sorted(symbols.items())]
    lines.append(",\n".join(rows))
    lines += ["}", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        same = OUTPUT.read_text(encoding="utf-8") == text
        print(f"{OUTPUT}: {'up to date' if same else 'differs from the installed abi3info'}")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
