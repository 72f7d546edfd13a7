"""Documents already in the register that a new one looks like: the same title once
case, spacing and punctuation are set aside, or the same parties on the same day.

Staff see them while typing (the admin's ``duplicates/`` address, called by
``js/duplicate-check.js``) and again on save, where saving anyway takes an explicit
"it is not a duplicate". The data-quality queue's "Probable duplicates" finds the
pairs already saved.
"""

from dataclasses import dataclass

from .models import Document
from .text import normalised

__all__ = ["Match", "likely_duplicates", "normalised"]


@dataclass(frozen=True)
class Match:
    document: Document
    same_title: bool
    same_parties_and_day: bool


def likely_duplicates(*, title="", signed_on=None, body_ids=(), exclude_pk=None):
    """The documents that a document with ``title``, signed on ``signed_on`` by the
    bodies ``body_ids``, looks like; newest first. A few indexed queries, whatever
    the size of the register."""
    found = {}
    key = normalised(title)
    if key:
        # Document.title_key holds each title normalised, indexed
        for pk in Document.objects.filter(title_key=key).values_list("pk", flat=True):
            found[pk] = "title"
    bodies = sorted({int(pk) for pk in body_ids if pk})
    if signed_on and len(bodies) >= 2:
        same = Document.objects.filter(signed_on=signed_on)
        for body in bodies:
            same = same.filter(parties__body_id=body)
        for pk in same.values_list("pk", flat=True).distinct():
            found[pk] = "both" if found.get(pk) == "title" else "parties"
    found.pop(exclude_pk, None)
    if not found:
        return []
    documents = Document.objects.filter(pk__in=found).order_by("-signed_on", "pk")
    return [
        Match(
            document=document,
            same_title=found[document.pk] in ("title", "both"),
            same_parties_and_day=found[document.pk] in ("parties", "both"),
        )
        for document in documents.only("pk", "title", "slug", "signed_on")
    ]
