"""The data-quality queue: what the register still lacks or contradicts.

Each ``Check`` finds one kind of gap (a document without a source, an event whose
recorded documents do not match the reported number, a forecast whose date has passed)
in one query: the matches are counted and the first ``PREVIEW`` of them picked in the
same query (a window count), and both are cached until the register changes
(``agreements.aggregates``), keyed on the check and the filters (and the day, for a
check that depends on it). Saying what is wrong with each of those is one more query
a check, whatever their number; its result (plain text and addresses) is cached the
same way, per language. The admin page (``agreements.admin.quality``) and the
``data_quality`` command read the same checks.

- ``queue``: what a check is, what it finds (items) and how both are cached;
- ``finders``: each check's query, and what it says of each record it finds;
- ``checks``: the list of checks, in the order the queue shows them;
- ``forms``: the queue's filters, from a query string or the command's options.
"""

from .checks import CHECKS, CHECKS_BY_NAME, overview
from .forms import FilterForm
from .queue import PREVIEW, ChangeUrl, Check, Filters, Item, Result

__all__ = [
    "CHECKS",
    "CHECKS_BY_NAME",
    "PREVIEW",
    "ChangeUrl",
    "Check",
    "FilterForm",
    "Filters",
    "Item",
    "Result",
    "overview",
]
