SUMMARY = "PEP 517 backend and CLI wrapping maturin for cross-compiled PyO3 modules"
DESCRIPTION = "maturin-cross builds a maturin project for the target whose sysconfigdata it \
finds, and checks every extension module in the wheel (suffix, tags, ELF machine and ABI) \
before handing the wheel back. Used by the python_maturin_cross class."
SECTION = "devel/python"
# The project carries no license file of its own yet: checksum the common texts.
LICENSE = "MIT | Apache-2.0"
LIC_FILES_CHKSUM = " \
    file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302 \
    file://${COMMON_LICENSE_DIR}/Apache-2.0;md5=89aea4e17d99a7cacdbeed46a0096b10 \
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
    python3-maturin \
    python3-packaging \
    python3-pyelftools \
    python3-tomlkit \
"

BBCLASSEXTEND = "native nativesdk"
