SUMMARY = "PEP 517 backend and CLI wrapping maturin for cross-compiled PyO3 modules"
DESCRIPTION = "maturin-cross builds a maturin project for the target whose sysconfigdata it \
finds, and checks every extension module in the wheel (suffix, tags, ELF machine and ABI) \
before handing the wheel back. Used by the python_maturin_cross class."
SECTION = "devel/python"
# SPDX syntax where oe-core reads it (its oe.spdx_license, 2026 on; the old syntax gets a warning
# there), the old one for the series before it (scarthgap to wrynose), which do not.
LICENSE = "${@'Apache-2.0 OR MIT' if hasattr(oe, 'spdx_license') else 'MIT | Apache-2.0'}"
LIC_FILES_CHKSUM = " \
    file://LICENSE-MIT;md5=4d61ba51d089b09a7c1db6aa21337b27 \
    file://LICENSE-APACHE;md5=3b83ef96387f14655fc854ddc3c6bd57 \
"

# This layer ships inside the maturin-cross source tree (contrib/yocto), so the recipe builds that
# tree. For a release from PyPI replace these two lines with `inherit pypi` and
# SRC_URI[sha256sum].
inherit externalsrc
EXTERNALSRC = "${@os.path.normpath(os.path.join(d.getVar('THISDIR'), '..', '..', '..', '..'))}"
EXTERNALSRC_BUILD = "${WORKDIR}/build"

# Its own build backend is flit_core.
inherit python_flit_core

# All in oe-core. pyproject.toml's dependencies less tomlkit, which only `maturin-cross init` uses
# (reading TOML is the standard library's tomllib); tomli is for Python 3.10 only.
RDEPENDS:${PN} = " \
    python3-build \
    python3-installer \
    python3-maturin \
    python3-packaging \
    python3-pyelftools \
    python3-pyproject-hooks \
    python3-tomllib \
"

# No nativesdk: oe-core's python3-pyelftools has none.
BBCLASSEXTEND = "native"
