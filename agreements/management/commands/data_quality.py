"""Print the data-quality queue: what the register still lacks or contradicts.

The same checks as the admin's data-quality page (``agreements.quality``), in plain
text for cron or a terminal: each check's title and count, then its first items, each
with what is wrong and the path of the admin form that fixes it. Exit status 0 whatever
it finds (it reports, it does not fail); an error status for options that name nothing
(an unknown country, body, kind or check), so that a cron job set up wrong says so.

    manage.py data_quality --country KZ --kind memorandum --limit 5
"""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agreements import quality
from agreements.aggregates import register_stamp


def _limit(value):
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("the limit cannot be negative")
    return number


def _day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"“{value}” is not a date (YYYY-MM-DD)."
        ) from error


class Command(BaseCommand):
    help = "Print what the register still lacks or contradicts: the data-quality queue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--country", default="", help="A party's country (ISO code)."
        )
        parser.add_argument("--body", default="", help="A party's body (slug).")
        parser.add_argument("--kind", default="", help="The document kind.")
        parser.add_argument(
            "--language",
            default="",
            help="Text missing in this language (ru, kk or az; default: any).",
        )
        parser.add_argument(
            "--check",
            default="",
            choices=["", *quality.CHECKS_BY_NAME],
            help="Only this check (default: all).",
        )
        parser.add_argument(
            "--limit",
            type=_limit,
            default=quality.PREVIEW,
            help=f"Items listed per check (default {quality.PREVIEW}; 0: counts only).",
        )
        parser.add_argument(
            "--today", type=_day, help="The day to check for, YYYY-MM-DD."
        )

    def handle(self, *args, limit, today=None, **options):
        form = quality.FilterForm(
            {
                name: options[name]
                for name in ("country", "body", "kind", "language", "check")
            }
        )
        if not form.is_valid():
            raise CommandError(
                "; ".join(
                    f"--{name}: {' '.join(errors)}"
                    for name, errors in form.errors.items()
                )
            )
        filters = form.filters()
        today = today or timezone.localdate()
        stamp = register_stamp()
        for number, check in enumerate(form.checks()):
            count, items = check.preview(filters, today=today, stamp=stamp)
            if number:
                self.stdout.write("")
            self.stdout.write(f"{check.title}: {count}")
            if not limit:
                continue
            if limit > len(items) and count > len(items):  # past the cached ones
                items = check.items(check.rows(filters, today)[:limit])
            items = items[:limit]
            for item in items:
                self.stdout.write(f"- {item.label}: {item.explanation}")
                self.stdout.write(f"  {item.url}")
                for label, url in item.others:
                    self.stdout.write(f"  {label}: {url}")
            if count > len(items):
                self.stdout.write(f"… and {count - len(items)} more")
