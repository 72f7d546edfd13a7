"""Two staff members edit the same document in two browsers: the second save is
refused with a message and a link to the current version. And the change form's own
script (a static file, for the Content-Security-Policy) still opens collapsed
fieldsets that hold an error.

Runs in Debian's Chromium against the live server, as ``test_browser.py`` does.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from agreements.models import Document
from tests.browser_support import DESKTOP, screenshot_dir
from tests.factories import bilateral_document

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-test-password"


def log_in(page, username):
    get_user_model().objects.create_superuser(
        username, f"{username}@example.org", PASSWORD
    )
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


@pytest.fixture
def second_page(browser, live_server):
    """Another browser, as a second staff member's: its own cookies and session."""
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.js_errors = []
    tab.on("pageerror", lambda error: tab.js_errors.append(str(error)))
    yield tab
    context.close()


def test_the_second_of_two_staff_members_is_told_and_sent_to_the_current_version(
    page, second_page, live_server
):
    document = bilateral_document(title="Memorandum on media")
    url = reverse("admin:agreements_document_change", args=[document.pk])
    alice, bob = page, second_page
    log_in(alice, "alice")
    log_in(bob, "bob")
    alice.goto(url)
    bob.goto(url)

    alice.locator("#id_title").fill("Memorandum on media cooperation")
    alice.locator("input[name=_save]").first.click()
    expect(alice.locator(".messagelist")).to_contain_text("was changed successfully")

    bob.locator("#id_title").fill("Memorandum on news exchange")
    bob.locator("#id_summary_en_gb").fill("Bob's summary.")
    bob.locator("input[name=_save]").first.click()

    expect(bob.locator(".errornote")).to_be_visible()
    message = bob.locator("ul.errorlist.nonfield")
    expect(message).to_contain_text(
        "This document was changed by someone else while you were editing it "
        "(the latest change: by alice, "
    )
    expect(message).to_contain_text("your changes were not saved")
    expect(bob.locator("#id_summary_en_gb")).to_have_value("Bob's summary.")
    bob.screenshot(path=screenshot_dir() / "admin-edit-conflict.png", full_page=True)
    document.refresh_from_db()
    assert (document.title, document.version) == ("Memorandum on media cooperation", 2)
    assert document.summary != "Bob's summary."

    message.get_by_role("link", name="Open the current version").click()

    expect(bob).to_have_url(f"{live_server.url}{url}")
    expect(bob.locator("#id_title")).to_have_value("Memorandum on media cooperation")
    expect(bob.locator("input[name=version]")).to_have_value("2")
    expect(bob.locator(".errornote")).to_have_count(0)
    assert alice.js_errors == [] and bob.js_errors == []


def test_a_collapsed_fieldset_with_an_error_shows_it_and_the_script_loads(page):
    # Django 5.2 itself renders a collapsible fieldset holding an error open; the
    # change form's script (which opens any other <details> holding one) must load
    # from its static file, with no error.
    scripts = []
    page.on(
        "response",
        lambda response: (
            scripts.append((response.url, response.status))
            if "admin-change-form" in response.url
            else None
        ),
    )
    document = bilateral_document()
    log_in(page, "alice")
    page.goto(reverse("admin:agreements_document_change", args=[document.pk]))
    validity = page.locator("fieldset details").filter(
        has=page.get_by_text("Validity period")
    )
    expect(validity).not_to_have_attribute("open", "")
    validity.locator("summary").click()
    page.locator("#id_valid_from").fill("2024-01-01")
    page.locator("#id_valid_until").fill("2023-01-01")

    page.locator("input[name=_save]").first.click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(
        page.get_by_text("“Valid until” cannot be before “valid from”.")
    ).to_be_visible()
    expect(page.locator("#id_valid_until")).to_be_visible()
    assert [status for _, status in scripts] == [200, 200]  # both page loads
    assert page.js_errors == []
    assert Document.objects.get(pk=document.pk).valid_from is None


def test_staff_edit_each_language_in_a_tab(page):
    # modeltranslation's tabs, with jQuery UI from our own static files
    document = bilateral_document()
    body = document.parties.first().body
    log_in(page, "alice")
    page.goto(reverse("admin:agreements_body_change", args=[body.pk]))
    russian_tab = page.locator(".ui-tabs-nav a", has_text="ru").first
    expect(russian_tab).to_be_visible()
    expect(page.locator("#id_name_en_gb")).to_be_visible()
    expect(page.locator("#id_name_ru")).to_be_hidden()

    russian_tab.click()

    expect(page.locator("#id_name_ru")).to_be_visible()
    expect(page.locator("#id_name_en_gb")).to_be_hidden()
    page.locator("#id_name_ru").fill("Министерство иностранных дел")
    page.screenshot(path=screenshot_dir() / "admin-language-tabs.png", full_page=True)
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    body.refresh_from_db()
    assert body.name_ru == "Министерство иностранных дел"
    assert body.name_en_gb.startswith("Ministry")
    assert page.js_errors == []


