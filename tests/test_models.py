"""Invariants: each held by the database and mirrored in ``full_clean`` with a message
that names the field."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.models import Body, Country, Document, Event, Party, Relation
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    DocumentFactory,
    EventFactory,
    PartyFactory,
    RelationFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2023, 4, 10)
BEFORE = datetime.date(2023, 4, 9)


def assert_integrity_error(save):
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def test_countries_come_from_the_migration():
    assert Country.objects.count() == 249
    assert Country.objects.get(code="KZ").name == "Kazakhstan"
    assert Country.objects.get(code="AZ").name == "Azerbaijan"


def test_country_code_must_be_two_capital_letters_in_the_database():
    assert_integrity_error(lambda: Country.objects.create(code="k1", name="Nowhere"))


def test_end_date_before_signature_is_refused_by_the_database():
    document = DocumentFactory(signed_on=SIGNED)
    document.ended_on = BEFORE
    assert_integrity_error(document.save)


def test_end_date_before_signature_is_refused_by_validation_naming_the_field():
    document = DocumentFactory.build(signed_on=SIGNED, ended_on=BEFORE)
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "ended_on" in error.value.message_dict
    assert "before the date of signature" in error.value.message_dict["ended_on"][0]


def test_entry_into_force_before_signature_is_refused_by_the_database():
    document = DocumentFactory(signed_on=SIGNED)
    document.entered_into_force_on = BEFORE
    assert_integrity_error(document.save)


def test_entry_into_force_before_signature_is_refused_by_validation():
    document = DocumentFactory.build(signed_on=SIGNED, entered_into_force_on=BEFORE)
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "entered_into_force_on" in error.value.message_dict


def test_entry_into_force_on_the_day_of_signature_is_allowed():
    document = DocumentFactory(signed_on=SIGNED, entered_into_force_on=SIGNED)
    document.full_clean()


def test_validity_period_must_be_in_order_in_the_database_and_in_validation():
    document = DocumentFactory(valid_from=datetime.date(2026, 1, 1))
    document.valid_until = datetime.date(2022, 1, 1)
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "valid_until" in error.value.message_dict
    assert_integrity_error(document.save)


def test_document_slugs_are_unique_in_the_database_and_in_validation():
    DocumentFactory(slug="protocol-2023")
    clash = DocumentFactory.build(slug="protocol-2023")
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert "slug" in error.value.message_dict
    assert_integrity_error(clash.save)


@pytest.mark.parametrize("factory", [BodyFactory, EventFactory])
def test_body_and_event_slugs_are_unique(factory):
    factory(slug="taken")
    clash = factory.build(slug="taken", country=Country.objects.get(code="KZ"))
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert "slug" in error.value.message_dict
    assert_integrity_error(clash.save)


def test_a_body_signs_a_document_at_most_once_in_the_database():
    party = PartyFactory()
    assert_integrity_error(
        lambda: Party.objects.create(document=party.document, body=party.body, order=9)
    )


def test_a_second_signature_by_the_same_body_is_refused_naming_the_body_field():
    party = PartyFactory()
    second = Party(document=party.document, body=party.body, order=2)
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert error.value.message_dict["body"] == [
        "This body already signed this document."
    ]


def test_two_sides_cannot_share_an_order_position():
    party = PartyFactory(order=1)
    assert_integrity_error(lambda: PartyFactory(document=party.document, order=1))


def test_a_document_cannot_relate_to_itself():
    document = DocumentFactory()
    relation = Relation(from_document=document, to_document=document, kind="amends")
    with pytest.raises(ValidationError) as error:
        relation.full_clean()
    assert "to_document" in error.value.message_dict
    assert_integrity_error(relation.save)


def test_the_same_relation_is_recorded_once():
    relation = RelationFactory()
    assert_integrity_error(
        lambda: Relation.objects.create(
            from_document=relation.from_document,
            to_document=relation.to_document,
            kind=relation.kind,
        )
    )


def test_relations_read_from_both_ends():
    relation = RelationFactory(kind=Relation.Kind.IMPLEMENTS)
    assert (
        relation.from_document.relations_from.get().to_document == relation.to_document
    )
    incoming = relation.to_document.relations_to.get()
    assert incoming.from_document == relation.from_document
    assert incoming.inverse_label == "implemented by"


def test_event_end_date_cannot_precede_its_start():
    event = EventFactory(date=SIGNED)
    event.end_date = BEFORE
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "end_date" in error.value.message_dict
    assert_integrity_error(event.save)


def test_former_name_periods_are_ordered():
    former = BodyNameFactory()
    former.valid_until = datetime.date(2000, 1, 1)
    with pytest.raises(ValidationError) as error:
        former.full_clean()
    assert "valid_until" in error.value.message_dict
    assert_integrity_error(former.save)


def test_a_body_cannot_be_its_own_parent():
    body = BodyFactory()
    body.parent = body
    with pytest.raises(ValidationError) as error:
        body.full_clean()
    assert "parent" in error.value.message_dict
    assert_integrity_error(body.save)


def test_a_document_shows_the_name_a_body_had_when_it_signed():
    body = BodyFactory(name="Ministry of Culture and Information")
    BodyNameFactory(
        body=body,
        name="Ministry of Information and Social Development",
        valid_from=datetime.date(2019, 1, 1),
        valid_until=datetime.date(2023, 8, 31),
    )
    old = PartyFactory(body=body, document__signed_on=datetime.date(2023, 4, 10))
    new = PartyFactory(body=body, document__signed_on=datetime.date(2024, 3, 11))
    assert old.body_name_at_signing == "Ministry of Information and Social Development"
    assert new.body_name_at_signing == "Ministry of Culture and Information"


def test_published_hides_unpublished_documents():
    shown = DocumentFactory(is_published=True)
    DocumentFactory(is_published=False)
    assert list(Document.objects.published()) == [shown]


def test_new_documents_and_events_are_drafts():
    assert Document().is_published is False
    assert Event().is_published is False


@pytest.mark.parametrize(
    ("factory", "model"), [(DocumentFactory, Document), (EventFactory, Event)]
)
def test_an_unpublished_record_names_no_publisher_in_the_database(
    factory, model, django_user_model
):
    publisher = django_user_model.objects.create_user("dana.publisher")
    record = factory(is_published=False)
    assert_integrity_error(
        lambda: model.objects.filter(pk=record.pk).update(published_by=publisher)
    )
    assert_integrity_error(
        lambda: model.objects.filter(pk=record.pk).update(
            published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        )
    )
    # Published, it may (and a publisher's publishing does).
    model.objects.filter(pk=record.pk).update(is_published=True, published_by=publisher)


@pytest.mark.parametrize(
    ("factory", "model"), [(DocumentFactory, Document), (EventFactory, Event)]
)
def test_an_unpublished_record_naming_a_publisher_fails_full_clean(
    factory, model, django_user_model
):
    record = factory(is_published=False)
    record.published_by = django_user_model.objects.create_user("dana.publisher")
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert error.value.messages == [
        "An unpublished record has no publisher and no publication time."
    ]


def test_event_counts_recorded_documents_against_reported():
    event = EventFactory(documents_reported=6)
    for _ in range(4):
        bilateral_document(event=event)
    bilateral_document(event=event, is_published=False)
    public = Event.objects.with_recorded_count().get(pk=event.pk)
    staff = Event.objects.with_recorded_count(published_only=False).get(pk=event.pk)
    assert public.documents_recorded == 4
    assert staff.documents_recorded == 5
    assert public.reconciliation(public.documents_recorded) == {
        "reported": 6,
        "recorded": 4,
        "inferred": 0,
        "missing": 2,
    }


def test_with_parties_prefetches_bodies_without_a_query_per_row(
    django_assert_max_num_queries,
):
    for _ in range(10):
        bilateral_document()
    BodyNameFactory(
        body=Document.objects.first().parties.first().body,
        name="Ministry of Information",
        valid_until=datetime.date(2100, 1, 1),
    )
    # keeps the page free of N+1 queries: documents, parties, former names, each
    # read into a list
    with django_assert_max_num_queries(3):
        names = [
            p.body_name_at_signing + p.body.country.code
            for d in Document.objects.with_parties()
            for p in d.listed_parties
        ]
    assert len(names) == 20
    assert sum(name.startswith("Ministry of Information") for name in names) == 1


@pytest.mark.parametrize(
    ("model", "instance_factory"),
    [
        (Document, DocumentFactory),
        (Body, BodyFactory),
        (Event, EventFactory),
    ],
)
def test_public_models_have_stable_urls(model, instance_factory):
    instance = instance_factory(slug="a-stable-slug")
    assert instance.get_absolute_url().endswith("/a-stable-slug/")
    assert model.objects.get_by_natural_key("a-stable-slug") == instance
