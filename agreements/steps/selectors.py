"""What the pages show of the parties' steps: a table, one row a party, in the
manner of UNTC's participant table, built from one query for all the parties."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ..models import CONSENT_KINDS, PartyStep, StepKind

#: The table's columns: a heading and the kinds of step each shows. A party with no
#: step of a column's kinds reads "unknown" there.
COLUMNS = (
    (_("Signature"), (StepKind.SIGNATURE,)),
    (_("Ratification, approval or acceptance"), CONSENT_KINDS),
    (_("Notification of completed procedures"), (StepKind.NOTIFICATION,)),
    (_("Entry into force for the party"), (StepKind.ENTRY_INTO_FORCE,)),
    (
        _("Provisional application, suspension, withdrawal"),
        (
            StepKind.PROVISIONAL_APPLICATION,
            StepKind.SUSPENSION,
            StepKind.WITHDRAWAL,
        ),
    ),
)
HEADINGS = tuple(heading for heading, _kinds in COLUMNS)


@dataclass
class Cell:
    """A party's steps of a column (none: unknown). ``named``: the column holds
    several kinds, so each step says which it is."""

    heading: str
    named: bool
    steps: list = field(default_factory=list)


@dataclass
class PartyRow:
    """One party and a cell for each of ``COLUMNS``."""

    party: object
    cells: list


def steps_of(parties):
    """``parties``' steps with their sources, by date: one query."""
    return (
        PartyStep.objects.filter(party__in=[party.pk for party in parties])
        .select_related("source")
        .order_by("happened_on", "kind", "pk")
    )


def steps_table(parties):
    """``[PartyRow]`` for ``parties`` (in their order), each with a ``Cell`` for
    each of ``COLUMNS``."""
    by_party = {
        party.pk: PartyRow(
            party,
            [Cell(heading, len(kinds) > 1) for heading, kinds in COLUMNS],
        )
        for party in parties
    }
    if not by_party:
        return []
    column_of = {
        kind: index for index, (_heading, kinds) in enumerate(COLUMNS) for kind in kinds
    }
    for step in steps_of(parties):
        by_party[step.party_id].cells[column_of[step.kind]].steps.append(step)
    return list(by_party.values())
