from .rpds import *  # noqa: F403

__all__ = ["HashTrieMap"]  # noqa: F405
