"""The environment a cross build runs in: the PyO3 configuration written from the
target, the C compiler's view of the sysroot, and the Rust toolchain and linker for the target.
"""
