"""Origins for tests that name a value's source by its label alone: a label given this way
counts as a config setting (``-C``), a setting taken as given."""

from __future__ import annotations

from maturin_cross.settings.origin import Kind, Origin, Sourced


def said(label: str) -> Origin:
    """The origin a test names by its label."""
    return Origin(Kind.CONFIG_SETTING, label)


def sourced(value: str, label: str) -> Sourced:
    """``value`` as given by the source labelled ``label``."""
    return Sourced(value, said(label))
