"""Store the legal status each document's steps derive today: for cron, daily.

A status derived from dates changes with the calendar, not only when staff record a
step: a document that enters into force 30 days after the last notification, or on
a given date, is "signed" until that day and "in force" from it. This command stores
what the steps derive today (``recompute_legal_status``, with a history entry) for
every document whose parties have steps or whose rule of entry into force is known,
and prints each change. ``--dry-run`` prints them without storing anything.

    manage.py refresh_legal_status
    manage.py refresh_legal_status --dry-run
"""

from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agreements.models import Document, PartyStep
from agreements.steps.status import derived_for, recompute_legal_status


class Command(BaseCommand):
    help = "Store the legal status each document's steps derive today (daily, cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would change; store nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        today = timezone.localdate()
        candidates = (
            Document.objects.filter(
                Exists(PartyStep.objects.filter(party__document=OuterRef("pk")))
                | ~Q(entry_into_force_rule=Document.EntryIntoForce.UNKNOWN)
            )
            .defer("search_text", "search_vector")
            .order_by("pk")
        )
        checked = changed = 0
        for document in candidates.iterator(chunk_size=500):
            checked += 1
            before = document.get_legal_status_display()
            if dry_run:
                derived = derived_for(document, today=today)
                if derived is None or not derived.differs_from(document):
                    continue
                document.legal_status = derived.status
            elif recompute_legal_status(document=document, today=today) is None:
                continue
            changed += 1
            self.stdout.write(
                f"{document.slug}: {before} -> {document.get_legal_status_display()}"
            )
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"{checked} document(s) checked, {changed} {verb}.")
