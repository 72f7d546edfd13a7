"""``manage.py sync_fixture`` on a register in use, with the real kz_az_2023 fixtures:
it adds what is missing, shows what differs, overwrites only when asked (with
history) and never changes publication or follow-up statuses."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agreements import models
from agreements.services import unpublish_documents, unpublish_events

pytestmark = pytest.mark.django_db

TREATY = "kz-az-2005-treaty-strategic-partnership"
AZERTAC = "kz-az-2023-mou-tv-radio-complex-azertac"
FIBRE = "kazakhtelecom-azertelecom-2022-memorandum-trans-caspian-fibre"
VISIT = "aliyev-official-visit-astana-2023-04-10"
SOURCE = "https://news.day.az/politics/1789772.html"
REASON = "sync_fixture kz_az_2023"


@pytest.fixture
def register():
    """The register as ``bootstrap`` leaves it: both fixtures loaded."""
    call_command("loaddata", "kz_az_2023", "kz_az_2023_followup", verbosity=0)


def sync(*args):
    out = StringIO()
    call_command("sync_fixture", *args, stdout=out)
    return out.getvalue()


def history_rows():
    return sum(
        model.history.count()
        for model in (
            models.Document,
            models.Event,
            models.Source,
            models.Body,
            models.Party,
            models.DocumentCitation,
            models.PartyCitation,
            models.Relation,
            models.Action,
        )
    )


def test_an_unchanged_register_is_left_alone(register):
    before = history_rows()
    output = sync("kz_az_2023", "kz_az_2023_followup", "--apply", "--overwrite")
    assert "kz_az_2023: 0 added, 0 overwritten" in output
    assert "kz_az_2023_followup: 0 added, 0 overwritten" in output
    assert history_rows() == before


def test_a_withdrawn_document_and_event_stay_withdrawn(register):
    unpublish_documents(
        documents=models.Document.objects.filter(slug=TREATY), user=None
    )
    unpublish_events(events=models.Event.objects.filter(slug=VISIT), user=None)
    output = sync("kz_az_2023", "--apply", "--overwrite")
    assert not models.Document.objects.get(slug=TREATY).is_published
    assert not models.Event.objects.get(slug=VISIT).is_published
    assert f"= agreements.document {TREATY}: publication" in output
    assert "is_published: register False, fixture True" in output


def test_a_staff_edit_is_kept_and_listed_without_overwrite(register):
    source = models.Source.objects.get(url=SOURCE)
    source.publisher = "Day.Az (corrected by staff)"
    source.save()
    output = sync("kz_az_2023", "--apply")
    source.refresh_from_db()
    assert source.publisher == "Day.Az (corrected by staff)"
    assert f"~ agreements.source {SOURCE}: changed in the register, kept" in output
    assert "publisher: register “Day.Az (corrected by staff)”, fixture “Day.Az”" in (
        output
    )
    assert not source.history.filter(history_change_reason=REASON).exists()


def test_overwrite_replaces_a_staff_edit_with_a_history_entry(register):
    source = models.Source.objects.get(url=SOURCE)
    source.publisher = "Day.Az (corrected by staff)"
    source.save()
    output = sync("kz_az_2023", "--apply", "--overwrite")
    source.refresh_from_db()
    assert source.publisher == "Day.Az"
    assert f"! agreements.source {SOURCE}: overwritten" in output
    latest = source.history.first()
    assert latest.history_change_reason == REASON
    assert latest.history_type == "~"
    assert latest.publisher == "Day.Az"
    assert latest.prev_record.publisher == "Day.Az (corrected by staff)"


def test_overwriting_a_versioned_record_moves_its_version(register):
    # A change form opened before the sync is then refused, not written over it.
    body = models.Body.objects.get(slug="azertac")
    body.name = "Edited"
    body.save()
    version = models.Body.objects.get(pk=body.pk).version
    sync("kz_az_2023", "--apply", "--overwrite")
    body.refresh_from_db()
    assert body.name != "Edited"
    assert body.version == version + 1


def test_topics_removed_by_staff_are_kept_unless_overwritten(register):
    document = models.Document.objects.get(slug=TREATY)
    document.topics.clear()
    output = sync("kz_az_2023", "--apply")
    assert "topics: register [], fixture ['" in output
    assert not document.topics.exists()
    sync("kz_az_2023", "--apply", "--overwrite")
    assert list(document.topics.values_list("slug", flat=True)) == ["politics"]
    assert document.history.first().history_change_reason == REASON
    document.refresh_from_db()
    assert document.is_published  # published before, published after


def test_deleted_records_are_added_again(register):
    party = models.Party.objects.get(document__slug=AZERTAC, body__slug="azertac")
    party_key = party.natural_key()
    citations = models.DocumentCitation.objects.filter(document__slug=TREATY)
    deleted = citations.count()
    cascaded = party.citations.count()  # deleted with the party
    assert cascaded
    party.delete()
    citations.delete()
    output = sync("kz_az_2023", "--apply")
    assert models.Party.objects.get_by_natural_key(*party_key)
    assert models.DocumentCitation.objects.filter(document__slug=TREATY).count() == (
        deleted
    )
    assert f"kz_az_2023: {deleted + 1 + cascaded} added" in output
    restored = models.Party.objects.get_by_natural_key(*party_key)
    assert restored.citations.count() == cascaded
    assert restored.history.get().history_change_reason == REASON


def test_a_deleted_document_comes_back_as_a_draft(register):
    models.Document.objects.get(slug=AZERTAC).delete()
    output = sync("kz_az_2023", "--apply")
    document = models.Document.objects.get(slug=AZERTAC)
    assert not document.is_published
    assert document.published_at is None
    assert document.parties.count() == 2
    assert document.topics.exists()
    assert f"+ agreements.document {AZERTAC}: added as a draft" in output


def test_publish_new_publishes_what_the_fixture_publishes(register):
    models.Document.objects.get(slug=AZERTAC).delete()
    output = sync("kz_az_2023", "--apply", "--publish-new")
    document = models.Document.objects.get(slug=AZERTAC)
    assert document.is_published
    assert document.published_at is not None
    assert document.history.first().is_published  # the publication is in history
    assert "added and published (--publish-new)" in output


def test_the_follow_up_status_is_not_reverted_by_the_older_fixture(register):
    # kz_az_2023 has the fibre memorandum before its follow-up ("unknown"); the
    # register's status comes from its recorded updates and stays.
    output = sync("kz_az_2023", "--apply", "--overwrite")
    status = models.Document.objects.get(slug=FIBRE).follow_up_status
    assert status == models.Document.FollowUpStatus.IN_PROGRESS
    assert "follow_up_status: register “in_progress”, fixture “unknown”" in output


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(register):
    models.Document.objects.get(slug=AZERTAC).delete()
    source = models.Source.objects.get(url=SOURCE)
    source.publisher = "Edited"
    source.save()
    before = history_rows()
    output = sync("kz_az_2023", "--overwrite")
    assert not models.Document.objects.filter(slug=AZERTAC).exists()
    assert models.Source.objects.get(url=SOURCE).publisher == "Edited"
    assert history_rows() == before
    assert f"+ agreements.document {AZERTAC}: would be added as a draft" in output
    assert f"! agreements.source {SOURCE}: would be overwritten" in output
    assert "Dry run: nothing written." in output
    assert sync("kz_az_2023", "--dry-run") == sync("kz_az_2023", "--dry-run")


def test_an_empty_register_gets_the_whole_fixture_as_drafts():
    call_command("sync_fixture", "kz_az_2023", "--apply", stdout=StringIO())
    assert models.Document.objects.count() == 12
    assert not models.Document.objects.filter(is_published=True).exists()
    assert not models.Event.objects.filter(is_published=True).exists()


def test_an_unknown_fixture_or_both_modes_are_refused(register):
    with pytest.raises(CommandError, match="No fixture named 'nothing_here'"):
        sync("nothing_here")
    with pytest.raises(CommandError):
        sync("kz_az_2023", "--dry-run", "--apply")
