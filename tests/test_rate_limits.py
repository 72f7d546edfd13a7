"""The expensive public endpoints (the calendar, searches, exports) are rate-limited
per client address for anonymous visitors: a 429 with Retry-After, never for staff,
never for pages the page cache answers, and not at all while the cache is down."""

from http import HTTPStatus

import pytest

from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = {"calendar": "3/m", "search": "3/m", "export": "3/m"}
    settings.PAGE_CACHE_SECONDS = 0  # every request reaches the view


@pytest.mark.parametrize(
    "url",
    [
        "/follow-up/calendar.ics",
        "/agreements/?q=energy",
        "/agreements/export.csv",
        "/agreements/export.xlsx?kind=treaty",
    ],
)
def test_an_anonymous_client_past_the_limit_gets_429_with_retry_after(
    client, limits, url
):
    statuses = [client.get(url).status_code for _ in range(3)]
    refused = client.get(url)

    assert statuses == [HTTPStatus.OK] * 3
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many requests" in refused.content.decode()


def test_each_address_has_its_own_count(client, limits):
    for _ in range(3):
        client.get("/follow-up/calendar.ics", REMOTE_ADDR="10.0.0.1")

    assert (
        client.get("/follow-up/calendar.ics", REMOTE_ADDR="10.0.0.1").status_code
        == HTTPStatus.TOO_MANY_REQUESTS
    )
    assert (
        client.get("/follow-up/calendar.ics", REMOTE_ADDR="10.0.0.2").status_code
        == HTTPStatus.OK
    )


def test_browsing_without_a_search_is_not_counted(client, limits):
    DocumentFactory()
    for _ in range(6):
        assert client.get("/agreements/?kind=memorandum").status_code == HTTPStatus.OK
    assert client.get("/bodies/?q=ministry").status_code == HTTPStatus.OK


def test_signed_in_staff_are_not_limited(admin_client, limits):
    for _ in range(6):
        assert admin_client.get("/follow-up/calendar.ics").status_code == HTTPStatus.OK


def test_pages_from_the_page_cache_are_not_counted(client, limits, settings):
    settings.PAGE_CACHE_SECONDS = 600
    for _ in range(10):
        assert client.get("/follow-up/calendar.ics").status_code == HTTPStatus.OK


def test_with_the_cache_down_requests_go_through(client, limits, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "tracker.cache_backend.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    for _ in range(6):
        assert client.get("/follow-up/calendar.ics").status_code == HTTPStatus.OK
