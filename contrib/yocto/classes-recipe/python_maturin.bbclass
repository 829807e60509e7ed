#
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Switch every recipe that inherits oe-core's python_maturin to python_maturin_cross, without
# touching the recipes.
#
# This file shadows meta/classes-recipe/python_maturin.bbclass. For `inherit python_maturin` in a
# recipe, bitbake searches classes-recipe/ along the whole BBPATH before it tries classes/, and
# takes the first hit: so the shadow must live in classes-recipe/ (a classes/python_maturin.bbclass
# would never be found) and this layer puts itself first on BBPATH (conf/layer.conf).
#
# Opt a recipe out (it then gets oe-core's class) with, in local.conf or a distro config:
#     MATURIN_CROSS_ALL:pn-python3-foo = "0"
# or every recipe with MATURIN_CROSS_ALL = "0" (then inherit python_maturin_cross explicitly
# where wanted). The choice is made when the recipe is parsed, so it covers the recipe's
# native/nativesdk variants (BBCLASSEXTEND) too.

MATURIN_CROSS_ALL ??= "1"

inherit ${@'python_maturin_cross' if bb.utils.to_boolean(d.getVar('MATURIN_CROSS_ALL')) else d.getVar('COREBASE') + '/meta/classes-recipe/python_maturin.bbclass'}