def test_the_document_form_says_what_a_new_title_looks_like_while_typing(page):
    original = bilateral_document(title="Memorandum on cooperation in geology")
    log_in(page, "alice")
    page.goto(reverse("admin:agreements_document_add"))
    warning = page.locator("#duplicate-check")
    expect(warning).to_be_hidden()

    page.locator("#id_title").fill("Memorandum on Cooperation in Geology.")

    expect(warning).to_be_visible()
    expect(warning).to_contain_text("This looks like:")
    link = warning.get_by_role("link", name="Memorandum on cooperation in geology")
    expect(link).to_have_attribute(
        "href", reverse("admin:agreements_document_change", args=[original.pk])
    )
    expect(warning).to_contain_text("same title")
    page.screenshot(path=screenshot_dir() / "admin-duplicate-check.png")
    page.locator("#id_title").fill("Memorandum on cooperation in astronomy")
    expect(warning).to_be_hidden()
    assert page.js_errors == []


LONG_TITLE = (
    "Memorandum of understanding between the Ministry of Health of the Republic of "
    "Kazakhstan and the Ministry of Health of the Republic of Azerbaijan on "
    "cooperation in the field of sanitary and epidemiological welfare of the "
    "population"
)


def test_the_document_form_fits_a_1280_pixel_screen(page):
    from tests.factories import ActionFactory, DocumentCitationFactory

    document = bilateral_document(title=LONG_TITLE)
    ActionFactory(document=document, clause="Article 3(2)")
    DocumentCitationFactory(document=document, note="A long note. " * 20)
    log_in(page, "alice")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(reverse("admin:agreements_document_change", args=[document.pk]))

    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # the title box shows most of a long title
    assert page.locator("#id_title").bounding_box()["width"] >= 600
    # the long title under the heading stays clear of History / View on site
    text_right = page.evaluate(
        """() => {
          const range = document.createRange();
          range.selectNodeContents(document.querySelector("#content > h2"));
          return Math.max(...Array.from(range.getClientRects(), r => r.right));
        }"""
    )
    tools = page.locator(".object-tools").bounding_box()
    assert text_right <= tools["x"] + 1
    # every inline's table fits its box, the actions' included
    for group in page.locator(".inline-group .tabular").all():
        outer = group.bounding_box()
        table = group.locator("table").bounding_box()
        assert table["x"] + table["width"] <= outer["x"] + outer["width"] + 1, (
            group.evaluate("g => g.closest('.inline-group').id")
        )
    page.screenshot(path=screenshot_dir() / "admin-document-1280.png", full_page=True)


