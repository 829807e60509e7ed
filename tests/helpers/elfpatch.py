"""Real ELF files with one header field changed: broken the way a hostile or damaged binary is,
for the ELF reader's and the loader view's tests."""

from __future__ import annotations

import io
import struct

from elftools.elf.elffile import ELFFile

# Elf32_Shdr / Elf64_Shdr: where each field is, and its size
_SECTION_FIELDS = {
    "sh_offset": ((16, 4), (24, 8)),
    "sh_size": ((20, 4), (32, 8)),
    "sh_link": ((24, 4), (40, 4)),
    "sh_info": ((28, 4), (44, 4)),
    "sh_entsize": ((36, 4), (56, 8)),
}
# Elf32_Ehdr / Elf64_Ehdr
_HEADER_FIELDS = {
    "e_phentsize": ((42, 2), (54, 2)),
    "e_phnum": ((44, 2), (56, 2)),
    "e_shentsize": ((46, 2), (58, 2)),
    "e_shnum": ((48, 2), (60, 2)),
}
_SIZES = {2: "H", 4: "I", 8: "Q"}


def _layout(parsed: ELFFile) -> tuple[int, str]:
    return (1 if parsed.elfclass == 64 else 0), ("<" if parsed.little_endian else ">")


def section_number(data: bytes, section_type: str) -> int:
    """The number of ``data``'s first ``section_type`` section (``SHT_DYNSYM``)."""
    for number, section in enumerate(ELFFile(io.BytesIO(data)).iter_sections()):
        if section["sh_type"] == section_type:
            return number
    raise AssertionError(f"no {section_type} section")


def with_section_field(data: bytes, section_type: str, field: str, value: int) -> bytes:
    """``data`` with ``field`` (sh_link, sh_offset, sh_size...) of its first ``section_type``
    section set."""
    return with_numbered_section_field(data, section_number(data, section_type), field, value)


def with_numbered_section_field(data: bytes, number: int, field: str, value: int) -> bytes:
    """``data`` with ``field`` of section ``number`` set."""
    parsed = ELFFile(io.BytesIO(data))
    wide, order = _layout(parsed)
    at, size = _SECTION_FIELDS[field][wide]
    patched = bytearray(data)
    header = parsed["e_shoff"] + number * parsed["e_shentsize"]
    struct.pack_into(order + _SIZES[size], patched, header + at, value)
    return bytes(patched)


def with_header_field(data: bytes, field: str, value: int) -> bytes:
    """``data`` with ``field`` (e_shnum, e_shentsize, e_phnum...) of its ELF header set."""
    wide, order = _layout(ELFFile(io.BytesIO(data)))
    at, size = _HEADER_FIELDS[field][wide]
    patched = bytearray(data)
    struct.pack_into(order + _SIZES[size], patched, at, value)
    return bytes(patched)


# --- crafted counts: real 64-bit little-endian files whose headers make a reader loop ----------


def symbol_entries_of_one_byte(data: bytes, pad: int = 200_000) -> bytes:
    """``data`` grown by ``pad`` zero bytes, its dynamic symbol table claiming 1-byte entries
    up to the end: a reader that trusts sh_entsize parses a symbol per byte."""
    data += bytes(pad)
    dynsym = section_number(data, "SHT_DYNSYM")
    offset = ELFFile(io.BytesIO(data)).get_section(dynsym)["sh_offset"]
    data = with_numbered_section_field(data, dynsym, "sh_entsize", 1)
    return with_numbered_section_field(data, dynsym, "sh_size", len(data) - offset)


def symbol_tables_repeated(data: bytes, copies: int = 1000, table: int = 150_000) -> bytes:
    """``data`` with ``table`` zero bytes of symbols and ``copies`` more section headers, each a
    dynamic symbol table over all of them: every header is honest, together they ask for
    ``copies`` times ``table / 24`` symbols (the issue's 220 KB file, 0.4 s a header)."""
    parsed = ELFFile(io.BytesIO(data))
    assert parsed.elfclass == 64 and parsed.little_endian
    shoff, entsize, count = parsed["e_shoff"], parsed["e_shentsize"], parsed["e_shnum"]
    dynsym = section_number(data, "SHT_DYNSYM")
    header = bytearray(data[shoff + dynsym * entsize : shoff + (dynsym + 1) * entsize])
    struct.pack_into("<QQ", header, 24, len(data), table)  # sh_offset, sh_size
    headers = data[shoff : shoff + count * entsize] + bytes(header) * copies
    out = bytearray(data + bytes(table) + headers)
    struct.pack_into("<Q", out, 0x28, len(data) + table)  # e_shoff
    return with_header_field(bytes(out), "e_shnum", count + copies)


def strings_without_end(data: bytes, symbols: int = 4000, strings: int = 100_000) -> bytes:
    """``data`` with a dynamic symbol table of ``symbols`` entries whose names all start a
    string table of ``strings`` bytes that holds no NUL: each name is read to the file's end."""
    parsed = ELFFile(io.BytesIO(data))
    assert parsed.elfclass == 64
    dynsym = section_number(data, "SHT_DYNSYM")
    link = parsed.get_section(dynsym)["sh_link"]
    table_at = len(data)
    out = data + bytes(24 * symbols) + b"A" * strings
    out = with_numbered_section_field(out, dynsym, "sh_offset", table_at)
    out = with_numbered_section_field(out, dynsym, "sh_size", 24 * symbols)
    return with_numbered_section_field(out, link, "sh_offset", table_at + 24 * symbols)
