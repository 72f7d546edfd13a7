"""Whatever arrives in a URL, the site answers 200 with the problem shown beside the
filter, or 404 (400 for more parameters than Django accepts); never 500, and nothing
is echoed unescaped.

Out-of-range and non-numeric ``?page=`` answer 404, as Django's pagination does: a
page number in a link is always a real page.
"""

import urllib.parse
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.filters import FILTER_PARAMS
from agreements.models import Document
from tests.factories import EventFactory, TopicFactory, bilateral_document

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def register():
    TopicFactory(slug="trade")
    event = EventFactory(slug="visit")
    bilateral_document(title="Agreement on trade", kind="agreement", event=event)
    bilateral_document(title="Memorandum on science", kind="memorandum")
    bilateral_document(title="Draft", is_published=False)


def get(client, query):
    """GET the list with ``query`` exactly as written (escapes and all)."""
    return client.get(f"/agreements/?{query}")


def assert_error_beside(response, field):
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "There is a problem with the filters" in content
    assert f'id="id_{field}-error"' in content
    assert list(response.context["page_obj"].object_list) == []


def test_unknown_parameters_are_ignored(client, register):
    response = get(client, "utm_source=mail&foo=bar&foo=baz&=&&x")
    assert response.status_code == HTTPStatus.OK
    assert response.context["paginator"].count == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("signed_after=2023-13-45", "signed_after"),
        ("signed_before=yesterday", "signed_before"),
        ("signed_after=10/04/2023", "signed_after"),
        ("signed_after=99999-01-01", "signed_after"),
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
    ],
)
def test_values_the_register_cannot_read_are_errors_beside_the_filter(
    client, register, query, field
):
    assert_error_beside(get(client, query), field)


def test_choice_values_ignore_case_and_blanks(client, register):
    response = get(client, "kind=MEMORANDUM&kind=&country=kz&status=")
    assert response.status_code == HTTPStatus.OK
    titles = [row.title for row in response.context["page_obj"].object_list]
    assert titles == ["Memorandum on science"]


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999999", "1.5", "%00", "1e3", ""])
def test_pages_that_do_not_exist_answer_404(client, register, page):
    response = get(client, f"page={page}")
    if page == "":
        assert response.status_code == HTTPStatus.OK
    else:
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert b"Page not found" in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/agreements/no-such-document/",
        "/bodies/no-such-body/",
        "/events/no-such-event/",
        "/countries/zz/",
        "/countries/kaz/",
        "/countries/%00a/",
        "/countries/%C3%A9%C3%A9/",
        "/bodies/?page=5",
        "/events/?page=abc",
    ],
)
def test_unknown_slugs_codes_and_pages_answer_404(client, register, path):
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_a_10_kb_search_is_cut_to_200_characters_and_says_so(client, register):
    response = client.get("/agreements/", {"q": "trade " + "x" * 10_000})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "only its first 200 were searched" in content
    value = content.split('id="id_q" name="q" type="search" value="')[1].split('"')[0]
    assert len(value) <= 200


def test_a_search_of_many_words_says_only_some_were_searched(client, register):
    words = " ".join(f"word{n}" for n in range(40))
    response = client.get("/agreements/", {"q": words})
    assert response.status_code == HTTPStatus.OK
    assert b"only the first 12 were searched" in response.content


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
    response = get(client, query)
    assert response.status_code == HTTPStatus.OK
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
        {SCRIPT: SCRIPT},
        {"q": '"><img src=x onerror=alert(1)>'},
    ],
)
def test_html_fragments_are_escaped_wherever_they_are_echoed(client, register, query):
    response = client.get("/agreements/", query)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "<script" not in content
    assert "<img" not in content
    assert "onerror=alert(1)>" not in content


def test_html_fragments_in_the_bodies_search_are_escaped(client, register):
    response = client.get("/bodies/", {"q": SCRIPT})
    assert response.status_code == HTTPStatus.OK
    assert b"<script" not in response.content
    assert b"&lt;script&gt;" in response.content


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=trade%00",
        "q=tr%00ade",
        "body=%00",
        "event=vis%00it",
        "kind=treaty%00",
        "signed_after=2023-01-01%00",
        "country=K%00Z",
        "ordering=%00title",
        "%00=1",
        "q%00=trade",
    ],
)
def test_nul_bytes_are_dropped_not_sent_to_the_database(client, register, query):
    response = get(client, query)
    assert response.status_code == HTTPStatus.OK


def test_nul_in_a_search_is_dropped_and_the_rest_searched(client, register):
    response = get(client, "q=tr%00ade")
    titles = [row.title for row in response.context["page_obj"].object_list]
    assert titles == ["Agreement on trade"]


def test_nul_in_the_bodies_search_is_dropped(client, register):
    assert client.get("/bodies/?q=min%00istry").status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "query",
    [
        "q=%ff%fe",
        "q=%C3%28",
        "q=%E2%82",
        "kind=%ED%A0%80",
        "%ff=%ff",
        "q=%",
        "q=%zz",
        "q=%%%",
    ],
)
def test_invalid_utf8_and_broken_escapes_are_not_errors(client, register, query):
    assert get(client, query).status_code == HTTPStatus.OK


def test_more_parameters_than_django_accepts_is_a_bad_request(client, register):
    query = "&".join(["kind=treaty"] * 1500)
    assert get(client, query).status_code == HTTPStatus.BAD_REQUEST


# --- Fuzzing the list's query string --------------------------------------------------

KEYS = st.one_of(
    st.sampled_from([*FILTER_PARAMS, "ordering", "page"]),
    st.text(max_size=12),
)
VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "treaty",
            "memorandum",
            "in_force",
            "stalled",
            "trade",
            "KZ",
            "az",
            "visit",
            "2023-04-10",
            "-title",
            "updated",
            "1",
            "last",
            "0",
            "-1",
            "2023-02-30",
            "\x00",
            "'",
            "%",
            "\\",
            ":*",
            "&|!()",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(lambda day: day.isoformat()),
)
RAW = st.text(alphabet="%&=;+?abcdefqkinpgFE0123456789_-.\x00ü'\"<> ", max_size=120)


@settings(
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(params=st.lists(st.tuples(KEYS, VALUES), max_size=8), raw=RAW)
def test_no_query_string_makes_the_list_fail(client, register, params, raw):
    for query in (urllib.parse.urlencode(params), raw):
        response = client.get(f"/agreements/?{query}")
        assert response.status_code < 500, (connection.vendor, query)
        assert response.status_code in (
            HTTPStatus.OK,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.BAD_REQUEST,
        )
        assert b"<script" not in response.content
