#
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Build a maturin/PyO3 recipe through maturin-cross instead of pyproject-build + maturin.
#
# The same inheritance and configure step as oe-core's python_maturin: python_pyo3 exports the
# PyO3 cross variables and writes ${WORKDIR}/pyo3.config, cargo_common configures cargo, and
# python_pep517 installs the wheel with pypa/installer. Only do_compile differs: maturin-cross
# reads the target's own sysconfigdata (found as _PYTHON_SYSCONFIGDATA_NAME on PYTHONPATH, as
# python3targetconfig exports it), replaces pyo3.config with one written from it (ext_suffix
# included), runs maturin for CARGO_BUILD_TARGET, and checks every .so in the wheel against the
# target before the wheel reaches ${PEP517_WHEEL_PATH}: the module suffix is the target's
# EXT_SUFFIX (.cpython-3XY-arm-linux-gnueabihf.so on qemuarm), and a wrong ELF machine or float
# ABI stops the build here, not at runtime on the device.
#
# The project's own build backend does not matter: a recipe whose pyproject.toml says
# build-backend = "maturin" is built unchanged.
#
# PEP517_BUILD_OPTS is passed to `maturin-cross build`: -C key=value (or
# --config-setting=key=value) pairs such as -C check=check or -C verbose=true.

inherit python_pyo3 python_pep517

DEPENDS += "python3-maturin-native"
# maturin-cross itself is a task dependency rather than in DEPENDS: in a native variant
# (BBCLASSEXTEND), oe-core's native_filter rewrites any "-cross-" in a DEPENDS name to "-native-"
# (meant for gcc-cross-* and the like), so DEPENDS would ask for python3-maturin-native-native.
do_prepare_recipe_sysroot[depends] += "python3-maturin-cross-native:do_populate_sysroot"

python_maturin_cross_do_configure() {
    python_pyo3_do_configure
    cargo_common_do_configure
    python_pep517_do_configure
}

# Valid shell as it stands: each ${VAR} bitbake expands here is also the name of a variable the
# shell could expand (tests/integration/test_yocto.py runs this body with bash under do_compile's environment).
python_maturin_cross_do_compile() {
    maturin-cross build --no-isolation -o ${PEP517_WHEEL_PATH} ${PEP517_SOURCE_PATH} ${PEP517_BUILD_OPTS}
}

EXPORT_FUNCTIONS do_configure do_compile
