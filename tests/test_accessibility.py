"""Every public page passes axe-core's WCAG 2.1 AA rules and the Nu HTML Checker.

axe-core runs in Debian's Chromium against the live server; vnu.jar checks the HTML
Django's test client renders. Each checker goes over all the pages once, in the first
test that needs it, and each page's test then reports that page's findings. Both
checkers come from tests/js (npm ci); without them, or without Chromium or Java, these
tests skip, and fail in CI (REQUIRE_ALL=1).
"""

import pytest

from tests.browser_support import (
    PUBLIC_PAGES,
    VNU_SELF_CHECK,
    axe_pages,
    build_register,
    check_html,
    format_axe,
    format_vnu,
    render_pages,
    require_axe,
    run_axe,
)

pytest_plugins = ["tests.browser_support"]

PAGE_IDS = [public_page.id for public_page in PUBLIC_PAGES]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("public_page", PUBLIC_PAGES, ids=PAGE_IDS)
def test_page_meets_wcag_21_aa(public_page, axe_report, live_server, request):
    def tour():
        require_axe()
        page = request.getfixturevalue("page")  # skips (fails in CI) without Chromium
        build_register()
        return axe_pages(page)

    status, violations = axe_report.for_page(public_page.id, tour)
    assert status in public_page.statuses, f"{public_page.url} answered {status}"
    label = f"{public_page.id} ({public_page.url})"
    assert not violations, format_axe(label, violations)


@pytest.mark.browser
def test_axe_reports_what_it_should(browser):
    """The harness can fail: a page with known faults gives known violations."""
    require_axe()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            "<!DOCTYPE html><html><head><title>Faulty on purpose</title></head>"
            '<body><main><img src="seal.png"><label>Search<input></label>'
            '<input id="q"></main></body></html>'
        )
        found = {violation["id"] for violation in run_axe(page)}
    finally:
        context.close()
    assert {"html-has-lang", "image-alt", "label"} <= found


@pytest.fixture
def check_all(vnu_java, client):
    def check():
        build_register()
        return check_html(vnu_java, render_pages(client))

    return check


@pytest.mark.django_db
@pytest.mark.parametrize("public_page", PUBLIC_PAGES, ids=PAGE_IDS)
def test_page_is_valid_html(public_page, vnu_report, check_all):
    status, errors = vnu_report.for_page(public_page.id, check_all)
    assert status in public_page.statuses, f"{public_page.url} answered {status}"
    label = f"{public_page.id} ({public_page.url})"
    assert not errors, format_vnu(label, errors)


@pytest.mark.django_db
def test_html_checker_reports_what_it_should(vnu_report, check_all):
    """The harness can fail: a page with known faults gives errors on that page."""
    _, errors = vnu_report.for_page(VNU_SELF_CHECK, check_all)
    messages = " ".join(error["message"] for error in errors)
    assert "alt" in messages
    assert "li" in messages
