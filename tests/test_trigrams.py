"""SQLite's trigram index of the search (``agreements.trigrams``): the search reads
it instead of every document's words, finds exactly what reading them finds, and
follows every write."""

import pytest
from django.db import connection

from agreements import search, trigrams
from agreements.models import Attachment, Document
from tests.factories import (
    ActionFactory,
    AttachmentFactory,
    BodyFactory,
    DocumentFactory,
    PartyFactory,
    ProgressUpdateFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="SQLite's index (PostgreSQL has GIN)"
    ),
]


def found(text):
    return set(Document.objects.search(text).values_list("title", flat=True))


def indexed(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {table} ORDER BY rowid")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def substring_only():
    """The search as it is where SQLite has no FTS5: every word by substring."""
    connection.ensure_connection()
    setattr(connection, trigrams.ATTRIBUTE, False)
    yield
    setattr(connection, trigrams.ATTRIBUTE, True)


@pytest.fixture
def register():
    kazakh = BodyFactory(name="Ministry of Energy of the Republic of Kazakhstan")
    azeri = BodyFactory(name="Azərbaycan Respublikasının Energetika Nazirliyi")
    energy = DocumentFactory(title="Memorandum on energy", signed_city="Astana")
    PartyFactory(document=energy, body=kazakh, signatory_name="Almasadam Satkaliyev")
    PartyFactory(document=energy, body=azeri, order=2)
    transit = DocumentFactory(title="Agreement on transit", signed_city="Bakı")
    AttachmentFactory(
        document=transit, extracted_text="Стороны договорились о ТРАНЗИТЕ"
    )
    DocumentFactory(title="Protocol on culture", signed_city="Астана")
    return energy, transit


def test_a_word_of_three_characters_or_more_is_read_from_the_index():
    sql = str(Document.objects.search("energy").query)
    assert trigrams.DOCUMENTS in sql and trigrams.ATTACHMENTS in sql
    assert "instr" not in sql.lower()
    # the admin's follow-up lists leave the files out
    without_texts = search.search_documents(
        Document.objects.all(), "energy", texts=False
    )
    assert trigrams.ATTACHMENTS not in str(without_texts.query)


def test_a_shorter_word_is_read_by_substring():
    sql = str(Document.objects.search("kz").query)
    assert trigrams.DOCUMENTS not in sql
    assert "instr" in sql.lower()


WORDS = [
    "energy",  # a title and a body
    "ENERGETIKA",  # folded
    "satkal",  # part of a signatory's name
    "астана",  # Cyrillic, and Astana's cross-script key
    "baki",  # the dotless i folded
    "транзит",  # in a file's text only
    "memorandum energy",  # two words, both needed
    "nowhere",
    "on",  # too short for the index
]


@pytest.mark.parametrize("words", WORDS)
def test_the_index_finds_what_reading_every_word_finds(register, words, request):
    through_index = found(words)
    request.getfixturevalue("substring_only")
    assert found(words) == through_index


def test_what_the_index_finds(register):
    assert found("energy") == {"Memorandum on energy"}
    assert found("транзит") == {"Agreement on transit"}
    assert found("астана") == {"Memorandum on energy", "Protocol on culture"}
    assert found("nowhere") == set()


def test_the_index_follows_documents_written_changed_and_deleted(register):
    energy, _transit = register
    assert indexed(trigrams.DOCUMENTS) == sorted(
        Document.objects.values_list("pk", flat=True)
    )

    energy.title = "Protocol on hydrogen"
    energy.save()
    assert found("hydrogen") == {"Protocol on hydrogen"}
    assert found("memorandum") == set()

    energy.delete()
    assert energy.pk not in indexed(trigrams.DOCUMENTS)
    assert found("hydrogen") == set()


def test_the_index_follows_a_party_added_to_a_document(register):
    _energy, transit = register
    PartyFactory(document=transit, body=BodyFactory(name="Caspian Pipeline Board"))
    assert found("pipeline") == {"Agreement on transit"}


def test_the_index_follows_files_texts(register):
    _energy, transit = register
    attachment = Attachment.objects.get(document=transit)

    attachment.extracted_text = "Article 1. Railway corridors"
    attachment.save()
    assert found("corridor") == {"Agreement on transit"}
    assert found("транзит") == set()

    attachment.delete()
    assert indexed(trigrams.ATTACHMENTS) == []
    assert found("corridor") == set()


def test_migrate_refills_the_index_written_without_it(register):
    """While migrations run the triggers are off
    (``search_index._drop_before_migrate``): what is written then is indexed when
    they come back."""
    search.remove_search_triggers(connection)
    late = DocumentFactory(title="Agreement on pipelines")
    assert late.pk not in indexed(trigrams.DOCUMENTS)

    assert search.ensure_search_triggers(connection) is True

    assert found("pipelines") == {"Agreement on pipelines"}
    assert search.ensure_search_triggers(connection) is False  # all in place


def matches(index, word):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {index} WHERE {index} MATCH %s", [f'"{word}"']
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_follow_up_indexes_follow_actions_and_updates():
    """The admin's actions' and updates' searches narrow their rows through these
    (``admin.changelists.search_words``)."""
    action = ActionFactory(title="Open a laboratory")
    update = ProgressUpdateFactory(action=action, title="Laboratory opened")
    assert matches(trigrams.ACTIONS, "laborat") == [action.pk]
    assert matches(trigrams.UPDATES, "LABORAT") == [update.pk]  # any case

    action.title_ru = "Открыть лабораторию"
    action.description_az = "Laboratoriya açmaq"
    action.save()
    update.title = "Microscopes bought"
    update.save()
    assert matches(trigrams.ACTIONS, "ЛАБОРАТОР") == [action.pk]
    assert matches(trigrams.ACTIONS, "açmaq") == [action.pk]
    assert matches(trigrams.UPDATES, "microscope") == [update.pk]
    assert matches(trigrams.UPDATES, "opened") == []

    update.delete()
    action.delete()
    assert indexed(trigrams.ACTIONS) == indexed(trigrams.UPDATES) == []
