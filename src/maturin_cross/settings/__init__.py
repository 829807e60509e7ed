"""What the user asked for: the settings and what each means, said once (``model``); where each
came from, a typed origin with its rank, and the one precedence rule (``origin``, a leaf); the
one rule for a relative path (``paths``); and maturin's own arguments read as maturin reads them
(``maturin_args``).
"""
