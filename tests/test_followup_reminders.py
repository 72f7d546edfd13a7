"""send_followup_reminders: one digest per address per day, and none lost on failure."""

import datetime
import smtplib
from io import StringIO

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command

from agreements.models import Action, ReminderLog
from tests.factories import (
    ActionFactory,
    BodyFactory,
    DocumentFactory,
    ReminderLogFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 2)
STAFF = "followup@register.example.org"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("421 Service not available")


class RefusedConnectionBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def days(n):
    return TODAY + datetime.timedelta(days=n)


def run(*args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command(
        "send_followup_reminders",
        "--today",
        TODAY.isoformat(),
        *args,
        stdout=out,
        stderr=err,
        **kwargs,
    )
    return out.getvalue()


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.FOLLOWUP_STAFF_EMAIL = STAFF
    settings.FOLLOWUP_BASE_URL = "https://register.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def actions():
    ministry = BodyFactory(name="Ministry of Culture", short_name="")
    document = DocumentFactory(
        title="Protocol on the Council", slug="protocol", signed_on=days(-1000)
    )
    return {
        "overdue": ActionFactory(
            document=document,
            slug="first-meeting",
            title="Hold the first meeting",
            due_on=days(-3),
            contact_email="Culture@Ministry.example.org",
            responsible_bodies=[ministry],
        ),
        "soon": ActionFactory(
            document=document,
            title="Hold the cultural days",
            due_on=days(20),
            contact_email="culture@ministry.example.org",
            responsible_bodies=[ministry],
        ),
        "other_address": ActionFactory(
            document=document,
            title="Open the street",
            due_on=days(1),
            contact_email="city@akimat.example.org",
        ),
        "no_address": ActionFactory(
            document=document,
            title="Open the centre",
            due_on=days(-1),
            contact_email="",
        ),
        "later": ActionFactory(
            document=document,
            title="Launch the line",
            due_on=days(31),
            contact_email="telecom@example.org",
        ),
        "done": ActionFactory(
            document=document,
            title="Sign the decision",
            due_on=days(-5),
            done=True,
            contact_email="done@example.org",
        ),
        "unpublished": ActionFactory(
            document__is_published=False,
            title="Draft action",
            due_on=days(-5),
            contact_email="draft@example.org",
        ),
    }


def by_recipient(mailoutbox):
    assert all(len(message.to) == 1 for message in mailoutbox)
    return {message.to[0]: message for message in mailoutbox}


def test_each_address_gets_one_digest_of_its_overdue_and_due_soon_actions(
    actions, mailoutbox
):
    out = run()
    mail = by_recipient(mailoutbox)
    assert set(mail) == {
        "culture@ministry.example.org",
        "city@akimat.example.org",
        STAFF,
    }
    culture = mail["culture@ministry.example.org"]
    assert culture.subject == "Follow-up: 1 overdue, 1 due within 30 days"
    overdue, soon = culture.body.split("Due within 30 days")
    assert "30 October 2026 (3 days overdue): Hold the first meeting" in overdue
    assert "Responsible: Ministry of Culture" in overdue
    assert "Document: Protocol on the Council" in overdue
    assert "https://register.example.org/agreements/protocol/#action-first-meeting" in (
        overdue
    )
    assert "Hold the cultural days" in soon
    for absent in ("Open the street", "Launch the line", "Sign the decision", "Draft"):
        assert absent not in culture.body
    assert "Sent 3 reminder(s) for 2026-11-02" in out


def test_the_staff_digest_lists_every_overdue_and_due_soon_action(actions, mailoutbox):
    run()
    staff = by_recipient(mailoutbox)[STAFF]
    assert staff.subject == "Follow-up: 2 overdue, 2 due within 30 days (all bodies)"
    for title in (
        "Hold the first meeting",
        "Hold the cultural days",
        "Open the street",
        "Open the centre",
    ):
        assert title in staff.body
    assert "Contact: none (only staff are reminded)" in staff.body
    for absent in ("Launch the line", "Sign the decision", "Draft action"):
        assert absent not in staff.body


def test_without_a_staff_address_only_the_contacts_are_reminded(
    actions, mailoutbox, settings
):
    del settings.FOLLOWUP_STAFF_EMAIL
    run()
    assert STAFF not in by_recipient(mailoutbox)
    assert len(mailoutbox) == 2


def test_a_staff_address_that_is_also_a_contact_gets_one_digest(
    actions, mailoutbox, settings
):
    settings.FOLLOWUP_STAFF_EMAIL = "city@akimat.example.org"
    run()
    mail = by_recipient(mailoutbox)
    assert len(mailoutbox) == 2
    assert "(all bodies)" in mail["city@akimat.example.org"].subject


def test_running_twice_on_one_day_sends_once(actions, mailoutbox):
    run()
    assert len(mailoutbox) == 3
    out = run()
    assert len(mailoutbox) == 3
    assert "Sent 0 reminder(s)" in out
    assert "3 already sent today" in out
    assert ReminderLog.objects.filter(sent_on=TODAY).count() == 3
    log = ReminderLog.objects.get(recipient="culture@ministry.example.org")
    assert (log.overdue_count, log.due_soon_count) == (1, 1)


def test_the_next_day_sends_again(actions, mailoutbox):
    run()
    call_command(
        "send_followup_reminders", "--today", days(1).isoformat(), stdout=StringIO()
    )
    next_day = by_recipient(mailoutbox[3:])
    # the line due in 31 days is due within 30 days tomorrow
    assert set(next_day) == {
        "culture@ministry.example.org",
        "city@akimat.example.org",
        "telecom@example.org",
        STAFF,
    }


def test_an_address_logged_today_is_skipped(actions, mailoutbox):
    ReminderLogFactory(recipient="city@akimat.example.org", sent_on=TODAY)
    run()
    assert "city@akimat.example.org" not in by_recipient(mailoutbox)
    assert len(mailoutbox) == 2


def test_a_dry_run_sends_nothing_and_marks_nothing(actions, mailoutbox):
    out = run("--dry-run")
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()
    assert "Would send to culture@ministry.example.org" in out
    assert "Dry run: 3 to send" in out


def test_nothing_due_sends_nothing(mailoutbox):
    ActionFactory(due_on=days(100))
    out = run()
    assert mailoutbox == []
    assert "no reminder to send" in out


@pytest.mark.parametrize("backend", ["FailingBackend", "RefusedConnectionBackend"])
def test_a_mail_server_failure_exits_with_an_error_and_marks_nothing(
    actions, settings, backend
):
    settings.EMAIL_BACKEND = f"tests.test_followup_reminders.{backend}"
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "send_followup_reminders",
            "--today",
            TODAY.isoformat(),
            stdout=StringIO(),
            stderr=err,
        )
    assert "not marked as sent" in str(error.value)
    assert "The mail server failed sending to" in err.getvalue()
    assert not ReminderLog.objects.exists()


