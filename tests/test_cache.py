"""The public page cache (agreements.cache): hits, invalidation, who is never served.

"Hit" is proved by the query count: a cached page costs one query, the read of the
register generation, where rendering it costs four to thirteen.
"""

import datetime
import re
import types
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client

from agreements import cache as page_cache
from agreements import models
from agreements.cache import PG_TRIGGER, generation, install_generation_triggers
from agreements.services import unpublish_documents
from tests.conftest import skip_or_fail
from tests.factories import (
    ActionFactory,
    BodyFactory,
    DocumentFactory,
    EventFactory,
    TopicFactory,
    bilateral_document,
)
from tests.test_admin import admin_url, change_url, form_data, run_action

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/5"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture
def register():
    """A small published register with an event, a body, a country and an action."""
    event = EventFactory(slug="astana-2023", title="Visit to Astana")
    document = bilateral_document(
        title="Memorandum on science", slug="memorandum-on-science", event=event
    )
    bilateral_document(title="Agreement on trade", slug="agreement-on-trade")
    ActionFactory(document=document, title="Convene the joint commission")
    return document


def public_urls(document):
    body = document.parties.order_by("order").first().body
    return [
        "/",
        "/agreements/",
        "/agreements/?kind=memorandum&country=KZ",
        "/agreements/?q=science",
        document.get_absolute_url(),
        "/bodies/",
        body.get_absolute_url(),
        "/events/",
        document.event.get_absolute_url(),
        "/countries/kz/",
        "/follow-up/",
        "/follow-up/calendar.ics",
        "/sitemap.xml",
    ]


def hit(client, url, django_assert_num_queries, method="get"):
    """Request ``url`` and check it came from the cache: only the generation read."""
    with django_assert_num_queries(1) as captured:
        response = getattr(client, method)(url)
    assert response.status_code == HTTPStatus.OK
    assert "agreements_generation" in captured.captured_queries[0]["sql"]
    assert response["X-Cache"] == "hit"
    return response


def count_shown(response):
    """The number of documents the list says it found."""
    match = re.search(
        r"<strong>([\d,]+)</strong> documents?", response.content.decode()
    )
    return int(match.group(1).replace(",", ""))


# --- Hits -----------------------------------------------------------------------------


def test_visitor_gets_every_public_page_from_the_cache(
    client, register, django_assert_num_queries
):
    for url in public_urls(register):
        first = client.get(url)
        assert first.status_code == HTTPStatus.OK, url
        assert first["X-Cache"] == "miss", url

        second = hit(client, url, django_assert_num_queries)

        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"], url


def test_query_parameters_in_another_order_share_the_entry(
    client, register, django_assert_num_queries
):
    client.get("/agreements/?kind=memorandum&country=KZ&country=AZ")

    hit(
        client,
        "/agreements/?country=KZ&kind=memorandum&country=AZ",
        django_assert_num_queries,
    )
    # repeats and empty fields (a form sends every field) name the same page
    hit(
        client,
        "/agreements/?q=&kind=memorandum&kind=memorandum&country=AZ&country=KZ&page=1",
        django_assert_num_queries,
    )


def test_unknown_parameters_are_served_from_the_cache_but_never_stored(
    client, register, django_assert_num_queries
):
    for n in range(5):
        response = client.get(f"/agreements/?junk={n}")
        assert response.status_code == HTTPStatus.OK
        assert response.get("X-Cache") is None  # rendered, not stored
    assert client.get("/agreements/")["X-Cache"] == "miss"
    hit(client, "/agreements/?junk=6", django_assert_num_queries)


def test_a_flood_of_unknown_parameters_leaves_one_entry(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "pages-flood"},
        "pages": {"BACKEND": LOCMEM, "LOCATION": "pages-flood-pages"},
    }
    settings.PAGE_CACHE_ALIAS = "pages"
    caches["pages"].clear()
    DocumentFactory()

    for n in range(2):
        assert client.get(f"/agreements/?junk={n}").status_code == HTTPStatus.OK
    entries = len(caches["default"]._cache)  # aggregates and the filter panel
    for n in range(2, 50):
        assert client.get(f"/agreements/?junk={n}").status_code == HTTPStatus.OK
        assert client.get(f"/follow-up/calendar.ics?x={n}").status_code == 200

    assert len(caches["pages"]._cache) == 0
    # nor copies of the filter panel: its fragment is keyed on the known parameters
    assert len(caches["default"]._cache) <= entries + 2
    client.get("/agreements/")
    assert len(caches["pages"]._cache) == 1


