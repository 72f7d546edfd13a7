"""The API's documentation page in a real browser enforcing the site's CSP: Swagger
UI from our own static files draws every endpoint, loads the schema, and breaks no
rule of the policy (nothing from another host, nothing inline)."""

import pytest
from playwright.sync_api import expect

from tests.factories import bilateral_document
from tests.test_browser_csp import strict_page, violations  # noqa: F401 (fixture)

pytest_plugins = ["tests.browser_support"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_docs_page_draws_the_api_under_the_csp(strict_page, live_server):  # noqa: F811
    bilateral_document(slug="memorandum")
    requested = []
    strict_page.on("request", lambda request: requested.append(request.url))
    response = strict_page.goto("/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(strict_page.locator(".opblock-tag-section").first).to_be_visible()
    for path in ("/api/v1/documents/", "/api/v1/countries/{code}/", "/api/v1/actions/"):
        expect(strict_page.get_by_text(path, exact=True).first).to_be_visible()
    assert violations(strict_page) == []
    assert all(url.startswith(live_server.url) for url in requested), requested
