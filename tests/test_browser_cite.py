""" "Cite this page" in Chromium: the copy button copies (with JavaScript, under the
site's CSP), and without JavaScript the citation is still there to select."""

import pytest
from playwright.sync_api import expect

from tests.browser_support import DESKTOP
from tests.factories import bilateral_document

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def document():
    return bilateral_document(
        slug="kz-az-media", title="Меморандум о сотрудничестве в области СМИ"
    )


def tab(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_the_button_copies_the_citation(browser, live_server, document):
    context, page = tab(browser, live_server)
    try:
        context.grant_permissions(
            ["clipboard-read", "clipboard-write"], origin=live_server.url
        )
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/agreements/kz-az-media/")
        citation = page.get_by_label("Citation, to select and copy")
        expected = citation.input_value()
        assert "Меморандум о сотрудничестве в области СМИ" in expected
        page.get_by_role("button", name="Copy the citation").click()
        expect(page.get_by_role("status")).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == expected
        assert errors == []
    finally:
        context.close()


def test_without_javascript_the_text_is_there_and_no_dead_button(
    browser, live_server, document
):
    context, page = tab(browser, live_server, java_script_enabled=False)
    try:
        page.goto("/agreements/kz-az-media/")
        citation = page.get_by_label("Citation, to select and copy")
        expect(citation).to_be_visible()
        expect(citation).to_have_attribute("readonly", "")
        expect(page.get_by_role("button", name="Copy the citation")).to_be_hidden()
        expect(page.get_by_role("link", name="RIS file")).to_have_attribute(
            "href", "/agreements/kz-az-media/cite.ris"
        )
    finally:
        context.close()
