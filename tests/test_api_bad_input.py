"""Whatever arrives in an API request's query string, the answer is JSON: a 400
whose ``errors`` name the parameter, or a page of results (perhaps empty); never a
500, and nothing is echoed that a browser would run. The cases of the list page's
own (tests/test_bad_input.py), then a hypothesis fuzz of the query string."""

import base64
import json
import urllib.parse
from http import HTTPStatus

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.filters import FILTER_PARAMS
from agreements.followup.filters import ACTION_FILTER_PARAMS
from agreements.models import Document
from tests.factories import (
    ActionFactory,
    EventFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
LISTS = ("/api/v1/documents/", "/api/v1/actions/")


@pytest.fixture
def register():
    TopicFactory(slug="trade")
    event = EventFactory(slug="visit")
    trade = bilateral_document(
        title="Agreement on trade", kind="agreement", event=event
    )
    bilateral_document(title="Memorandum on science", kind="memorandum")
    bilateral_document(title="Draft", is_published=False)
    ActionFactory(document=trade)


def get(client, path, query):
    """GET ``path`` with ``query`` exactly as written (escapes and all)."""
    response = client.get(f"{path}?{query}")
    assert response["Content-Type"] == "application/json", response.content
    return response


def assert_names(response, name):
    assert response.status_code == HTTPStatus.BAD_REQUEST
    errors = response.json()["errors"]
    assert name in errors
    assert all(isinstance(message, str) for message in errors[name])


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("signed_after=2023-13-45", "signed_after"),
        ("signed_before=yesterday", "signed_before"),
        ("signed_after=10/04/2023", "signed_after"),
        ("signed_after=99999-01-01", "signed_after"),
        ("signed_after=2023-06-01&signed_before=2023-01-01", "signed_before"),
        ("kind=foo", "kind"),
        ("kind=treaty&kind=nonsense", "kind"),
        ("status=in+force", "status"),
        ("follow_up=maybe", "follow_up"),
        ("topic=no-such-topic", "topic"),
        ("country=XX", "country"),
        ("country=KAZ", "country"),
        ("ordering=id", "ordering"),
        ("ordering=-search_text", "ordering"),
        ("body=" + "b" * 500, "body"),
        ("body=not a slug", "body"),
        ("event=no-such-event", "event"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=ten", "page_size"),
        ("page_size=" + "9" * 5000, "page_size"),
        ("cursor=nonsense", "cursor"),
        ("cursor=%ff%fe", "cursor"),
        ("cursor=" + "A" * 3000, "cursor"),
    ],
)
def test_values_the_register_cannot_read_are_a_400_naming_them(
    client, register, query, name
):
    assert_names(get(client, "/api/v1/documents/", query), name)


def test_the_date_error_reads_as_the_list_page_says_it(client, register):
    response = get(client, "/api/v1/documents/", "signed_after=2023-02-30")
    assert response.json() == {"errors": {"signed_after": ["Enter a valid date."]}}


def _cursor(direction, values):
    token = json.dumps([direction, values]).encode()
    return urllib.parse.quote(base64.urlsafe_b64encode(token).decode())


@pytest.mark.parametrize(
    "values",
    [
        ["2023-04-10", "Agreement"],  # too few keys
        ["soon", "Agreement", 1],  # not a date
        ["2023-04-10", "Agree\x00ment", 1],  # a NUL byte
        ["2023-04-10", "Agreement", "one"],  # not an id
        [["2023-04-10"], "Agreement", 1],  # not a value
        ["2023-04-10", None, 1],
    ],
)
def test_a_forged_cursor_is_a_400(client, register, values):
    response = get(client, "/api/v1/documents/", f"cursor={_cursor('n', values)}")
    assert_names(response, "cursor")


def test_a_cursor_of_another_order_is_a_400_not_a_500(client, register):
    page = client.get("/api/v1/documents/", {"ordering": "title", "page_size": 1})
    cursor = urllib.parse.parse_qs(urllib.parse.urlparse(page.json()["next"]).query)
    query = urllib.parse.urlencode(
        {"cursor": cursor["cursor"][0], "ordering": "updated"}
    )
    assert_names(get(client, "/api/v1/documents/", query), "cursor")


