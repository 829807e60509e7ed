"""tools/realworld.py's sdist unpacking: tarfile's "data" rules where Python has them (3.11.4 and
newer), the same rules by hand where it has not (Debian bookworm's 3.11.2)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
import realworld


def _sdist(folder: Path, members: dict[str, bytes]) -> Path:
    path = folder / "pkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("filters", ["tarfile's", "by hand"])
def test_a_plain_sdist_is_unpacked(
    filters: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if filters == "by hand":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    sdist = _sdist(tmp_path, {"pkg-1.0/pyproject.toml": b"[project]\n"})
    realworld.unpack_sdist(sdist, tmp_path / "src")
    assert (tmp_path / "src" / "pkg-1.0" / "pyproject.toml").read_bytes() == b"[project]\n"


@pytest.mark.parametrize("name", ["../evil.pth", "/tmp/evil.pth", "pkg-1.0/../../evil.pth"])
def test_a_member_outside_is_refused_by_hand_as_by_tarfile(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sdist = _sdist(tmp_path, {"pkg-1.0/ok": b"", name: b"x"})
    if hasattr(tarfile, "data_filter") and not name.startswith("/"):
        # (tarfile's rules take a leading "/" off, inside the folder; by hand it is refused)
        with pytest.raises(tarfile.FilterError):
            realworld.unpack_sdist(sdist, tmp_path / "with-filters")
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    with pytest.raises(ValueError, match="is not a plain file or folder in it"):
        realworld.unpack_sdist(sdist, tmp_path / "by-hand")
    assert not (tmp_path / "by-hand").exists()
    assert not (tmp_path / "evil.pth").exists()
