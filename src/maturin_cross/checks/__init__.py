"""Will the wheel load on its target: what each ELF member is and needs, where the
target's loader finds it, the publishing policy its tag promises, what must change to correct
it, and the proof that gathers all of these in one pass.
"""
