"""Search: what it looks in, case folding for every script, and the triggers that keep
each document's search copy current however rows are written (``agreements.search``).

Run on SQLite and on PostgreSQL: the matching differs (substring there, word prefix
and ranking here), what a reader finds for these examples does not.
"""

import datetime
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from agreements import search, views
from agreements.models import Body, BodyName, Document, DocumentTitle, Party
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    DocumentFactory,
    DocumentTitleFactory,
    PartyFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's triggers")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def found(text):
    """Titles of the published documents ``text`` finds, as the list orders them."""
    return list(
        Document.objects.published().search(text).values_list("title", flat=True)
    )


def stored_text(document):
    """The document's search copy as text: SQLite's folded text, PostgreSQL's
    lexemes (``'word':1A 'other':2``)."""
    field = "search_vector" if ON_POSTGRES else "search_text"
    return str(Document.objects.values_list(field, flat=True).get(pk=document.pk))


def has_words(document, *words):
    text = stored_text(document)
    if ON_POSTGRES:
        return all(f"'{word}':" in text for word in words)
    return all(word in text.split() for word in words)


# --- Folding and query words ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ҚАЗАҚСТАН", "қазақстан"),
        ("AZƏRBAYCAN", "azərbaycan"),
        ("İlham Əliyev", "ilham əliyev"),
        ("BAKI", "baki"),
        ("Bakı", "baki"),
        ("МИНИСТЕРСТВО", "министерство"),
        ("Straße", "strasse"),
    ],
)
def test_fold_ignores_case_in_every_script(text, folded):
    assert search.fold(text) == folded


def test_query_words_are_folded_deduplicated_and_capped():
    assert search.query_words("Trade, TRADE and (science)!") == [
        "trade",
        "and",
        "science",
    ]
    many = " ".join(f"word{n}" for n in range(30))
    assert len(search.query_words(many)) == search.MAX_QUERY_WORDS
    assert search.too_many_words(many)
    assert search.query_words("'; DROP TABLE --") == ["drop", "table"]
    assert search.query_words("!!! ---") == []


def test_clean_query_drops_nul_bytes_and_cuts_long_input():
    assert search.clean_query("air\x00 services") == ("air services", False)
    text, shortened = search.clean_query("a" * 10_000)
    assert shortened and len(text) == search.MAX_QUERY_LENGTH


# --- What is searched -----------------------------------------------------------------


def test_search_finds_words_in_the_title_and_summary():
    bilateral_document(title="Agreement on air services", summary="Flights to Baku.")
    bilateral_document(title="Memorandum on culture", summary="Theatre tours.")
    assert found("air services") == ["Agreement on air services"]
    assert found("theatre") == ["Memorandum on culture"]


def test_search_finds_party_body_names_short_names_and_former_names():
    document = DocumentFactory(title="Memorandum on news exchange")
    body = BodyFactory(name="Azerbaijan State News Agency", short_name="AZERTAC")
    BodyNameFactory(body=body, name="Azərbaycan Teleqraf Agentliyi")
    PartyFactory(document=document, body=body)
    DocumentFactory(title="Other")
    assert found("state news agency") == ["Memorandum on news exchange"]
    assert found("azertac") == ["Memorandum on news exchange"]
    assert found("teleqraf") == ["Memorandum on news exchange"]


def test_search_finds_the_place_of_signature():
    bilateral_document(title="Agreement on transit", signed_city="Astana")
    document = bilateral_document(title="Protocol on customs", signed_city="Baku")
    assert found("astana") == ["Agreement on transit"]
    assert found("Баку") == ["Protocol on customs"]  # in another script too
    document.signed_city = "Aktau"
    document.save()
    assert found("baku") == []
    assert found("aktau") == ["Protocol on customs"]


def test_search_finds_signatory_names():
    document = DocumentFactory(title="Joint statement")
    PartyFactory(document=document, signatory_name="Kassym-Jomart Tokayev")
    DocumentFactory(title="Other")
    assert found("tokayev") == ["Joint statement"]


def test_search_finds_titles_in_other_languages():
    document = DocumentFactory(title="Protocol on the Supreme Interstate Council")
    DocumentTitleFactory(
        document=document,
        language=DocumentTitle.Language.RUSSIAN,
        title="Протокол о создании Высшего межгосударственного совета",
    )
    assert found("межгосударственного") == [
        "Protocol on the Supreme Interstate Council"
    ]


def test_search_needs_every_word_wherever_it_is():
    document = DocumentFactory(title="Memorandum on science")
    PartyFactory(document=document, body__name="Academy of Sciences of Kazakhstan")
    DocumentFactory(title="Memorandum on trade")
    assert found("science kazakhstan") == ["Memorandum on science"]
    assert found("trade kazakhstan") == []


