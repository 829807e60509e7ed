"""What the user asked for: the settings, where each came from (a typed origin with
its rank), the one precedence rule, and maturin's own arguments read as maturin reads them.
"""