def test_head_is_answered_from_the_get_entry_and_never_stored(
    client, register, django_assert_num_queries
):
    head = client.head("/agreements/")
    assert head.status_code == HTTPStatus.OK
    assert "X-Cache" not in head  # rendered, not stored
    assert client.get("/agreements/")["X-Cache"] == "miss"

    head = hit(client, "/agreements/", django_assert_num_queries, method="head")

    assert head.content == b""
    assert int(head["Content-Length"]) == len(client.get("/agreements/").content)


def test_a_cached_page_answers_not_modified_to_its_etag(client, register):
    etag = client.get("/agreements/")["ETag"]

    response = client.get("/agreements/", headers={"if-none-match": etag})

    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response.content == b""
    stale = client.get("/agreements/", headers={"if-none-match": '"other"'})
    assert stale.status_code == HTTPStatus.OK


def test_security_headers_are_on_cached_pages_too(client, register):
    first = client.get("/agreements/")
    second = client.get("/agreements/")

    assert second["X-Cache"] == "hit"
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert second[header] == first[header]
    if "Content-Security-Policy" in first:
        assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


# --- Who never gets a cached page -----------------------------------------------------


def test_signed_in_staff_are_never_served_a_cached_page(
    client, admin_client, register, django_assert_max_num_queries
):
    client.get("/agreements/")
    assert client.get("/agreements/")["X-Cache"] == "hit"

    with django_assert_max_num_queries(50) as captured:
        response = admin_client.get("/agreements/")

    assert response.status_code == HTTPStatus.OK
    assert "X-Cache" not in response
    assert len(captured) > 1  # rendered for them


def test_a_page_rendered_for_staff_is_never_stored_for_visitors(
    client, admin_client, register
):
    for url in public_urls(register):
        assert admin_client.get(url).status_code == HTTPStatus.OK

    for url in public_urls(register):
        assert client.get(url)["X-Cache"] == "miss", url


def test_a_visitor_with_messages_waiting_is_not_served_from_the_cache(client, register):
    client.get("/agreements/")
    client.cookies["messages"] = "anything"

    assert "X-Cache" not in client.get("/agreements/")


def test_a_response_that_sets_a_cookie_is_not_stored():
    response = page_cache.HttpResponse("page")
    response.set_cookie("csrftoken", "secret")
    assert page_cache._storable(response) is False
    assert page_cache._storable(page_cache.HttpResponse("page")) is True
    varying = page_cache.HttpResponse("page", headers={"Vary": "User-Agent"})
    assert page_cache._storable(varying) is False
    # a public page's language is its address's: LocaleMiddleware's Vary is no bar
    english = page_cache.HttpResponse("page", headers={"Vary": "Accept-Language"})
    assert page_cache._storable(english) is True
    private = page_cache.HttpResponse("page", headers={"Cache-Control": "private"})
    assert page_cache._storable(private) is False


@pytest.mark.parametrize("url", ["/healthz", "/admin/login/"])
def test_pages_outside_the_public_site_are_not_cached(client, url):
    client.get(url)
    assert "X-Cache" not in client.get(url)


def test_a_missing_page_is_not_stored(client, django_assert_max_num_queries):
    client.get("/agreements/no-such-document/")
    response = client.get("/agreements/no-such-document/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "X-Cache" not in response


def test_a_very_long_query_string_is_rendered_but_not_stored(client, register):
    url = "/agreements/?q=" + "x" * (page_cache.MAX_QUERY_LENGTH + 1)

    assert client.get(url).status_code == HTTPStatus.OK
    assert "X-Cache" not in client.get(url)


def test_page_cache_seconds_zero_turns_the_cache_off(client, register, settings):
    settings.PAGE_CACHE_SECONDS = 0

    client.get("/agreements/")

    assert "X-Cache" not in client.get("/agreements/")


def test_many_distinct_query_strings_stay_within_the_cache_size(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "pages-bounded"},
        "pages": {
            "BACKEND": LOCMEM,
            "LOCATION": "pages-small",
            "OPTIONS": {"MAX_ENTRIES": 20},
        },
    }
    settings.PAGE_CACHE_ALIAS = "pages"
    caches["pages"].clear()  # memory caches of one name outlive the setting
    DocumentFactory()

    for n in range(60):
        assert client.get(f"/agreements/?q=word{n}")["X-Cache"] == "miss"

    assert len(caches["pages"]._cache) <= 20


