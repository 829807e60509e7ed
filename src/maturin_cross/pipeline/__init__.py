"""The pipeline both doors share: the plan (settings, project, target, sysroot: every
decision, made once), the build environment set up from it, maturin run in it, and the wheel
delivered only once it is corrected and proven.
"""
