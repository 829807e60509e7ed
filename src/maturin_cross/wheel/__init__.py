"""Wheels as files: the zip format read and written by hand (streamed, bounded), RECORD
and its hashes, WHEEL tags, and a wheel rewritten under a new name.
"""
