"""Queries on the parties' steps: the public list's ``?party_status=`` filter and the
data-quality queue's ``status-contradicts-steps`` check.

``?party_status=KZ:ratified`` keeps documents a party from Kazakhstan has ratified
(or approved, or accepted); ``?party_status=AZ:not_ratified`` those a party from
Azerbaijan has not (Azerbaijan being a party). Repeated, every value must hold:
``?party_status=KZ:ratified&party_status=AZ:not_ratified``. Each value is one
``EXISTS`` (or ``NOT EXISTS``) on the steps, so no join duplicates a document.
"""

import re
from collections import defaultdict

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext, pgettext_lazy
from django_countries.data import COUNTRIES

from ..models import CONSENT_KINDS, Document, Party, PartyStep, StepKind
from ..selectors import from_country
from .status import KEPT_STATUSES, derive_status

#: ``?party_status=`` words and the kinds of step each means.
PARTY_STATUSES = {
    "signed": (StepKind.SIGNATURE,),
    "ratified": CONSENT_KINDS,
    "notified": (StepKind.NOTIFICATION,),
    "in_force": (StepKind.ENTRY_INTO_FORCE,),
    "provisional": (StepKind.PROVISIONAL_APPLICATION,),
    "suspended": (StepKind.SUSPENSION,),
    "withdrawn": (StepKind.WITHDRAWAL,),
}
#: How the selected-filter tags read each word.
PARTY_STATUS_WORDS = {
    "signed": pgettext_lazy("party status", "signed"),
    "ratified": pgettext_lazy("party status", "ratified, approved or accepted"),
    "notified": pgettext_lazy("party status", "notified completed procedures"),
    "in_force": pgettext_lazy("party status", "in force for it"),
    "provisional": pgettext_lazy("party status", "applies it provisionally"),
    "suspended": pgettext_lazy("party status", "suspended it"),
    "withdrawn": pgettext_lazy("party status", "withdrew"),
}
NEGATION = "not_"
#: At most this many values in one query.
MAX_PARTY_STATUSES = 6
PARTY_STATUS = re.compile(r"^([A-Za-z]{2}):((?:not_)?[a-z_]+)$")


def normalize_party_status(value):
    """``kz:Ratified`` reads as ``KZ:ratified``; anything else is left as given."""
    code, _sep, word = value.partition(":")
    return f"{code.strip().upper()}:{word.strip().lower()}" if word else value


def parse_party_status(value):
    """``(country code, word, negated)`` for a valid value, else ``None``."""
    match = PARTY_STATUS.match(value)
    if not match:
        return None
    code, word = match.group(1).upper(), match.group(2)
    negated = word.startswith(NEGATION)
    word = word.removeprefix(NEGATION)
    if code not in COUNTRIES or word not in PARTY_STATUSES:
        return None
    return code, word, negated


def party_status_label(value):
    """``Kazakhstan: ratified, approved or accepted`` (``not`` before a negated
    word); the value itself when it is not valid."""
    parsed = parse_party_status(value)
    if parsed is None:
        return value
    code, word, negated = parsed
    words = PARTY_STATUS_WORDS[word]
    if negated:
        words = gettext("not %(status)s") % {"status": words}
    return f"{COUNTRIES[code]}: {words}"


def party_status_condition(code, word, negated, stamp=None):
    """A condition on documents (``OuterRef("pk")``): a party from the country (its
    ISO ``code``) has (or, negated, is a party and has not) a step of ``word``'s
    kinds."""
    steps = PartyStep.objects.filter(
        from_country(code, stamp, via="party__"),
        party__document_id=OuterRef("pk"),
        kind__in=PARTY_STATUSES[word],
    )
    if not negated:
        return Exists(steps)
    parties = Party.objects.filter(
        from_country(code, stamp), document_id=OuterRef("pk")
    )
    return Exists(parties) & ~Exists(steps)


# --- The data-quality check -----------------------------------------------------------


def may_derive():
    """A condition on documents whose steps may derive a status (``derive_status``):
    the rule of entry into force is known, or a party has a step that ends or
    suspends the document or applies it provisionally."""
    moving = PartyStep.objects.filter(
        party__document_id=OuterRef("pk"),
        kind__in=(
            StepKind.WITHDRAWAL,
            StepKind.SUSPENSION,
            StepKind.PROVISIONAL_APPLICATION,
        ),
    )
    rule_known = ~Q(entry_into_force_rule=Document.EntryIntoForce.UNKNOWN)
    return (Q(Exists(moving)) | rule_known) & ~Q(legal_status__in=KEPT_STATUSES)


def contradicted_ids(documents, today):
    """The ids of ``documents`` whose stored status (or its dates) differs from what
    their steps derive on ``today``, in ``documents``' order.

    The derivation runs in Python (``derive_status``, the one statement of the
    rules) over the documents that may derive a status: three queries, the parties
    and steps read through subqueries of ``documents``. The queue caches the result
    until the register changes.
    """
    candidates = documents.filter(may_derive())
    rows = list(
        candidates.only(
            "signed_on",
            "legal_status",
            "entered_into_force_on",
            "ended_on",
            "entry_into_force_rule",
            "entry_into_force_days",
            "entry_into_force_date",
        )
    )
    parties = defaultdict(list)
    for party_id, document_id in Party.objects.filter(
        document__in=candidates.values("pk")
    ).values_list("pk", "document_id"):
        parties[document_id].append(party_id)
    steps = defaultdict(list)
    for step in (
        PartyStep.objects.filter(party__document__in=candidates.values("pk"))
        .annotate(document_id=F("party__document_id"))
        .only("party_id", "kind", "happened_on", "date_precision")
    ):
        steps[step.document_id].append(step)
    found = []
    for document in rows:
        derived = derive_status(
            document=document,
            party_ids=parties[document.pk],
            steps=steps[document.pk],
            today=today,
        )
        if derived is not None and derived.differs_from(document):
            found.append(document.pk)
    return found


def explain_contradiction(document):
    return gettext(
        "Recorded as “%(status)s”, but the parties' steps and the rule of entry "
        "into force (“%(rule)s”) give another status or date. Recording or "
        "deleting a step stores what they give."
    ) % {
        "status": document.get_legal_status_display(),
        "rule": document.get_entry_into_force_rule_display(),
    }
