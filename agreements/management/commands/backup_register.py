"""``backup_register``: a dated JSON dump of the register (what it holds:
agreements.backup)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from agreements.backup import write_backup

DEFAULT_DIRECTORY = "backups"


class Command(BaseCommand):
    help = (
        "Write the register, its follow-up and history, users, groups and the admin "
        "log to a JSON file that restore_register loads into an empty database: "
        "backups/register-YYYYMMDD-HHMMSS.json unless --output says otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="the file to write (default: backups/register-<UTC date-time>.json)",
        )

    def handle(self, *args, output=None, **options):
        if output:
            path = Path(output)
        else:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"register-{stamp}.json"
            path = Path(settings.BASE_DIR) / DEFAULT_DIRECTORY / name
        if path.suffix != ".json":
            raise CommandError(f"{path}: a backup's name must end in .json")
        if path.exists():
            raise CommandError(f"{path} exists already; choose another name.")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed at the end: a backup that stops half
        # way leaves no half-written file under the final name. Only the owner may
        # read it: it holds password hashes and staff e-mail addresses.
        partial = path.with_name(f".{path.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                counts = self.dump(stream)
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {path}: {total} objects, of which ")
            + ", ".join(
                f"{counts.get(label, 0)} {name}"
                for label, name in (
                    ("agreements.Document", "documents"),
                    ("agreements.Event", "events"),
                    ("agreements.Body", "bodies"),
                    ("agreements.Action", "actions"),
                    ("agreements.ProgressUpdate", "progress updates"),
                    ("auth.User", "users"),
                )
            )
            + "."
        )

    def dump(self, stream):
        """Everything from one snapshot, even while staff keep editing."""
        connection = connections[DEFAULT_DB_ALIAS]
        nested = connection.in_atomic_block  # then the caller's transaction decides
        with transaction.atomic():
            if connection.vendor == "postgresql" and not nested:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                    )
            return write_backup(stream)