def test_search_never_finds_unpublished_documents(client):
    bilateral_document(title="Secret protocol on oil", is_published=False)
    assert found("oil") == []
    response = client.get("/agreements/?q=oil")
    assert b"Secret protocol" not in response.content
    assert response.context["paginator"].count == 0


# --- Case in every script, on this database -------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Қазақстан Республикасының Үкіметі", "қазақ"),
        ("Қазақстан Республикасының Үкіметі", "ҚАЗАҚСТАН"),
        ("Azərbaycan Respublikasının Nazirlər Kabineti", "AZƏRBAYCAN"),
        ("AZƏRBAYCAN RESPUBLİKASI", "azərbaycan respublikası"),
        ("İlham Əliyev", "ilham"),
        ("Bakı şəhəri", "BAKI"),
        ("Министерство иностранных дел", "МИНИСТЕРСТВО"),
        ("Ministry of Foreign Affairs", "FOREIGN"),
    ],
)
def test_search_ignores_case_in_every_script(client, stored, typed):
    document = DocumentFactory(title="Found")
    PartyFactory(document=document, body__name=stored)
    DocumentFactory(title="Not this one")
    assert found(typed) == ["Found"]
    response = client.get("/agreements/", {"q": typed})
    assert [row.title for row in response.context["page_obj"].object_list] == ["Found"]


def test_search_matches_the_start_of_a_word():
    bilateral_document(title="Agreement on telecommunications")
    assert found("telecom") == ["Agreement on telecommunications"]


# --- The copies stay current ----------------------------------------------------------


def test_search_text_follows_parties_as_they_come_change_and_go():
    document = DocumentFactory(title="Memorandum")
    party = PartyFactory(document=document, signatory_name="Vugar Aliyev")
    assert has_words(document, "vugar", "aliyev")
    party.signatory_name = "Raushan Kazhibayeva"
    party.save()
    assert has_words(document, "kazhibayeva")
    assert not has_words(document, "vugar")
    Party.objects.filter(pk=party.pk).delete()
    assert not has_words(document, "kazhibayeva")


def test_search_text_follows_a_body_renamed_or_given_a_former_name():
    body = BodyFactory(name="Ministry of Investment")
    document = DocumentFactory()
    PartyFactory(document=document, body=body)
    Body.objects.filter(pk=body.pk).update(name="Ministry of Trade and Integration")
    assert has_words(document, "trade", "and", "integration")
    BodyName.objects.create(body=body, name="Ministry of National Economy")
    assert has_words(document, "national", "economy")
    BodyName.objects.filter(body=body).delete()
    assert not has_words(document, "national", "economy")


def test_search_text_follows_titles_and_the_document_itself():
    document = DocumentFactory(title="Old title", summary="Old summary")
    title = DocumentTitleFactory(document=document, title="Заголовок")
    assert has_words(document, "заголовок")
    DocumentTitle.objects.filter(pk=title.pk).delete()
    assert not has_words(document, "заголовок")
    Document.objects.filter(pk=document.pk).update(title="New title")
    assert has_words(document, "new", "title")
    document.refresh_from_db()
    document.summary = "New summary"
    document.save()
    assert has_words(document, "new", "summary")


def test_a_stale_copy_written_by_save_is_put_right():
    document = DocumentFactory(title="Memorandum")  # its search_text in memory is ""
    PartyFactory(document=document, signatory_name="Ilham Aliyev")
    document.legal_status = Document.LegalStatus.IN_FORCE
    document.save()  # writes every column, the stale search_text too
    assert has_words(document, "ilham", "aliyev")


def test_bulk_created_documents_and_parties_are_searchable():
    body = BodyFactory(name="Qazaqstan Temir Joly")
    documents = Document.objects.bulk_create(
        DocumentFactory.build(title=f"Railway protocol {n}", slug=f"rail-{n}")
        for n in range(3)
    )
    Party.objects.bulk_create(
        Party(document=document, body=body, order=1) for document in documents
    )
    assert sorted(found("temir joly")) == [f"Railway protocol {n}" for n in range(3)]


def test_fixture_loaded_with_loaddata_is_searchable():
    call_command("loaddata", "kz_az_2023", verbosity=0)
    assert found("azertac")
    assert found("tokayev")
    assert found("межгосударственного")


def test_search_copies_are_not_dumped_or_edited():
    field = Document._meta.get_field("search_text")
    assert not field.serialize and not field.editable
    assert not Document._meta.get_field("search_vector").serialize


@sqlite_only
def test_triggers_lost_in_a_sqlite_table_rebuild_come_back_after_migrate():
    from django.core.management.sql import emit_post_migrate_signal

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER agreements_party_search_insert")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    document = DocumentFactory()
    PartyFactory(document=document, signatory_name="Restored Trigger")
    assert has_words(document, "restored", "trigger")


