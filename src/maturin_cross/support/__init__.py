"""What every layer may use: the one door to processes, the one atomic file write and
staging folder, and TOML reading.
"""
