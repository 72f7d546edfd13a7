"""The queue's parts: which part of the register to look at (``Filters``), one kind
of gap (``Check``: its query, its count and first items, cached until the register
changes) and one thing to fix (``Item``)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Window
from django.urls import reverse
from django.utils.translation import get_language, gettext

from ..aggregates import cached_aggregate
from ..models import Action, Document

#: How many of a check's items the overview (and the cache) holds.
PREVIEW = 20


@dataclass(frozen=True)
class Filters:
    """Which part of the register to look at; empty values select everything."""

    country: str = ""  # ISO 3166-1 alpha-2, upper case: a party's country
    body: str = ""  # a body's slug: a party (or, for actions, a responsible body)
    kind: str = ""  # a Document.Kind
    language: str = ""  # a language the register's own text is missing in

    @property
    def key(self):
        return f"{self.country}:{self.body}:{self.kind}:{self.language}"

    @property
    def selects_everything(self):
        """No filter on which records (the language says only what they lack)."""
        return not (self.country or self.body or self.kind)


@dataclass(frozen=True)
class Item:
    """One thing to fix: the record, the address of its admin form, and why (plain
    data, so that it can be cached)."""

    pk: int
    label: str
    url: str
    explanation: str
    #: other records the explanation names, as (label, admin URL) pairs
    others: tuple = ()


@dataclass(frozen=True)
class Check:
    """One kind of gap. ``find(filters, today)`` is the ordered queryset of the
    records that have it; ``detail(queryset, today)`` adds what ``explain(obj)``
    needs to say what is wrong with each."""

    name: str
    title: str
    description: str
    model: type[models.Model]
    find: Callable
    explain: Callable
    detail: Callable = lambda queryset, today: queryset
    #: whether what it finds depends on the day (its cached values then last a day)
    daily: bool = False
    #: other records the explanation names: ``others(obj, url)`` gives
    #: ``(label, admin URL)`` pairs, ``url`` being the model's ``ChangeUrl``
    others: Callable = lambda obj, url: ()

    def rows(self, filters, today):
        """Every match, ready to be shown (slice it for a page)."""
        return self.detail(_shown(self.find(filters, today)), today)

    def key(self, filters, today):
        """What its cached values depend on: the check, the filters, and the day if
        it matters."""
        day = today.isoformat() if self.daily else ""
        return f"{self.name}:{filters.key}:{day}"

    def summary(self, filters, *, today, stamp):
        """``(count, ids of the first PREVIEW)``, cached until the register changes."""
        key = f"quality:{self.key(filters, today)}"

        def compute():
            picked = list(
                self.find(filters, today)
                .annotate(quality_total=Window(Count("*")))
                .values_list("pk", "quality_total")[:PREVIEW]
            )
            return (picked[0][1] if picked else 0, [pk for pk, _total in picked])

        return cached_aggregate(stamp, key, compute, per_language=False)

    def preview(self, filters, *, today, stamp):
        """``(count, the items of the first PREVIEW)``, both cached until the register
        changes (the items in the active language)."""
        count, ids = self.summary(filters, today=today, stamp=stamp)
        if not ids:
            return count, []
        key = f"quality-items:{self.key(filters, today)}:{get_language()}"
        return count, cached_aggregate(stamp, key, lambda: self.items_for(ids, today))

    def items_for(self, ids, today):
        """The items of the records ``ids``, in that order: one query."""
        if not ids:
            return []
        rows = self.detail(_shown(self.model.objects.filter(pk__in=ids)), today)
        found = {obj.pk: obj for obj in rows}
        return self.items([found[pk] for pk in ids if pk in found])

    def items(self, objs):
        """The items of ``objs``, rows of ``detail``."""
        url = ChangeUrl(self.model)
        return [
            Item(
                pk=obj.pk,
                label=_label(obj),
                url=url(obj.pk),
                explanation=self.explain(obj),
                others=tuple(self.others(obj, url)),
            )
            for obj in objs
        ]


@dataclass(frozen=True)
class Result:
    check: Check
    count: int
    items: list


class ChangeUrl:
    """The address of ``model``'s admin change form, for any primary key: reversed
    once, not once an item (a page lists up to 200 of them)."""

    _PK = "pk"

    def __init__(self, model):
        opts = model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=(self._PK,)
        )
        self.head, self.tail = url.rsplit(self._PK, 1)

    def __call__(self, pk):
        return f"{self.head}{pk}{self.tail}"


#: A document's long texts, which no item shows.
LONG_TEXTS = ("summary", "validity_note", "search_text", "search_vector")


def _shown(queryset):
    """``queryset`` without the long texts of documents."""
    if queryset.model is Document:
        return queryset.defer(*LONG_TEXTS)
    return queryset


def _label(obj):
    if isinstance(obj, Action):
        return gettext("%(action)s (of “%(document)s”)") % {
            "action": obj.title,
            "document": obj.document.title,
        }
    return str(obj)