def test_the_day_is_part_of_the_key(client, register, monkeypatch):
    client.get("/follow-up/")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    monkeypatch.setattr(
        page_cache, "timezone", types.SimpleNamespace(localdate=lambda: tomorrow)
    )

    assert client.get("/follow-up/")["X-Cache"] == "miss"


# --- Every change is visible on the next request ------------------------------------


def test_a_change_in_the_admin_change_view_shows_on_the_next_request(
    client, admin_client, register
):
    assert client.get(register.get_absolute_url())["X-Cache"] == "miss"
    assert client.get("/agreements/")["X-Cache"] == "miss"
    data = form_data(admin_client.get(change_url(register)))
    data["title"] = "Memorandum on science and innovation"

    assert admin_client.post(change_url(register), data).status_code == HTTPStatus.FOUND

    for url in (register.get_absolute_url(), "/agreements/"):
        response = client.get(url)
        assert response["X-Cache"] == "miss"
        assert "Memorandum on science and innovation" in response.content.decode()


def test_an_inline_edit_shows_on_the_next_request(client, admin_client, register):
    client.get(register.get_absolute_url())
    data = form_data(admin_client.get(change_url(register)))
    data["parties-0-signatory_name"] = "Aigerim Tursynbekova"

    assert admin_client.post(change_url(register), data).status_code == HTTPStatus.FOUND

    content = client.get(register.get_absolute_url()).content.decode()
    assert "Aigerim Tursynbekova" in content


def test_a_topic_change_shows_on_the_next_request(client, admin_client, register):
    topic = TopicFactory(slug="space-research", name="space research")
    client.get(register.get_absolute_url())
    data = form_data(admin_client.get(change_url(register)))
    data["topics"] = [str(topic.pk)]

    assert admin_client.post(change_url(register), data).status_code == HTTPStatus.FOUND

    assert "Space research" in client.get(register.get_absolute_url()).content.decode()
    assert client.get("/agreements/?topic=space-research")["X-Cache"] == "miss"
    # and taking it off again (a many-to-many remove)
    data = form_data(admin_client.get(change_url(register)))
    data["topics"] = []
    assert admin_client.post(change_url(register), data).status_code == HTTPStatus.FOUND
    assert (
        "Space research" not in client.get(register.get_absolute_url()).content.decode()
    )


