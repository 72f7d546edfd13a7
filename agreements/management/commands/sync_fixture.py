"""``manage.py sync_fixture``: bring a fixture into a register in use (agreements.sync).

``loaddata`` (``bootstrap``) is for an empty register; this command is for one in use.
"""

from django.core.management.base import BaseCommand, CommandError

from agreements.sync import SyncError, find_fixture, sync_fixture

#: Longest value shown in a difference; the rest is cut.
SHOWN = 70


def shown(value):
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


class Command(BaseCommand):
    help = (
        "Compare a fixture (natural keys) with the register in use and, with --apply, "
        "add the records it lacks (documents and events as drafts). Records that "
        "differ are listed and kept, unless --overwrite (with history). Publication "
        "and follow-up statuses of existing records are never changed. A dry run "
        "by default."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "fixtures", nargs="+", help="fixture names (kz_az_2023) or paths"
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run",
            dest="apply",
            action="store_false",
            help="show what would change and write nothing (the default)",
        )
        mode.add_argument(
            "--apply", action="store_true", help="write the changes shown"
        )
        # Both flags share ``apply``: without either, a dry run.
        parser.set_defaults(apply=False)
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace records that differ in the register by the fixture's "
            "version (history records it)",
        )
        parser.add_argument(
            "--publish-new",
            action="store_true",
            help="publish the new documents and events the fixture publishes "
            "(default: they come in as drafts for a publisher to review)",
        )

    def handle(self, *args, fixtures, apply, overwrite, publish_new, **options):
        try:
            paths = [find_fixture(name) for name in fixtures]
            for path in paths:
                report = sync_fixture(
                    path=path,
                    apply=apply,
                    overwrite=overwrite,
                    publish_new=publish_new,
                )
                self.show(report, overwrite=overwrite)
        except SyncError as error:
            raise CommandError(str(error)) from error
        if not apply:
            self.stdout.write(
                self.style.WARNING("Dry run: nothing written. Add --apply to write.")
            )

    def show(self, report, *, overwrite):
        write = self.stdout.write
        verb = "" if report.applied else "would be "
        for label in report.added:
            if label in report.drafts:
                write(f"+ {label}: {verb}added as a draft")
            elif label in report.published:
                write(f"+ {label}: {verb}added and published (--publish-new)")
            else:
                write(f"+ {label}: {verb}added")
        for label, changes in report.overwritten:
            write(f"! {label}: {verb}overwritten")
            self.show_changes(changes)
        for label, changes in report.differing:
            write(f"~ {label}: changed in the register, kept (--overwrite replaces it)")
            self.show_changes(changes)
        for label, changes in report.held:
            write(f"= {label}: publication or status kept as the register has it")
            self.show_changes(changes)
        summary = (
            f"{report.fixture}: {len(report.added)} {verb}added, "
            f"{len(report.overwritten)} {verb}overwritten, "
            f"{len(report.differing)} changed in the register and kept, "
            f"{report.unchanged} unchanged."
        )
        self.stdout.write(self.style.SUCCESS(summary) if report.applied else summary)

    def show_changes(self, changes):
        for name, stored, incoming in changes:
            self.stdout.write(
                f"    {name}: register {shown(stored)}, fixture {shown(incoming)}"
            )
