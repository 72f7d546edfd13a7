"""Paginators for the public lists: a count given by the view (cached until the
register changes), and keyset starting points for deep pages."""

import operator
from functools import reduce

from django.core.paginator import Paginator
from django.db.models import Q


class CountedPaginator(Paginator):
    """A paginator told its ``count``, so that no page runs ``COUNT(*)`` itself."""

    def __init__(self, object_list, per_page, *, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.count = count  # instead of Paginator's cached property


class KeysetPaginator(CountedPaginator):
    """Pages of a queryset in ``ordering``, deep ones without a long ``OFFSET``.

    ``OFFSET`` reads every row it skips: 75,000 index entries for page 3,000. This
    paginator remembers the sort keys of every ``every``-th row, through
    ``remember(name, compute)`` (the view caches them until the register changes),
    and starts a page from the nearest one before it: a ``WHERE`` on the keys, which
    the ordering's index seeks to, then fewer than ``every`` rows skipped.
    ``ordering``'s last column must be unique, so that a key names one row.
    """

    every = 500

    def __init__(self, object_list, per_page, *, ordering, remember, **kwargs):
        super().__init__(object_list.order_by(*ordering), per_page, **kwargs)
        self.ordering = ordering
        self.remember = remember

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        start = bottom // self.every * self.every
        if not start:
            return super().page(number)
        names = [column.lstrip("-") for column in self.ordering]
        try:
            key = self.remember(
                f"{start}:{self.every}",
                lambda: tuple(self.object_list.values_list(*names)[start]),
            )
        except IndexError:
            # rows went away since the count was read (a bulk unpublish): this
            # once, the page the plain way
            return super().page(number)
        skip = bottom - start
        rows = self.object_list.filter(at_or_after(self.ordering, key))
        return self._get_page(rows[skip : skip + self.per_page], number, self)


def at_or_after(columns, key):
    """The rows at or after ``key`` (the values of ``columns``) in their order.

    ``(a, b, c) >= key`` spelt out, as ``a >= k1 AND (a > k1 OR a = k1 AND b > k2 OR
    ...)``, with the direction of each column; the first term lets the database seek
    its index to the key rather than test every row.
    """
    terms, equal = [], {}
    for position, (column, value) in enumerate(zip(columns, key, strict=True)):
        name = column.lstrip("-")
        after = "lt" if column.startswith("-") else "gt"
        if position == len(columns) - 1:
            after += "e"
        terms.append(Q(**equal, **{f"{name}__{after}": value}))
        equal[name] = value
    first = columns[0]
    seek = Q(**{f"{first.lstrip('-')}__{'lte' if first[0] == '-' else 'gte'}": key[0]})
    return seek & reduce(operator.or_, terms)
