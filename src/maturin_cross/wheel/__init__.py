"""Wheels as files: the zip format read and written by hand (streamed, bounded), RECORD and its
hashes, WHEEL tags, and a wheel rewritten under a new name.

    ziparchive   the zip format: central directory, members streamed and checked, a writer
    record       a member's Hash, one RECORD line (RecordEntry), RECORD's text read and written
    tags         WHEEL's Tag: lines, the file name for a set of tags, manylinux/musllinux tags
    contents     a wheel read and verified against its RECORD in one pass (WheelContents)
    rewrite      a verified wheel written again with members renamed and new tags

Each module is pure (see the package's docstring) but ``rewrite``, which writes the one file it
makes.
"""