def test_a_bulk_unpublish_removes_the_document_from_list_and_count(
    client, admin_client, register
):
    before = client.get("/agreements/")
    assert "Memorandum on science" in before.content.decode()
    home = client.get("/").content.decode()
    assert "2 documents recorded" in home

    response = run_action(admin_client, "unpublish", [register])
    assert response.status_code == HTTPStatus.OK

    after = client.get("/agreements/")
    assert after["X-Cache"] == "miss"
    assert "Memorandum on science" not in after.content.decode()
    assert count_shown(after) == count_shown(before) - 1
    assert "1 document recorded." in client.get("/").content.decode()
    assert client.get(register.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_unpublishing_through_the_service_shows_on_the_next_request(client, register):
    before = count_shown(client.get("/agreements/"))

    unpublish_documents(
        documents=models.Document.objects.filter(pk=register.pk), user=None
    )

    after = client.get("/agreements/")
    assert count_shown(after) == before - 1
    assert "Memorandum on science" not in after.content.decode()


def test_a_bulk_publish_shows_on_the_next_request(client, admin_client):
    draft = bilateral_document(title="Draft protocol", is_published=False)
    assert "Draft protocol" not in client.get("/agreements/").content.decode()

    run_action(admin_client, "publish", [draft])

    assert "Draft protocol" in client.get("/agreements/").content.decode()


def test_a_delete_in_the_admin_shows_on_the_next_request(
    client, admin_client, register
):
    client.get("/agreements/")
    url = admin_url(models.Document, "delete", register.pk)

    assert admin_client.post(url, {"post": "yes"}).status_code == HTTPStatus.FOUND

    assert "Memorandum on science" not in client.get("/agreements/").content.decode()


def test_an_event_edit_in_the_admin_shows_on_the_next_request(
    client, admin_client, register
):
    event = register.event
    client.get(event.get_absolute_url())
    data = form_data(admin_client.get(change_url(event)))
    data["title_en_gb"] = "State visit to Astana"

    assert admin_client.post(change_url(event), data).status_code == HTTPStatus.FOUND

    assert (
        "State visit to Astana" in client.get(event.get_absolute_url()).content.decode()
    )


def test_a_recorded_follow_up_update_shows_on_the_next_request(
    client, admin_client, register
):
    client.get(register.get_absolute_url())
    client.get("/follow-up/")

    response = admin_client.post(
        admin_url(models.ProgressUpdate, "add"),
        {
            "document": str(register.pk),
            "action": "",
            "happened_on": register.signed_on.isoformat(),
            "date_precision": models.DatePrecision.DAY,
            "title": "The joint commission met in Baku",
            "text": "",
            "status_after": models.Document.FollowUpStatus.IN_PROGRESS,
            "source": "",
            "confidence": models.Confidence.CONFIRMED,
        },
    )
    assert response.status_code == HTTPStatus.FOUND

    page = client.get(register.get_absolute_url())
    assert page["X-Cache"] == "miss"
    assert "The joint commission met in Baku" in page.content.decode()
    assert client.get("/follow-up/")["X-Cache"] == "miss"


def test_marking_an_action_done_takes_it_off_the_cached_calendar(
    client, admin_client, register
):
    action = register.actions.get()
    assert action.title in client.get("/follow-up/calendar.ics").content.decode()

    response = admin_client.post(
        admin_url(models.Action, "changelist"),
        {
            "action": "mark_done",
            "_selected_action": [action.pk],
            "post": "yes",
            "happened_on": register.signed_on.isoformat(),
        },
    )
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    action.refresh_from_db()
    assert action.status == models.Action.Status.DONE

    calendar = client.get("/follow-up/calendar.ics")
    assert calendar["X-Cache"] == "miss"
    assert action.title not in calendar.content.decode()


def test_loaddata_shows_on_the_next_request(client):
    client.get("/agreements/")

    call_command("loaddata", "kz_az_2023", verbosity=0)

    response = client.get("/agreements/")
    assert response["X-Cache"] == "miss"
    assert count_shown(response) > 0


# --- Several worker processes -------------------------------------------------------


def test_a_change_made_in_one_worker_shows_in_another(
    admin_client, register, settings, django_assert_num_queries
):
    """Two memory caches stand for two gunicorn workers, each with its own."""
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "shared-aggregates"},
        "worker-1": {"BACKEND": LOCMEM, "LOCATION": "worker-1"},
        "worker-2": {"BACKEND": LOCMEM, "LOCATION": "worker-2"},
    }
    url = register.get_absolute_url()
    for alias in settings.CACHES:
        caches[alias].clear()  # memory caches of one name outlive the setting

    def visit(worker):
        settings.PAGE_CACHE_ALIAS = worker
        return Client().get(url)

    for worker in ("worker-1", "worker-2"):
        assert visit(worker)["X-Cache"] == "miss"
        assert visit(worker)["X-Cache"] == "hit"

    settings.PAGE_CACHE_ALIAS = "worker-2"  # the editor's request lands on worker 2
    data = form_data(admin_client.get(change_url(register)))
    data["title"] = "Memorandum on science, amended"
    assert admin_client.post(change_url(register), data).status_code == HTTPStatus.FOUND

    # Worker 1 was told nothing and still holds its old entry, yet does not serve it.
    assert len(caches["worker-1"]._cache) == 1
    response = visit("worker-1")
    assert response["X-Cache"] == "miss"
    assert "Memorandum on science, amended" in response.content.decode()
    settings.PAGE_CACHE_ALIAS = "worker-1"
    hit(Client(), url, django_assert_num_queries)


