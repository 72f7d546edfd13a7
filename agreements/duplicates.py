"""Documents already in the register that a new one looks like: the same title once
case, spacing and punctuation are set aside, or the same parties on the same day.

Staff see them while typing (the admin's ``duplicates/`` address, called by
``js/duplicate-check.js``) and again on save, where saving anyway takes an explicit
"it is not a duplicate". The data-quality queue's "Probable duplicates" finds the
pairs already saved.
"""

import re
from dataclasses import dataclass

from django.db.models.functions import Lower

from .models import Document

#: How many documents matching every word of a title are compared with it.
SEARCHED = 200


def normalised(title):
    """``title`` without case, punctuation or extra spaces: "Memorandum of
    Understanding No. 5" and "memorandum of understanding no 5" are one."""
    return " ".join(re.findall(r"\w+", (title or "").casefold()))


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
        exact = Document.objects.alias(lower=Lower("title")).filter(
            lower=title.strip().lower()
        )
        similar = Document.objects.search(key).only("pk", "title")[:SEARCHED]
        for document in (*exact.only("pk", "title"), *similar):
            if normalised(document.title) == key:
                found[document.pk] = "title"
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
