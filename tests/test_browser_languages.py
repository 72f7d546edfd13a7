"""A reader switches language on every public page, in Debian's Chromium: the page
comes back in that language, its address and query kept, with ``lang`` set and no
English left in the chrome (header, skip link, breadcrumb trail, footer)."""

import re
from pathlib import Path

import pytest

from tests.browser_support import ENGLISH_PAGES

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "includes"
#: The chrome's own words, as its templates give them in English.
CHROME = sorted(
    {
        text
        for name in ("header.html", "footer.html", "skip_link.html")
        for text in re.findall(
            r'{% translate "([^"]+)"', (TEMPLATES / name).read_text()
        )
    }
    # the trail's first step (agreements.views.crumbs), the footer's sentences
    | {"Home", "Data last changed", "Printed from"}
)
LANGUAGES = {"ru": "Русский", "kk": "Қазақ тілі", "az": "Azərbaycan dili"}
#: The chrome's regions; the trail's last step is the page's own title (content).
REGIONS = "header, .skip-link, .breadcrumbs__link, footer"


def chrome_text(page):
    return page.eval_on_selector_all(
        REGIONS, "nodes => nodes.map(node => node.innerText).join('\\n')"
    )


def test_the_chrome_list_is_what_the_templates_say():
    assert {"Agreements", "Events", "Bodies", "Follow-up", "Home"} <= set(CHROME)
    assert "Skip to main content" in CHROME


@pytest.mark.parametrize("public_page", ENGLISH_PAGES, ids=lambda p: p.id)
def test_switching_language_translates_the_chrome(
    public_page, page, register, live_server
):
    response = page.goto(live_server.url + public_page.url)
    assert response.status in public_page.statuses
    assert page.get_attribute("html", "lang") == "en-GB"
    english = chrome_text(page)
    assert "Agreements" in english
    for code, name in LANGUAGES.items():
        switcher = page.locator(".language-switcher")
        switcher.get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == code
        path = page.url.removeprefix(live_server.url)
        assert path.startswith(f"/{code}/"), path
        assert path.endswith(public_page.url.lstrip("/")) or public_page.url == "/"
        text = chrome_text(page)
        left = [
            words for words in CHROME if re.search(rf"\b{re.escape(words)}\b", text)
        ]
        assert left == [], f"{public_page.id} in {code}: English left in the chrome"
        # each link of the switcher says its own language
        links = page.locator(".language-switcher__link")
        assert links.evaluate_all("links => links.map(l => l.lang)") == [
            "en-GB",
            "ru",
            "kk",
            "az",
        ]
