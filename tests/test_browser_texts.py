"""Staff upload a document's signed text (a PDF) in the admin and run the text
extraction; a visitor then finds a phrase from inside the PDF through the public
search and opens the document's page, which lists the text and each party's steps.

Runs in Debian's Chromium against the live server, as ``test_browser.py`` does.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agreements.models import Attachment, StepKind
from tests import samples
from tests.browser_support import screenshot_dir
from tests.factories import PartyStepFactory, bilateral_document
from tests.test_browser_admin import log_in

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHRASE = "ferry timetable between Kuryk and Alat"


def test_a_phrase_inside_an_uploaded_pdf_is_found_by_the_public_search(
    page, browser, live_server
):
    document = bilateral_document(title="Agreement on the Caspian crossing")
    ratified = document.parties.order_by("order").first()
    PartyStepFactory(party=ratified, kind=StepKind.RATIFICATION)
    bilateral_document(title="Agreement on air services")
    log_in(page, "editor")

    page.goto(reverse("admin:agreements_document_change", args=[document.pk]))
    page.locator("#attachments-group .add-row a").click()
    page.locator("#id_attachments-0-language").select_option("ru")
    page.locator("#id_attachments-0-file").set_input_files(
        {
            "name": "signed-text.pdf",
            "mimeType": "application/pdf",
            "buffer": samples.pdf("Article 1", f"The Parties keep a {PHRASE}."),
        }
    )
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Attachment.objects.get().text_state == Attachment.TextState.WAITING

    page.goto(reverse("admin:agreements_document_changelist"))
    page.locator(f"input[name=_selected_action][value='{document.pk}']").check()
    page.locator("select[name=action]").select_option("extract_texts")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "1 file read: 1 with text, 0 without a text layer, 0 failed."
    )

    # a visitor: another browser, without the editor's session
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    visitor = context.new_page()
    visitor.goto(reverse("agreements:document-list"))
    visitor.get_by_role("searchbox").first.fill("kuryk alat ferry")
    visitor.get_by_role("searchbox").first.press("Enter")
    results = visitor.locator("table.documents tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("link", name="Agreement on the Caspian crossing").click()

    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Agreement on the Caspian crossing"
    )
    # the per-party table: the step recorded, "unknown" where none is
    steps = visitor.locator("table.party-steps")
    expect(steps.locator("tbody tr")).to_have_count(2)
    expect(steps.locator("tbody tr").first).to_contain_text("Confirmed")
    expect(steps.locator("tbody tr").nth(1)).to_contain_text("unknown")
    texts = visitor.locator("table.texts")
    expect(texts).to_contain_text("signed-text.pdf")
    expect(texts).to_contain_text("Russian")
    expect(texts).to_contain_text("2 pages")
    visitor.screenshot(path=screenshot_dir() / "document-texts.png", full_page=True)
    response = visitor.request.get(
        texts.get_by_role("link", name="signed-text.pdf").get_attribute("href")
    )
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    context.close()