def test_after_a_failure_the_next_run_sends_everything(actions, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.test_followup_reminders.FailingBackend"
    with pytest.raises(CommandError):
        run()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run()
    assert len(mailoutbox) == 3


def test_a_failure_exits_non_zero_from_the_command_line(actions, settings):
    settings.EMAIL_BACKEND = "tests.test_followup_reminders.FailingBackend"
    with pytest.raises(SystemExit) as exit_:
        from django.core.management import ManagementUtility

        ManagementUtility(
            ["manage.py", "send_followup_reminders", "--today", TODAY.isoformat()]
        ).execute()
    assert exit_.value.code == 1


def test_a_bad_day_is_refused():
    with pytest.raises(CommandError, match="not a date"):
        call_command("send_followup_reminders", "--today", "2026-13-01")


def test_without_any_address_it_says_why_nothing_is_sent(mailoutbox, settings):
    del settings.FOLLOWUP_STAFF_EMAIL
    ActionFactory(due_on=days(-1), contact_email="")
    out = run()
    assert mailoutbox == []
    assert "no overdue or due-soon action has a contact address" in out


def test_reminders_take_a_constant_number_of_queries(django_assert_num_queries):
    document = DocumentFactory(signed_on=days(-1000))
    for n in range(6):
        ActionFactory(document=document, due_on=days(-n), contact_email=f"a{n}@x.org")
    from agreements.followup.reminders import build_reminders

    # keeps the daily run free of N+1 queries
    with django_assert_num_queries(2):
        reminders = build_reminders(today=TODAY, staff_email=STAFF)
    assert len(reminders) == 7
    assert Action.objects.overdue(TODAY).count() == 5
