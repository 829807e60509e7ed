"""The command line, a door: ``maturin-cross build|inspect|fix|init|test`` and
``python -m maturin_cross``. Reads arguments, asks the pipeline, prints; turns our errors into one
line and an exit code.
"""
