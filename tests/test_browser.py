"""A visitor's journey through the public pages, in Debian's Chromium.

The register holds the real 10 April 2023 package (fixtures/kz_az_2023.json), 30 more
KZ–AZ memoranda (so the filtered list has two pages), a few other countries' documents
and one unpublished KZ–AZ draft. The tests drive the pages through their labels and
roles, as a reader with a screen reader would, and assert on what the page shows.
Screenshots go to $SCREENSHOT_DIR (default tests/artifacts/).
"""

import re

import pytest
from playwright.sync_api import expect

from agreements.models import Body, Document
from tests.browser_support import (
    AZERTAC_MOU,
    PHONE,
    UNPUBLISHED_TITLE,
    VISIT,
    screenshot_dir,
)

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PER_PAGE = 25
VISIT_TITLE = "Official visit of President Ilham Aliyev to Kazakhstan"
AZERTAC_TITLE = (
    "Memorandum of mutual understanding and cooperation between the TV and Radio "
    "Complex of the President of Kazakhstan and AZERTAC (Azerbaijan State News Agency)"
)
TREATY_2005 = "Treaty on strategic partnership and allied relations"
DECLARATION_2022 = "Declaration on strengthening strategic relations"
PROGRAMME_2022 = "Comprehensive Program on the Development of Cooperation"
PROTOCOL_2023 = "Protocol on the establishment of the Supreme Interstate Council"


# --- How the pages are driven ---------------------------------------------------------


def visit(page, url, status=200):
    response = page.goto(url)
    assert response.status == status, f"{url} answered {response.status}"


def filter_form(page):
    return page.get_by_role("form", name="Filter")


def tick(form, group, *options):
    """Tick checkboxes in a fieldset of the filter form, by legend and label."""
    fieldset = form.get_by_role("group", name=group)
    for option in options:
        fieldset.get_by_role("checkbox", name=option, exact=True).check()


def choose_country(form, name):
    """Add a party country: its checkbox if the form lists it, else the select."""
    group = form.get_by_role("group", name="Party country")
    box = group.get_by_role("checkbox", name=name, exact=True)
    if box.count():
        box.check()
    else:
        group.get_by_label(re.compile("party from", re.I)).select_option(label=name)


def apply_filters(form):
    form.get_by_role("button", name="Apply filters").first.click()


def result_count(page):
    """The number the list says it found ("36 documents, page 1 of 2")."""
    count = page.locator("main").get_by_text(re.compile(r"\b\d+ documents?\b"))
    return int(re.search(r"\d+", count.inner_text()).group())


def results_table(page):
    return page.locator("main").get_by_role("table").first


def result_titles(page):
    """The titles in the results table, in order (each row's first link)."""
    rows = results_table(page).locator("tbody tr")
    return [
        rows.nth(i).get_by_role("link").first.inner_text() for i in range(rows.count())
    ]


def selected_filters(page):
    return page.get_by_role("list", name="Selected filters")


def kz_az_memoranda(*codes):
    """What the list must find, from the database, as the filter is specified."""
    documents = Document.objects.published().filter(kind=Document.Kind.MEMORANDUM)
    for code in codes or ("KZ", "AZ"):
        documents = documents.filter(parties__body__country__code=code)
    return documents.distinct()


# --- The journey ----------------------------------------------------------------------


