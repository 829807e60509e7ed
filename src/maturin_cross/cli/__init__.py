"""The command line, a door: ``maturin-cross build|inspect|fix|init|test`` and
``python -m maturin_cross``. ``main`` assembles the parser and turns our errors into one line and
an exit code; each command is a module (``cmd_build``, ``cmd_inspect``, ``cmd_fix``, ``cmd_init``,
``cmd_test``) that reads its arguments, asks the pipeline and prints; ``options`` holds what they
share, the settings and target of the one plan among it.
"""
