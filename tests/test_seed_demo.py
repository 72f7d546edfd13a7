"""``seed_demo``: a realistic demo register, reproducible for a seed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q

from agreements import models
from tests import factories

pytestmark = pytest.mark.django_db


def seed_demo(documents=200, seed=5, **options):
    out = StringIO()
    call_command("seed_demo", documents=documents, seed=seed, stdout=out, **options)
    return out.getvalue()


def demo_documents():
    return models.Document.objects.filter(slug__startswith="demo-")


def register_snapshot():
    """What a reader sees of the demo: slugs and titles, in a stable order."""
    return {
        "documents": list(
            demo_documents().order_by("slug").values_list("slug", "title")
        ),
        "bodies": list(
            models.Body.objects.filter(slug__startswith="demo-")
            .order_by("slug")
            .values_list("slug", "name")
        ),
        "events": list(
            models.Event.objects.filter(slug__startswith="demo-")
            .order_by("slug")
            .values_list("slug", "title")
        ),
    }


def values(queryset, field):
    return set(queryset.values_list(field, flat=True).distinct())


def test_seed_demo_creates_the_documents_asked_for():
    seed_demo(documents=200)

    assert demo_documents().count() == 200
    assert models.Document.objects.count() == 200


def test_every_document_has_two_parties_and_some_have_three():
    seed_demo(documents=200)

    parties = demo_documents().annotate(parties_count=Count("parties"))
    assert not parties.filter(parties_count__lt=2).exists()
    assert parties.filter(parties_count=3).exists()
    # "Bilateral": the first two parties come from two different countries.
    for document in demo_documents().prefetch_related("parties__body")[:50]:
        first, second = sorted(document.parties.all(), key=lambda p: p.order)[:2]
        assert first.body.country_id != second.body.country_id


def test_dates_keep_their_order_in_the_database():
    seed_demo(documents=300)

    documents = demo_documents()
    assert not documents.filter(entered_into_force_on__lt=F("signed_on")).exists()
    assert not documents.filter(ended_on__lt=F("signed_on")).exists()
    assert not documents.filter(valid_until__lt=F("valid_from")).exists()
    assert not models.BodyName.objects.filter(valid_until__lt=F("valid_from")).exists()
    assert not models.Event.objects.filter(end_date__lt=F("date")).exists()
    # The checks above see real dates, not only empty ones.
    assert documents.exclude(entered_into_force_on=None).exists()
    assert documents.exclude(ended_on=None).exists()
    assert documents.exclude(valid_until=None).exists()
    first = documents.order_by("signed_on").first().signed_on
    last = documents.order_by("signed_on").last().signed_on
    assert first.year >= 1995 and last.year <= 2026
    assert last.year - first.year >= 20


def test_relations_point_to_earlier_documents():
    seed_demo(documents=300)

    relations = models.Relation.objects.all()
    assert relations.exists()
    assert not relations.filter(
        to_document__signed_on__gte=F("from_document__signed_on")
    ).exists()


def test_documents_a_newer_one_supersedes_are_marked_superseded():
    seed_demo(documents=600)

    superseded = models.Document.objects.filter(
        relations_to__kind=models.Relation.Kind.SUPERSEDES
    )
    assert superseded.exists()
    assert not superseded.exclude(
        legal_status=models.Document.LegalStatus.SUPERSEDED
    ).exists()
    assert not superseded.filter(ended_on=None).exists()


def test_most_documents_are_published_but_not_all():
    seed_demo(documents=300)

    published = demo_documents().filter(is_published=True).count()
    assert 0.8 * 300 <= published < 300


def test_every_kind_and_status_appears_in_a_larger_register():
    seed_demo(documents=600)

    documents = demo_documents()
    assert values(documents, "kind") == set(models.Document.Kind.values)
    assert values(documents, "legal_status") == set(models.Document.LegalStatus.values)
    assert values(documents, "follow_up_status") == set(
        models.Document.FollowUpStatus.values
    )
    assert values(models.Body.objects, "kind") == set(models.Body.Kind.values)
    assert values(models.Event.objects, "kind") == set(models.Event.Kind.values)
    assert values(models.Relation.objects, "kind") == set(models.Relation.Kind.values)
    assert values(models.DocumentCitation.objects, "confidence") == set(
        models.Confidence.values
    )
    # Topics come from the migration; documents use them.
    assert models.Topic.objects.filter(documents__isnull=False).distinct().count() > 8


def test_the_register_looks_like_the_real_one():
    seed_demo(documents=600)

    assert models.Country.objects.filter(bodies__isnull=False).distinct().count() > 10
    assert models.Body.objects.exclude(parent=None).exists()
    assert models.BodyName.objects.exists()
    assert models.PartyCitation.objects.exists()
    assert models.EventCitation.objects.exists()
    assert models.DocumentTitle.objects.exists()
    # Sources leave signatories and positions out now and then.
    assert models.Party.objects.filter(signatory_name="").exists()
    assert models.Party.objects.filter(signatory_position="").exists()
    assert models.Party.objects.exclude(signatory_name="").exists()
    # Some events report more documents than are recorded, some fewer, some none.
    events = models.Event.objects.with_recorded_count()
    assert events.filter(documents_reported=None).exists()
    assert events.filter(documents_reported__gt=F("documents_recorded")).exists()
    assert events.filter(documents_reported__lt=F("documents_recorded")).exists()
    assert events.filter(documents_reported=F("documents_recorded")).exists()
    # Documents of an event were signed while it lasted.
    at_events = demo_documents().exclude(event=None)
    assert at_events.exists()
    assert not at_events.filter(signed_on__lt=F("event__date")).exists()
    assert not at_events.filter(
        Q(event__end_date=None, signed_on__gt=F("event__date"))
        | Q(signed_on__gt=F("event__end_date"))
    ).exists()


def test_slugs_are_readable_and_unique():
    seed_demo(documents=200)

    document = demo_documents().order_by("slug").first()
    parties = document.parties.order_by("order").select_related("body__country")
    first, second = (party.body.country.code.lower() for party in parties[:2])
    kind = document.kind.replace("_", "-")
    assert document.slug.startswith(
        f"demo-{kind}-{first}-{second}-{document.signed_on.isoformat()}-"
    )
    assert demo_documents().values("slug").distinct().count() == 200


def test_the_same_seed_builds_the_same_register():
    seed_demo(documents=200, seed=11)
    first = register_snapshot()

    seed_demo(documents=200, seed=11, replace=True)

    assert register_snapshot() == first
    assert len(first["documents"]) == 200


def test_another_seed_builds_another_register():
    seed_demo(documents=200, seed=11)
    first = register_snapshot()

    seed_demo(documents=200, seed=12, replace=True)

    assert register_snapshot()["documents"] != first["documents"]


def test_a_second_run_refuses_while_demo_data_is_there():
    seed_demo(documents=50)

    with pytest.raises(CommandError, match="already holds demo data.*--replace"):
        seed_demo(documents=50)
    assert demo_documents().count() == 50


def test_replace_keeps_data_that_is_not_the_demo():
    own = factories.bilateral_document(slug="kz-az-memorandum-2023")

    seed_demo(documents=100)
    seed_demo(documents=80, replace=True)

    assert demo_documents().count() == 80
    own.refresh_from_db()
    assert own.parties.count() == 2
    assert models.Document.objects.count() == 81


def test_search_finds_demo_documents_by_party_name():
    seed_demo(documents=100)

    party = models.Party.objects.select_related("document", "body").first()
    found = models.Document.objects.search(party.body.name)
    assert party.document in found
    # The search triggers are back: a new title is searchable at once.
    factories.DocumentTitleFactory(document=party.document, title="Zzyzx accord")
    assert list(models.Document.objects.search("zzyzx")) == [party.document]


def test_progress_and_a_summary_are_printed():
    output = seed_demo(documents=200)

    assert "100%  200/200 documents" in output
    assert "Seeded 200 demo documents in" in output
    assert "parties" in output and "relations" in output


def test_documents_must_be_positive():
    with pytest.raises(CommandError, match="at least 1"):
        seed_demo(documents=0)
