"""The wheel's platform tag: ``linux_<uname -m of the target>``, derived from the target or
refined from what another tool said (``_PYTHON_HOST_PLATFORM``, build-details.json).

Pure: no process, no host interpreter.
"""

from __future__ import annotations

import re

from maturin_cross.target.arches import MACHINE_NAMES, arch_of_machine, generic_machines
from maturin_cross.target.multiarch import RustTarget


def platform_tag_for(machine: str) -> str:
    return "linux_" + re.sub(r"[-.]", "_", machine)


def platform_tag_from_host_platform(value: str) -> str:
    """``_PYTHON_HOST_PLATFORM``'s ``linux-armv7l`` -> ``linux_armv7l`` (as maturin does)."""
    return re.sub(r"[-.]", "_", value)


def refine_host_platform(
    value: str, rust: RustTarget, label: str = "_PYTHON_HOST_PLATFORM"
) -> tuple[str, str | None]:
    """Return the platform tag for a platform ``value`` another tool gave (``label``:
    ``_PYTHON_HOST_PLATFORM``) and a note when it was refined. A generic family name
    (``linux-arm`` from Yocto/Buildroot) names no machine pip on the device accepts, and a machine
    of another architecture is a value left over from another build: in both cases the machine
    derived from the target wins. Any other value is taken as given."""
    machine = value.split("-", 1)[1] if value.startswith("linux-") else None
    row = arch_of_machine(machine) if machine else None
    family = row.em if row is not None else None
    if family is not None and family != rust.multiarch.elf.machine:
        derived = platform_tag_for(rust.machine)
        return derived, (
            f"{label}={value} names a {MACHINE_NAMES.get(family, family)} machine, "
            f"but the target is {rust.triple}; using {derived} (set platform-tag to force another)"
        )
    if machine == "armv8l" and rust.machine == "armv7l":
        return "linux_armv7l", (
            f"{label}={value} is what a 32-bit userland on an ARMv8 kernel reports "
            f"(the build machine, often); pip there accepts linux_armv7l too, and an ARMv7 board "
            f"accepts only that: using linux_armv7l (set platform-tag to force another)"
        )
    if machine is not None and machine in generic_machines(rust.multiarch.elf.machine):
        refined = platform_tag_for(rust.machine)
        note = (
            f"{label}={value} names no machine a device reports; "
            f"using {refined} from target {rust.triple} (set platform-tag to force another)"
        )
        return refined, note
    return platform_tag_from_host_platform(value), None
