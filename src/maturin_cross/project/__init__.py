"""The project being built: its pyproject.toml and Cargo manifest read once, and the
edit ``maturin-cross init`` makes to switch its build backend.
"""