def test_visitor_filters_the_list_and_follows_the_package(page, register):
    expected = kz_az_memoranda()
    assert expected.count() == register.kz_az_memoranda == 36

    # The list, unfiltered: every published document, 25 a page.
    visit(page, "/agreements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreements")
    assert result_count(page) == Document.objects.published().count()
    assert len(result_titles(page)) == PER_PAGE
    page.screenshot(path=screenshot_dir() / "list-desktop.png", full_page=True)

    # Filter by both countries and by kind, with the form's own controls: the form
    # offers one more country at a time, and keeps those chosen as ticked boxes.
    form = filter_form(page)
    choose_country(form, "Kazakhstan")
    apply_filters(form)
    assert (
        result_count(page)
        == Document.objects.published()
        .filter(parties__body__country__code="KZ")
        .distinct()
        .count()
    )
    form = filter_form(page)
    expect(form.get_by_role("checkbox", name="Kazakhstan", exact=True)).to_be_checked()
    choose_country(form, "Azerbaijan")
    tick(form, "Kind", "Memorandum of understanding")
    apply_filters(form)

    expect(page).to_have_url(re.compile(r"country=KZ"))
    expect(page).to_have_url(re.compile(r"country=AZ"))
    expect(page).to_have_url(re.compile(r"kind=memorandum"))
    assert result_count(page) == 36
    tags = selected_filters(page)
    for shown in ("Kazakhstan", "Azerbaijan", "memorandum of understanding"):
        tag = tags.get_by_role("link", name=re.compile(rf"^Remove .*{shown}", re.I))
        expect(tag).to_be_visible()
    first_page = result_titles(page)
    assert len(first_page) == PER_PAGE
    assert UNPUBLISHED_TITLE not in first_page

    # Page forward: the filters and the count stay.
    page.get_by_role("navigation", name=re.compile("pages", re.I)).get_by_role(
        "link", name=re.compile(r"^next", re.I)
    ).click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(r"kind=memorandum"))
    expect(page).to_have_url(re.compile(r"country=KZ"))
    expect(page).to_have_url(re.compile(r"country=AZ"))
    assert result_count(page) == 36
    second_page = result_titles(page)
    assert len(second_page) == 36 - PER_PAGE
    assert not set(first_page) & set(second_page)
    assert set(first_page) | set(second_page) == set(
        expected.values_list("title", flat=True)
    )

    # Sort by title with the column header: back to page 1, filters kept.
    results_table(page).get_by_role("columnheader").get_by_role(
        "link", name=re.compile("^title", re.I)
    ).click()
    expect(page).to_have_url(re.compile(r"ordering=title"))
    expect(page).not_to_have_url(re.compile(r"page=2"))
    expect(page).to_have_url(re.compile(r"kind=memorandum"))
    assert result_count(page) == 36
    titles = result_titles(page)
    assert titles == sorted(titles, key=str.casefold)
    assert (
        titles
        == sorted(expected.values_list("title", flat=True), key=str.casefold)[:PER_PAGE]
    )
    page.screenshot(path=screenshot_dir() / "list-filtered-desktop.png", full_page=True)

    # A tag removes its filter, and only its filter.
    selected_filters(page).get_by_role(
        "link", name=re.compile(r"^Remove .*Kazakhstan")
    ).click()
    expect(page).not_to_have_url(re.compile(r"country=KZ"))
    expect(page).to_have_url(re.compile(r"country=AZ"))
    expect(page).to_have_url(re.compile(r"ordering=title"))
    assert result_count(page) == kz_az_memoranda("AZ").count() == 37

    # Search for the AZERTAC memorandum and open it.
    visit(page, "/agreements/")
    form = filter_form(page)
    form.get_by_label("Search").fill("AZERTAC")
    apply_filters(form)
    assert result_count(page) == 1
    page.get_by_role("link", name=AZERTAC_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/agreements/{AZERTAC_MOU}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(AZERTAC_TITLE)
    # The parties, one row a side, with who signed for each.
    parties = page.get_by_role("table").filter(has_text="Vugar Aliyev")
    for side in (
        ("TV and Radio Complex of the President", "Raushan Kazhibayeva", "Director"),
        ("Azerbaijan State News Agency", "Vugar Aliyev", "Chairman of the Board"),
    ):
        row = parties.get_by_role("row").filter(has_text=side[0])
        for text in side:
            expect(row).to_contain_text(text)
    # The sources, numbered, each with its confidence in words.
    sources = page.locator("main ol").filter(has_text="Kazinform")
    for publisher, confidence in (("Kazinform", "confirmed"), ("Astana", "inferred")):
        item = sources.get_by_role("listitem").filter(has_text=publisher)
        expect(item).to_contain_text(re.compile(rf"\b{confidence}\b", re.I))
    page.screenshot(path=screenshot_dir() / "document-desktop.png", full_page=True)

    # Follow a party to its body's page, which lists what it signed.
    parties.get_by_role("link", name="Azerbaijan State News Agency").click()
    expect(page).to_have_url(re.compile(r"/bodies/azertac/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Azerbaijan State News Agency"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("AZERTAC")
    signed = page.get_by_role("table").filter(has_text=AZERTAC_TITLE)
    expect(signed.get_by_role("link", name=AZERTAC_TITLE)).to_be_visible()

    # Back to the document, on to its event: reported against recorded.
    signed.get_by_role("link", name=AZERTAC_TITLE).click()
    page.get_by_role("link", name=re.compile(re.escape(VISIT_TITLE))).click()
    expect(page).to_have_url(re.compile(rf"/events/{VISIT}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(VISIT_TITLE)
    main = page.locator("main")
    expect(main).to_contain_text(re.compile(r"\b6 reported, 6 recorded\b"))
    # The documents counted in the package by inference say so, by name.
    note = main.locator(".inferred-note")
    expect(note).to_contain_text("inference")
    for title in (AZERTAC_TITLE, PROTOCOL_2023):
        expect(
            note.get_by_role("link", name=re.compile(re.escape(title)))
        ).to_be_visible()

    # The relationship's timeline, from the Azerbaijani side.
    visit(page, "/countries/az/")
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Azerbaijan")
    timeline = main.get_by_role("list", name="Timeline")
    years = {
        year: timeline.get_by_role("listitem").filter(
            has=page.get_by_role("heading", name=year, exact=True)
        )
        for year in ("2023", "2022", "2005")
    }
    expect(years["2023"]).to_contain_text(re.compile(r"\b6 documents\b"))
    expect(years["2023"]).to_contain_text(VISIT_TITLE)
    expect(years["2022"]).to_contain_text(re.compile(r"\b4 documents\b"))
    expect(years["2022"]).to_contain_text("Visit of President Kassym-Jomart Tokayev")
    expect(years["2005"]).to_contain_text(re.compile(r"\b1 document recorded\b"))
    # Placed in time, newest first: the years, and the recent documents by year.
    tops = [years[year].bounding_box()["y"] for year in ("2023", "2022", "2005")]
    assert tops == sorted(tops)
    links = [
        main.get_by_role("link", name=re.compile(re.escape(title)))
        for title in (PROTOCOL_2023, DECLARATION_2022, PROGRAMME_2022)
    ]
    for link in links:
        expect(link).to_be_visible()
    tops = [link.bounding_box()["y"] for link in links[:2]]
    assert tops == sorted(tops)
    # The 2005 entry leads to its document, however many recent ones there are.
    years["2005"].get_by_role("link", name=re.compile(r"^1 document recorded$")).click()
    expect(page).to_have_url(re.compile(r"country=AZ"))
    assert result_count(page) == 1
    treaty = results_table(page).get_by_role("link", name=re.compile(TREATY_2005))
    expect(treaty).to_be_visible()

    assert page.js_errors == []


def test_unpublished_document_never_shows(page, register):
    main = page.locator("main")
    a_party = register.unpublished.parties.first().body
    for url in (
        "/agreements/",
        "/agreements/?page=2",
        "/agreements/?q=tourism",
        "/agreements/?country=KZ&country=AZ&kind=memorandum",
        "/agreements/?country=KZ&country=AZ&kind=memorandum&page=2",
        "/countries/az/",
    ):
        visit(page, url)
        expect(main).not_to_contain_text(UNPUBLISHED_TITLE)
    # a party's page: shown if the body signed a published document too, else 404
    shown = Body.objects.public().filter(pk=a_party.pk).exists()
    visit(page, a_party.get_absolute_url(), status=200 if shown else 404)
    expect(main).not_to_contain_text(UNPUBLISHED_TITLE)
    visit(page, register.unpublished.get_absolute_url(), status=404)


def test_list_reads_on_a_phone(page, register):
    page.set_viewport_size(PHONE)
    visit(page, "/agreements/?country=KZ&country=AZ&kind=memorandum")
    page.screenshot(path=screenshot_dir() / "list-phone.png", full_page=True)
    # One column: nothing makes the page scroll sideways...
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a 390px phone"
    # ...and the filters stack above the results.
    filters = filter_form(page).bounding_box()
    results = results_table(page).bounding_box()
    assert filters["y"] + filters["height"] <= results["y"]


FOCUS_LOOK = """(element) => {
    const style = getComputedStyle(element);
    return [style.outlineStyle, style.outlineWidth, style.outlineColor,
            style.boxShadow, style.backgroundColor, style.color].join(" | ");
}"""


def test_keyboard_reader_skips_to_content_and_sees_focus(page):
    visit(page, "/agreements/")
    # The first Tab reaches the skip link, shown on the screen...
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["width"] > 1 and box["height"] > 1 and box["y"] >= 0
    # ...which takes the reader past the header and its links.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.evaluate("(element) => !!element.closest('main')")
    # Focus shows: a focused link or field looks different from the same unfocused.
    for control in (
        page.get_by_role("navigation", name="Main sections").get_by_role(
            "link", name="Events"
        ),
        filter_form(page).get_by_label("Search"),
        filter_form(page).get_by_role("button", name="Apply filters").first,
    ):
        control.focus()
        focused_look = control.evaluate(FOCUS_LOOK)
        control.blur()
        assert focused_look != control.evaluate(FOCUS_LOOK), control
