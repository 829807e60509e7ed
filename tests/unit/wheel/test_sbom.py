"""The project's folder taken out of maturin's SBOM: replaced where cargo's package id holds it,
RECORD's hash of the SBOM made true again, every other member copied as it was."""

from __future__ import annotations

import zipfile
from pathlib import Path

from wheelcalls import read_wheel
from wheelmaker import make_wheel

from maturin_cross.wheel import sbom

SBOM = "rpds-0.1.0.dist-info/sboms/rpds.cyclonedx.json"


def _wheel(tmp_path: Path, text: str) -> Path:
    files = {"rpds/__init__.py": b"", "rpds/rpds.so": b"\x7fELF" + b"x" * 100, SBOM: text.encode()}
    return make_wheel(tmp_path, files=files)


def test_the_folder_is_replaced_and_the_wheel_stays_valid(tmp_path: Path) -> None:
    folder = tmp_path / "my src"
    text = f'{{"a": "path+file://{folder}#rpds@0.1.0", "b": "file://{str(folder).replace(" ", "%20")}/x"}}'
    wheel = _wheel(tmp_path, text)
    before = {i.filename: i.CRC for i in zipfile.ZipFile(wheel).infolist()}

    assert sbom.remap_sboms(wheel, folder, "/build/source")

    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(SBOM).decode() == (
            '{"a": "path+file:///build/source#rpds@0.1.0", "b": "file:///build/source/x"}'
        )
        after = {i.filename: i.CRC for i in archive.infolist()}
    assert list(after) == list(before)
    assert {n for n in after if after[n] != before[n]} == {SBOM, "rpds-0.1.0.dist-info/RECORD"}
    read_wheel(wheel)  # every hash and size verified: raises WheelError if one is wrong


def test_a_wheel_without_the_folder_is_left_as_it_is(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, '{"a": "path+file:///build/source#rpds@0.1.0"}')
    data = wheel.read_bytes()
    assert not sbom.remap_sboms(wheel, tmp_path / "elsewhere", "/build/source")
    assert wheel.read_bytes() == data
