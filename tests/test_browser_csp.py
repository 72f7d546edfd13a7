"""The Content-Security-Policy in a real browser: Chromium enforcing it (the other
browser tests bypass it, to inject axe-core) on every public page and on the admin
pages staff use, with their scripts at work (calendar, autocomplete, inlines).
Any violation is a failure: something inline that the policy blocks is broken.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from agreements.models import Document, Event
from tests.browser_support import AZERTAC_MOU, DESKTOP, PUBLIC_PAGES

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-test-password"  # noqa: S105

# Records every violation the page reports, whatever the console says.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
        ` at ${event.sourceFile}:${event.lineNumber}`
    );
});
"""


@pytest.fixture
def strict_page(browser, live_server):
    """A tab that enforces the site's CSP and collects what it blocks."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    context.add_init_script(LISTEN)
    tab = context.new_page()
    tab.console_violations = []
    tab.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and tab.console_violations.append(message.text)
        ),
    )
    yield tab
    context.close()


def violations(page):
    return page.console_violations + page.evaluate("window.__cspViolations")


def visit(page, url, statuses=(200,)):
    response = page.goto(url)
    assert response.status in statuses, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    found = violations(page)
    assert found == [], f"{url}: {found}"


def test_public_pages_break_no_rule_of_the_policy(strict_page, register):
    for public_page in PUBLIC_PAGES:
        visit(strict_page, public_page.url, public_page.statuses)


def test_admin_pages_and_their_scripts_break_no_rule_of_the_policy(
    strict_page, register
):
    page = strict_page
    get_user_model().objects.create_superuser("alice", "a@example.org", PASSWORD)
    visit(page, "/admin/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert violations(page) == []

    document = Document.objects.get(slug=AZERTAC_MOU)
    event = Event.objects.first()
    for url in (
        "/admin/",
        "/admin/agreements/document/",
        "/admin/agreements/document/?q=memorandum&kind__exact=memorandum",
        f"/admin/agreements/document/{document.pk}/change/",
        f"/admin/agreements/document/{document.pk}/history/",
        f"/admin/agreements/event/{event.pk}/change/",
        f"/admin/agreements/event/{event.pk}/package/",
        "/admin/agreements/document/import/",
        "/admin/agreements/body/import/",
        "/admin/agreements/action/add/",
        "/admin/agreements/progressupdate/add/",
        "/admin/auth/user/add/",
    ):
        visit(page, url)

    # The add form with its scripts at work: the date shortcuts and calendar, the
    # autocomplete (select2) and a new inline row.
    visit(page, "/admin/agreements/document/add/")
    page.locator("#id_signed_on").fill("")
    page.get_by_role("link", name="Today").first.click()
    expect(page.locator("#id_signed_on")).not_to_have_value("")
    page.locator("#calendarlink0").click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-search__field")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Add another").first.click()
    found = violations(page)
    assert found == [], f"while using the add form: {found}"
