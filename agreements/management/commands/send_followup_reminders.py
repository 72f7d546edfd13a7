"""E-mail today's digests of overdue and due-soon actions, once a day per address.

Run it daily (cron, a systemd timer). Each contact address of a published document's
overdue or due-soon action gets one digest of its actions; ``FOLLOWUP_STAFF_EMAIL``
gets one of them all. An address already reminded today is skipped, so a second run
the same day sends nothing. The log row for an address is written in the same
transaction as its sending: if the mail server fails, the command stops with an error
(exit status 1) and the addresses not yet reached are not marked, so the next run
sends to them.
"""

import argparse
import datetime
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agreements.followup.reminders import build_reminders
from agreements.models import ReminderLog


def _day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"“{value}” is not a date (YYYY-MM-DD)."
        ) from error


class Command(BaseCommand):
    help = "E-mail the daily digests of overdue and due-soon follow-up actions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=_day,
            help="The day to remind for, YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be sent; send nothing and mark nothing as sent.",
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "FOLLOWUP_BASE_URL", ""),
            help="The public site's address, for the links (FOLLOWUP_BASE_URL).",
        )

    def handle(self, *args, today=None, dry_run=False, base_url="", **options):
        today = today or timezone.localdate()
        staff_email = getattr(settings, "FOLLOWUP_STAFF_EMAIL", None)
        reminders = build_reminders(
            today=today, base_url=base_url, staff_email=staff_email
        )
        if not reminders:
            self.stdout.write(
                "Nothing overdue or due soon: no reminder to send."
                if staff_email
                else "No reminder to send: no overdue or due-soon action has a "
                "contact address, and FOLLOWUP_STAFF_EMAIL is not set."
            )
            return
        already = set(
            ReminderLog.objects.filter(
                sent_on=today, recipient__in=[r.recipient for r in reminders]
            ).values_list("recipient", flat=True)
        )
        pending = [r for r in reminders if r.recipient not in already]
        if dry_run:
            for reminder in pending:
                self.stdout.write(
                    f"Would send to {reminder.recipient}: {reminder.subject}"
                )
            self.stdout.write(
                f"Dry run: {len(pending)} to send, {len(already)} already sent today."
            )
            return

        sent = 0
        connection = get_connection()
        try:
            for reminder in pending:
                message = EmailMessage(
                    reminder.subject,
                    reminder.body,
                    to=[reminder.recipient],
                    connection=connection,
                )
                try:
                    with transaction.atomic():
                        # A concurrent run that got here first makes this fail.
                        ReminderLog.objects.create(
                            recipient=reminder.recipient,
                            sent_on=today,
                            overdue_count=len(reminder.overdue),
                            due_soon_count=len(reminder.due_soon),
                        )
                        message.send()
                except IntegrityError:
                    already.add(reminder.recipient)
                    continue
                except (smtplib.SMTPException, OSError) as error:
                    self.stderr.write(
                        f"The mail server failed sending to {reminder.recipient}: "
                        f"{error}"
                    )
                    raise CommandError(
                        f"Mail server failure: {sent} of {len(pending)} reminders "
                        "sent; the others are not marked as sent and go out on the "
                        "next run."
                    ) from error
                sent += 1
        finally:
            connection.close()
        self.stdout.write(
            f"Sent {sent} reminder(s) for {today.isoformat()}; "
            f"{len(already)} already sent today."
        )
