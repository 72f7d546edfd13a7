"""``restore_register FILE``: load a backup_register file into an empty database."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from agreements.backup import occupied_models
from agreements.models import Body, Document, Event


class Command(BaseCommand):
    help = (
        "Load a file written by backup_register into an empty, migrated database. "
        "Refuses when the register or the user table holds anything; loads all or "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backups/register-*.json file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        occupied = occupied_models()
        if occupied:
            # The register's main tables first; the rest summed up.
            first = ("documents", "events", "bodies", "users")
            named = sorted(occupied, key=lambda n: first.index(n) if n in first else 9)
            held = ", ".join(f"{occupied[name]} {name}" for name in named[:4])
            if len(named) > 4:
                held += f" and rows in {len(named) - 4} more tables"
            raise CommandError(
                f"The database is not empty: it holds {held}. A backup is restored "
                "only into an empty, migrated database, so that nothing is mixed or "
                "overwritten: create a new database and run `manage.py migrate`, or "
                "empty this one with `manage.py flush`."
            )
        try:
            # loaddata runs in one transaction: on any error nothing stays loaded.
            # History is switched off while it runs: the backup carries the history
            # itself, and django-simple-history would add a record for every
            # many-to-many field that loaddata sets.
            with override_settings(SIMPLE_HISTORY_ENABLED=False):
                call_command("loaddata", str(path.resolve()), verbosity=0)
        except Exception as error:
            raise CommandError(
                f"{path} could not be restored; nothing was loaded. {error}"
            ) from error
        if not Document.objects.exists() and not occupied_models():
            raise CommandError(f"{path} holds no register: nothing was loaded.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path}: {Document.objects.count()} documents, "
                f"{Event.objects.count()} events, {Body.objects.count()} bodies."
            )
        )