def test_a_10_kb_search_is_cut_not_refused(client, register):
    response = client.get("/api/v1/documents/", {"q": "trade " + "x" * 10_000})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == []
    words = " ".join(["trade"] + [f"word{n}" for n in range(40)])
    assert client.get("/api/v1/documents/", {"q": words}).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "query",
    [
        "q=%27%3B+DROP+TABLE+agreements_document%3B+--",
        "q=1%27+OR+%271%27%3D%271",
        "q=%27%3A*+%7C+%21",
        "q=a%27b%5C",
        "kind=treaty%27+OR+1%3D1--",
        "body=x%27%3B+DELETE+FROM+agreements_body%3B--",
        "ordering=title%3B+DROP+TABLE+x",
        "country=KZ%27--",
    ],
)
def test_sql_fragments_are_only_text(client, register, query):
    response = get(client, "/api/v1/documents/", query)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
    assert Document.objects.count() == 3


@pytest.mark.parametrize(
    "query",
    [
        {"q": SCRIPT},
        {"kind": SCRIPT},
        {"body": SCRIPT},
        {"event": SCRIPT},
        {"signed_after": SCRIPT},
        {"country": SCRIPT},
        {"ordering": SCRIPT},
        {"cursor": SCRIPT},
        {SCRIPT: SCRIPT},
    ],
)
def test_html_fragments_come_back_as_json_text_only(client, register, query):
    response = client.get("/api/v1/documents/", query)
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
    json.loads(response.content)


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=tr%00ade",
        "body=%00",
        "event=vis%00it",
        "kind=agreement%00",
        "signed_after=2023-01-01%00",
        "country=K%00Z",
        "ordering=%00title",
        "%00=1",
        "cursor=%00",
        "page_size=1%00",
    ],
)
def test_nul_bytes_never_reach_the_database(client, register, query):
    response = get(client, "/api/v1/documents/", query)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


def test_nul_in_a_search_is_dropped_and_the_rest_searched(client, register):
    response = get(client, "/api/v1/documents/", "q=tr%00ade")
    assert [row["title"] for row in response.json()["results"]] == [
        "Agreement on trade"
    ]


@pytest.mark.parametrize(
    "query",
    ["q=%ff%fe", "q=%C3%28", "q=%E2%82", "kind=%ED%A0%80", "%ff=%ff", "q=%", "q=%zz"],
)
def test_invalid_utf8_and_broken_escapes_are_not_errors(client, register, query):
    response = get(client, "/api/v1/documents/", query)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/%00/",
        "/api/v1/documents/%ff%fe/",
        "/api/v1/documents/%3Cscript%3E/",
        "/api/v1/documents/" + "a" * 500 + "/",
        "/api/v1/bodies/x%27--/",
        "/api/v1/events/%C3%28/",
        "/api/v1/countries/%00z/",
        "/api/v1/countries/k%27/",
    ],
)
def test_odd_addresses_are_a_404_in_json(client, register, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert b"<script" not in response.content


# --- Fuzzing the query string ---------------------------------------------------------

KEYS = st.one_of(
    st.sampled_from(
        [*FILTER_PARAMS, *ACTION_FILTER_PARAMS, "ordering", "cursor", "page_size"]
    ),
    st.text(max_size=12),
)
VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "treaty",
            "memorandum",
            "in_force",
            "planned",
            "true",
            "trade",
            "KZ",
            "az",
            "visit",
            "2023-04-10",
            "-title",
            "updated",
            "1",
            "100",
            "0",
            "-1",
            "2023-02-30",
            "\x00",
            "'",
            "%",
            "\\",
            ":*",
            "&|!()",
            "WyJuIixbIjIwMjMtMDQtMTAiLCJ4IiwxXV0",  # a cursor for another order
            "WyJwIixbIjIwMjMtMDQtMTAiLCJ4IiwxXV0",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.binary(max_size=40).map(lambda raw: base64.b64encode(raw).decode()),
)
RAW = st.text(alphabet="%&=;+?abcdefqkinpgFE0123456789_-.\x00ü'\"<> ", max_size=120)


@settings(
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from(LISTS),
    params=st.lists(st.tuples(KEYS, VALUES), max_size=8),
    raw=RAW,
)
def test_no_query_string_makes_the_api_fail(client, register, path, params, raw):
    for query in (urllib.parse.urlencode(params), raw):
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500, (connection.vendor, path, query)
        assert response["Content-Type"] == "application/json", query
        body = response.json()
        if response.status_code == HTTPStatus.OK:
            assert isinstance(body["results"], list)
        elif response.status_code == HTTPStatus.BAD_REQUEST:
            assert body["errors"], query
        else:
            # DRF's ?format= picks a renderer: an unknown one is a 404
            assert response.status_code == HTTPStatus.NOT_FOUND, query
            assert "format" in urllib.parse.parse_qs(query.replace("\x00", ""))