def test_redis_shared_cache_serves_and_invalidates(client, register, settings):
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as error:  # any failure to reach it means there is no Redis
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {error}")
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": "redis-test"},
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "test-cache",
        },
    }
    settings.PAGE_CACHE_ALIAS = "redis"
    caches["redis"].clear()
    try:
        assert client.get("/agreements/")["X-Cache"] == "miss"
        assert Client().get("/agreements/")["X-Cache"] == "hit"

        register.title = "Memorandum on science, in Redis"
        register.save()

        response = Client().get("/agreements/")
        assert response["X-Cache"] == "miss"
        assert "Memorandum on science, in Redis" in response.content.decode()
    finally:
        caches["redis"].clear()


# --- The generation -------------------------------------------------------------------


def _update_raw():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE agreements_body SET website = 'https://example.org'")


WRITES = {
    "save": lambda: BodyFactory(),
    "queryset update": lambda: models.Body.objects.update(short_name="X"),
    "bulk_create": lambda: models.Topic.objects.bulk_create(
        [models.Topic(slug="bulk", name="bulk")]
    ),
    "delete with cascade": lambda: models.Document.objects.all().delete(),
    "many-to-many add": lambda: models.Document.objects.first().topics.add(
        TopicFactory()
    ),
    "raw SQL": _update_raw,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_kind_of_write_moves_the_generation(register, write):
    before = generation()

    write()

    assert generation() != before


def test_history_and_reads_leave_the_generation_alone(register):
    before = generation()

    list(models.Document.objects.all())
    register.history.all().count()

    assert generation() == before


def test_a_trigger_lost_in_a_migration_is_put_back(register):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER agreements_document_generation_update")
        else:
            cursor.execute(f"DROP TRIGGER {PG_TRIGGER} ON agreements_document")
    before = generation()
    models.Document.objects.update(summary="unseen")
    assert generation() == before  # the proof that the trigger was gone

    install_generation_triggers(connection)

    before = generation()
    models.Document.objects.update(summary="seen")
    assert generation() != before


def test_pages_are_served_uncached_while_the_shared_cache_is_down(
    client, register, settings
):
    # Redis on a port where nothing listens, through the project's backend (as
    # settings configure it with REDIS_URL): every cache call fails at once. The
    # list's filter panel is a {% cache %} fragment, which needs a backend that
    # answers as an empty cache when Redis is down.
    settings.CACHES = {
        "default": {
            "BACKEND": "tracker.cache_backend.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    for url in ("/", "/agreements/", register.get_absolute_url(), "/follow-up/"):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert response.get("X-Cache") != "hit"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's deferred triggers"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_generation_moves_once_at_commit_however_many_rows_change():
    from django.db import transaction

    before = generation()
    with transaction.atomic():
        models.Topic.objects.bulk_create(
            [models.Topic(slug=f"t{n}", name=f"t{n}") for n in range(50)]
        )
        models.Topic.objects.update(name="renamed")
        assert generation() == before  # nothing committed yet: pages stay as they are

    assert generation() == before + 1


@pytest.mark.parametrize(
    ("asked", "same_as"),
    [
        ("/agreements/?page=2&page=1", "/agreements/"),
        ("/agreements/?q=science&q=", "/agreements/"),
        (
            "/agreements/?ordering=title&ordering=-signed_on",
            "/agreements/?ordering=-signed_on",
        ),
    ],
)
def test_a_repeated_single_value_parameter_is_read_as_the_view_reads_it(
    client, register, asked, same_as, django_assert_num_queries
):
    # the view takes the last value: the key must too, or one request would store
    # the wrong page under another page's address
    rendered = client.get(asked)
    assert rendered.status_code == HTTPStatus.OK

    served = hit(client, same_as, django_assert_num_queries)

    assert served.content == rendered.content


def test_a_list_with_invalid_filters_is_never_stored(client, register):
    for n in range(3):
        response = client.get(f"/agreements/?signed_after=not-a-date-{n}")
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
        assert response.get("X-Cache") is None
    assert "private" in response["Cache-Control"]


def test_paging_keeps_one_copy_of_the_filter_panel(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    DocumentFactory.create_batch(30)
    client.get("/agreements/")
    entries = len(caches["default"]._cache)

    assert client.get("/agreements/?page=2").status_code == HTTPStatus.OK

    assert len(caches["default"]._cache) == entries