def test_migrate_leaves_up_to_date_triggers_alone_and_replaces_stale_ones():
    assert search.ensure_search_triggers(connection) is False
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            cursor.execute(
                "COMMENT ON FUNCTION agreements_document_search() IS 'an older one'"
            )
        else:
            cursor.execute("DROP TRIGGER agreements_body_search_update")
            cursor.execute(
                "CREATE TRIGGER agreements_body_search_update AFTER UPDATE ON "
                "agreements_body BEGIN SELECT 1; END"
            )
    assert search.ensure_search_triggers(connection) is True
    assert search.ensure_search_triggers(connection) is False
    body = BodyFactory(name="Old name")
    document = DocumentFactory()
    PartyFactory(document=document, body=body)
    Body.objects.filter(pk=body.pk).update(name="Renamed ministry")
    assert has_words(document, "renamed", "ministry")


# --- PostgreSQL: full-text search, ranked, index-backed -------------------------------


@postgres_only
def test_postgres_ranks_a_title_match_above_a_summary_match(client):
    DocumentFactory(
        title="Memorandum on culture",
        summary="Mentions energy once.",
        signed_on=datetime.date(2024, 1, 1),
    )
    DocumentFactory(
        title="Agreement on energy",
        summary="Oil and gas.",
        signed_on=datetime.date(2001, 1, 1),
    )
    assert found("energy") == ["Agreement on energy", "Memorandum on culture"]
    response = client.get("/agreements/?q=energy")
    titles = [row.title for row in response.context["page_obj"].object_list]
    assert titles == ["Agreement on energy", "Memorandum on culture"]
    assert b"best match first" in response.content
    # an explicit ordering wins over the rank
    response = client.get("/agreements/?q=energy&ordering=-signed_on")
    titles = [row.title for row in response.context["page_obj"].object_list]
    assert titles == ["Memorandum on culture", "Agreement on energy"]


@postgres_only
def test_postgres_search_uses_the_gin_index():
    bilateral_document(title="Agreement on energy")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # (a tiny table would be scanned; the point is that the index serves the match)
    plan = Document.objects.search("energy").explain()
    assert "agreements_doc_search" in plan


@postgres_only
def test_the_search_indexes_keep_no_pending_list_so_a_write_is_indexed_at_once():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c "
            "WHERE c.relname = ANY(%s) ORDER BY c.relname",
            [sorted(search.GIN_INDEXES)],
        )
        assert cursor.fetchall() == [
            ("agreements_attach_search", ["fastupdate=off"]),
            ("agreements_doc_search", ["fastupdate=off"]),
        ]
    # an index made with the list is set and merged when the triggers are installed
    with connection.cursor() as cursor:
        cursor.execute("ALTER INDEX agreements_doc_search SET (fastupdate = on)")
    bilateral_document(title="Agreement on hydrography")
    with connection.cursor() as cursor:
        search.install_search_triggers(connection)
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'agreements_doc_search'"
        )
        assert cursor.fetchone() == (["fastupdate=off"],)
    assert [d.title for d in Document.objects.search("hydrography")] == [
        "Agreement on hydrography"
    ]


@postgres_only
def test_postgres_keeps_a_weighted_vector():
    document = DocumentFactory(title="Energy", summary="Summary words")
    vector = Document.objects.values_list("search_vector", flat=True).get(
        pk=document.pk
    )
    assert "'energy':1A" in vector


@postgres_only
def test_postgres_lists_a_search_with_too_many_matches_newest_first(
    client, monkeypatch
):
    monkeypatch.setattr(views.DocumentListView, "rank_limit", 1)
    DocumentFactory(
        title="Agreement on energy",
        summary="Oil and gas.",
        signed_on=datetime.date(2001, 1, 1),
    )
    DocumentFactory(
        title="Memorandum on culture",
        summary="Mentions energy once.",
        signed_on=datetime.date(2024, 1, 1),
    )
    response = client.get("/agreements/?q=energy")
    titles = [row.title for row in response.context["page_obj"].object_list]
    assert titles == ["Memorandum on culture", "Agreement on energy"]
    assert b"too many to rank" in response.content
    assert b"newest signature first" in response.content


def test_a_search_with_few_matches_says_nothing_of_ranking(client):
    bilateral_document(title="Agreement on energy")
    response = client.get("/agreements/?q=energy")
    assert response.context["unranked"] is False
    assert b"too many to rank" not in response.content


def test_search_page_says_when_the_search_was_shortened(client):
    bilateral_document(title="Agreement")
    response = client.get("/agreements/", {"q": "agreement " + "x" * 500})
    assert response.status_code == HTTPStatus.OK
    assert b"only its first 200 were searched" in response.content


@postgres_only
def test_each_connection_prices_a_random_page_read_as_the_settings_say():
    # tracker.settings: the planner joins a page's parties to their bodies by index
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)


@postgres_only
def test_each_connection_compiles_no_query_to_machine_code():
    # tracker.settings: JIT compilation cost a search over every action 395 ms
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