def pick(page, select_id, text):
    """Choose ``text`` in the admin autocomplete (select2) of ``select_id``."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-search__field").last.fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_staff_enter_a_signing_package_and_see_it_on_the_public_site(page):
    from agreements.models import Event, Source
    from tests.factories import BodyFactory, CountryFactory, EventFactory, SourceFactory

    kz, az = CountryFactory(code="KZ"), CountryFactory(code="AZ")
    event = EventFactory(city="Astana", country=kz, is_published=True)
    SourceFactory(title="Kazinform: six documents signed in Astana")
    BodyFactory(name="Ministry of Science of Kazakhstan", country=kz)
    BodyFactory(name="Ministry of Science of Azerbaijan", country=az)
    BodyFactory(name="Ministry of Culture of Kazakhstan", country=kz)
    BodyFactory(name="Ministry of Culture of Azerbaijan", country=az)
    existing = bilateral_document(title="Memorandum on cooperation in culture")
    log_in(page, "alice")
    page.goto(reverse("admin:agreements_event_change", args=[event.pk]))
    page.get_by_role("link", name="Add its documents").click()

    pick(page, "id_source", "Kazinform")
    page.locator("#id_publish").check()
    page.locator("#id_rows-0-title").fill("Memorandum on cooperation in science")
    page.locator("#id_rows-0-kind").select_option("memorandum")
    pick(page, "id_rows-0-first_body", "Science of Kazakhstan")
    pick(page, "id_rows-0-second_body", "Science of Azerbaijan")
    page.locator("#id_rows-1-title").fill("Memorandum on Cooperation in Culture")
    page.locator("#id_rows-1-kind").select_option("memorandum")
    pick(page, "id_rows-1-first_body", "Culture of Kazakhstan")
    pick(page, "id_rows-1-second_body", "Culture of Azerbaijan")
    # the page offers 8 rows; one more is added in place, and what is typed stays
    expect(page.locator(".package-row")).to_have_count(8)
    page.get_by_role("button", name="Add a row").click()
    expect(page.locator("#row-9")).to_contain_text("Document 9")
    expect(page.locator("#id_rows-0-title")).to_have_value(
        "Memorandum on cooperation in science"
    )
    page.locator("#id_rows-8-title").fill("Agreement on geological research")
    page.locator("#id_rows-8-kind").select_option("agreement")
    pick(page, "id_rows-8-first_body", "Science of Kazakhstan")
    pick(page, "id_rows-8-second_body", "Science of Azerbaijan")
    page.get_by_role("button", name="Save the package").click()

    # the second row looks like a document already recorded: nothing saved yet
    expect(page.locator(".errornote")).to_contain_text("Nothing was saved")
    row = page.locator("#row-2")
    expect(row).to_contain_text(
        "This looks like “Memorandum on cooperation in culture”"
    )
    expect(row.get_by_role("link", name=existing.title)).to_be_visible()
    page.screenshot(path=screenshot_dir() / "admin-package-entry.png", full_page=True)
    row.get_by_label("Not a duplicate").check()
    page.get_by_role("button", name="Save the package").click()

    expect(page.locator(".messagelist")).to_contain_text("3 documents added")
    assert Event.objects.get(pk=event.pk).documents.count() == 3
    assert Source.objects.count() == 1  # the one cited, nothing invented
    page.goto(event.get_absolute_url())
    expect(
        page.get_by_role("link", name="Memorandum on cooperation in science")
    ).to_be_visible()
    assert page.js_errors == []


def test_a_spreadsheet_with_one_bad_row_is_shown_and_nothing_is_saved(page):
    from agreements.models import Document
    from tests.factories import BodyFactory, CountryFactory
    from tests.test_import_export import COLUMNS, a_row

    kz, az = CountryFactory(code="KZ"), CountryFactory(code="AZ")
    BodyFactory(
        name="Ministry of Science and Higher Education", short_name="MSHE", country=kz
    )
    BodyFactory(name="Ministry of Science and Education", country=az)
    rows = [
        a_row(event=""),
        a_row(event="", title="Protocol on geology", party_2_body="Ministry of Magic"),
    ]
    lines = [",".join(COLUMNS)] + [
        ",".join(f'"{row[column]}"' for column in COLUMNS) for row in rows
    ]
    log_in(page, "alice")
    page.goto(reverse("admin:agreements_document_changelist"))
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("link", name="XLSX")).to_be_visible()  # the template
    page.locator("#id_import_file").set_input_files(
        files=[
            {
                "name": "memoranda.csv",
                "mimeType": "text/csv",
                "buffer": "\n".join(lines).encode(),
            }
        ]
    )
    page.locator("#id_format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()

    expect(
        page.get_by_text("No body in the register is called “Ministry of Magic”")
    ).to_be_visible()
    expect(page.locator("input[name=confirm]")).to_have_count(0)
    page.screenshot(path=screenshot_dir() / "admin-import-dry-run.png", full_page=True)
    assert not Document.objects.exists()

    # the good row alone is accepted; the Import button imports it, once
    page.get_by_role("link", name="Upload a file").click()
    page.locator("#id_import_file").set_input_files(
        files=[
            {
                "name": "memoranda.csv",
                "mimeType": "text/csv",
                "buffer": "\n".join(lines[:2]).encode(),
            }
        ]
    )
    page.locator("#id_format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("link", name="new: 1")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Import finished")).to_be_visible()
    assert Document.objects.count() == 1
    assert page.js_errors == []


def test_staff_search_for_a_signatory_and_open_the_document_found(page):
    """The admin's search reads the public search's index: a signatory's surname
    finds the document, and its page lists its actions as links to their own."""
    from tests.factories import ActionFactory, PartyFactory

    found = bilateral_document(title="Memorandum on green hydrogen")
    PartyFactory(document=found, signatory_name="Nurlan Tulegenov", order=3)
    action = ActionFactory(document=found, title="Open a hydrogen laboratory")
    bilateral_document(title="Agreement on air services")
    log_in(page, "carol")

    page.goto(reverse("admin:agreements_document_changelist"))
    page.locator("#searchbar").fill("Tulegenov")
    page.locator("#changelist-search input[type=submit]").click()

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="Memorandum on green hydrogen").click()
    expect(page.locator("#id_title")).to_have_value("Memorandum on green hydrogen")
    table = page.locator("#actions-table")
    expect(table).to_contain_text("Actions (1)")
    table.get_by_role("link", name=action.title).click()
    expect(page.locator("#id_title_en_gb")).to_have_value(action.title)
    assert page.js_errors == []


def test_staff_narrow_the_list_by_a_country_from_its_drop_down(page):
    """A filter with many choices is a drop-down: choosing a country shows its
    documents at once, and the search typed before stays."""
    bilateral_document(title="Memorandum on wind energy", countries=("KZ", "AZ"))
    bilateral_document(title="Memorandum on solar energy", countries=("UZ", "TR"))
    log_in(page, "dana")
    page.goto(reverse("admin:agreements_document_changelist") + "?q=energy")
    page.get_by_label("Party country").select_option("UZ")
    expect(page).to_have_url(re.compile(r"party_country=UZ"))
    expect(page).to_have_url(re.compile(r"q=energy"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Memorandum on solar energy")
    expect(page.get_by_label("Party country")).to_have_value("UZ")
    page.screenshot(path=screenshot_dir() / "admin-filter-drop-down.png")
    assert page.js_errors == []
