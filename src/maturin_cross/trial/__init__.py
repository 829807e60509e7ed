"""The wheel tried on its target: the target's own Python run under qemu (or natively,
where this machine runs the target's code itself) importing the wheel's modules.
"""
