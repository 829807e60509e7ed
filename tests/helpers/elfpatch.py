"""Real ELF files with one header field changed: broken the way a hostile or damaged binary is,
for the ELF reader's and the loader view's tests."""

from __future__ import annotations

import io
import struct

from elftools.elf.elffile import ELFFile


def with_section_field(data: bytes, section_type: str, field: str, value: int) -> bytes:
    """``data`` with ``field`` (sh_link, sh_offset) of its first ``section_type`` section set."""
    parsed = ELFFile(io.BytesIO(data))
    wide = parsed.elfclass == 64
    order = "<" if parsed.little_endian else ">"
    # Elf32_Shdr / Elf64_Shdr: where each field is, and its size
    layout = {"sh_offset": (24, 8) if wide else (16, 4), "sh_link": (40, 4) if wide else (24, 4)}
    at, size = layout[field]
    for number, section in enumerate(parsed.iter_sections()):
        if section["sh_type"] == section_type:
            patched = bytearray(data)
            header = parsed["e_shoff"] + number * parsed["e_shentsize"]
            struct.pack_into(order + ("Q" if size == 8 else "I"), patched, header + at, value)
            return bytes(patched)
    raise AssertionError(f"no {section_type} section")
