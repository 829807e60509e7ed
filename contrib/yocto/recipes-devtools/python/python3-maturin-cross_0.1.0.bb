SUMMARY = "PEP 517 backend and CLI wrapping maturin for cross-compiled PyO3 modules"
DESCRIPTION = "maturin-cross builds a maturin project for the target whose sysconfigdata it \
finds, and checks every extension module in the wheel (suffix, tags, ELF machine and ABI) \
before handing the wheel back. Used by the python_maturin_cross class."
SECTION = "devel/python"
LICENSE = "MIT | Apache-2.0"
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

RDEPENDS:${PN} = " \
    python3-build \
    python3-installer \
    python3-maturin \
    python3-packaging \
    python3-pyelftools \
    python3-pyproject-hooks \
    python3-tomlkit \
"

BBCLASSEXTEND = "native nativesdk"
