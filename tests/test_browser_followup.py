"""A staff member records a follow-up update in the admin; the public sees it at once.

Runs in Debian's Chromium against the live server, as ``test_browser.py`` does.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Action, Document, ProgressUpdate
from tests.browser_support import AZERTAC_MOU
from tests.factories import ActionFactory

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UPDATE_TITLE = "First exchange of news content"


@pytest.fixture
def overdue_action(register):
    document = Document.objects.get(slug=AZERTAC_MOU)
    body = document.parties.first().body
    return ActionFactory(
        document=document,
        slug="exchange-news-content",
        title="Start the exchange of news content",
        due_on=timezone.localdate() - datetime.timedelta(days=10),
        responsible_bodies=[body],
    )


def log_in(page, password="a-long-test-password"):
    get_user_model().objects.create_superuser("editor", "editor@example.org", password)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_staff_records_an_update_and_the_public_sees_it(page, overdue_action):
    document = overdue_action.document
    page.goto("/follow-up/")
    expect(page.get_by_text(overdue_action.title).first).to_be_visible()

    log_in(page)
    page.goto(
        "/admin/agreements/progressupdate/add/"
        f"?document={document.pk}&action={overdue_action.pk}"
    )
    page.locator("#id_happened_on").fill(timezone.localdate().isoformat())
    page.locator("#id_title").fill(UPDATE_TITLE)
    page.locator("#id_text").fill("AZERTAC published the first exchanged stories.")
    page.locator("#id_status_after").select_option("done")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("added successfully")

    overdue_action.refresh_from_db()
    assert overdue_action.status == Action.Status.DONE
    assert overdue_action.completed_on == timezone.localdate()
    update = ProgressUpdate.objects.get(title=UPDATE_TITLE)
    assert update.recorded_by.username == "editor"

    page.goto(document.get_absolute_url())
    follow_up = page.locator("#follow-up-heading").locator("..")
    expect(follow_up).to_contain_text(UPDATE_TITLE)
    expect(follow_up).to_contain_text("1 of 1")

    page.goto("/follow-up/")
    main = page.locator("main")
    expect(main).not_to_contain_text(overdue_action.title)
    expect(main).to_contain_text("1 of 1")
