"""What the target is: its architecture, its Python's configuration, its Rust target spec, this
host, and its root file system.

    arches         the one table of architectures: every name a machine goes by (stdlib only)
    multiarch      CPython's multiarch and Rust's target triple, read and derived
    soabi          CPython's SOABI and EXT_SUFFIX, read and written by one rule
    platform_tag   the wheel's linux_<machine> tag
    sysconfigdata  the target's _sysconfigdata_*.py and build-details.json, read without running
    resolve        the Target, derived from those and the settings
    spec           a custom Rust target's JSON spec
    hostinfo       this host's own interpreter, for native builds
    sysroot        the target's root file system and its loader's library folders

Every module here is pure except :mod:`hostinfo`, which says what it reads; ``arches``,
``multiarch`` and ``soabi`` need the standard library alone.
"""
