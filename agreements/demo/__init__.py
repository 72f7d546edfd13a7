"""A realistic demo register for ``seed_demo``, reproducible for a seed: developer
tooling, used by ``make bench`` too.

``generator`` builds it (``cast``: countries, bodies, people and outlets;
``documents``: each document with its parties, sources and relations; ``followup``:
actions and progress updates; ``draws``: the random choices), from the word lists,
templates and weights in ``data/*.toml``. ``rows`` knows which rows are the demo's,
counts and deletes them. Nothing depends on today's date, so a seed builds the same
register (same slugs, same titles) on any day.
"""

from .generator import DemoError, DemoSummary, build_demo_register
from .rows import DEMO_PREFIX, DEMO_SOURCE_PREFIX, delete_demo_register, demo_counts

__all__ = [
    "DEMO_PREFIX",
    "DEMO_SOURCE_PREFIX",
    "DemoError",
    "DemoSummary",
    "build_demo_register",
    "delete_demo_register",
    "demo_counts",
]
