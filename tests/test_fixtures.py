"""The 10 April 2023 fixture: what it holds; it loads anywhere, twice, atomically."""

import datetime
import json

import pytest
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError

from agreements import models
from tests.factories import (
    BodyNameFactory,
    DocumentCitationFactory,
    DocumentTitleFactory,
    EventCitationFactory,
    PartyCitationFactory,
    PartyStepFactory,
    RelationFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

VISIT = "aliyev-official-visit-astana-2023-04-10"
BAKU_VISIT = "tokayev-visit-baku-2022-08"
ASTANA_TIMES = (
    "https://astanatimes.com/2023/04/kazakhstan-azerbaijan-reiterate-commitment-to-"
    "strengthen-ties/"
)
KAZINFORM_2022 = (
    "https://www.inform.kz/en/kazakh-azerbaijani-presidents-hold-extended-talks_"
    "a3970728/amp"
)
NEWS_CENTRAL_ASIA = (
    "https://www.newscentralasia.net/2023/04/11/azerbaijan-and-kazakhstan-results-of-"
    "the-summit-talks-countries-to-set-the-supreme-interstate-council/"
)
DIGITAL_SILK_WAY = "https://www.digitalsilkway.az/page/36/azerbaijan-kazakhstan-route"
PACKAGE = {
    "kz-az-2023-protocol-supreme-interstate-council",
    "kz-az-2023-joint-statement-of-the-presidents",
    "kz-az-2023-mou-information-social-development-youth-sports",
    "kz-az-2023-mou-scientific-cooperation-academies-of-sciences",
    "kz-az-2023-mou-foreign-trade-chamber-smbda",
    "kz-az-2023-mou-tv-radio-complex-azertac",
}
REGISTER_MODELS = [
    models.Source,
    models.Body,
    models.BodyName,
    models.Event,
    models.EventCitation,
    models.Document,
    models.DocumentTitle,
    models.DocumentCitation,
    models.Party,
    models.PartyCitation,
    models.PartyStep,
    models.Relation,
]


def snapshot():
    """The whole register, serialised with natural keys only (no primary keys)."""
    dump = {}
    for model in REGISTER_MODELS:
        data = json.loads(
            serializers.serialize(
                "json",
                model.objects.all(),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        )
        for row in data:
            row["fields"].pop("updated_at", None)
            row["fields"].pop("created_at", None)
        dump[model._meta.label] = sorted(
            data, key=lambda row: json.dumps(row, sort_keys=True)
        )
    return dump


def empty_register():
    for model in reversed(REGISTER_MODELS):
        model.objects.all().delete()


@pytest.fixture
def kz_az_2023():
    call_command("loaddata", "kz_az_2023", verbosity=0)


def test_the_visit_reports_six_documents_and_records_six(kz_az_2023):
    event = models.Event.objects.with_recorded_count().get(slug=VISIT)
    assert event.date == datetime.date(2023, 4, 10)
    assert event.city == "Astana"
    assert event.country.code == "KZ"
    assert event.kind == models.Event.Kind.OFFICIAL_VISIT
    assert event.reconciliation(event.documents_recorded, event.documents_inferred) == {
        "reported": 6,
        "recorded": 6,
        "inferred": 3,
        "missing": 0,
    }
    assert set(event.documents.values_list("slug", flat=True)) == PACKAGE


def test_all_six_are_published_and_signed_on_10_april_2023(kz_az_2023):
    package = models.Document.objects.filter(slug__in=PACKAGE)
    assert package.count() == 6
    assert all(d.is_published for d in package)
    assert {d.signed_on for d in package} == {datetime.date(2023, 4, 10)}


def test_signed_at_the_visit_and_counted_among_the_six_are_two_claims(kz_az_2023):
    claims = {
        d.slug: (d.event_signing_confidence, d.event_confidence)
        for d in models.Document.objects.filter(event__slug=VISIT)
    }
    confirmed_inferred = ("confirmed", "inferred")
    assert claims == {
        "kz-az-2023-protocol-supreme-interstate-council": confirmed_inferred,
        "kz-az-2023-joint-statement-of-the-presidents": confirmed_inferred,
        "kz-az-2023-mou-tv-radio-complex-azertac": confirmed_inferred,
        "kz-az-2023-mou-information-social-development-youth-sports": (
            "reported",
            "reported",
        ),
        "kz-az-2023-mou-scientific-cooperation-academies-of-sciences": (
            "reported",
            "reported",
        ),
        "kz-az-2023-mou-foreign-trade-chamber-smbda": ("reported", "reported"),
    }
    # the inferred citations claim the place among the six, and nothing more
    inferred = models.DocumentCitation.objects.filter(
        document__event__slug=VISIT, confidence=models.Confidence.INFERRED
    )
    assert {(c.document.slug, c.source.url) for c in inferred} == {
        (slug, ASTANA_TIMES)
        for slug, (_, counted) in claims.items()
        if counted == "inferred"
    }
    assert set(inferred.values_list("claim", flat=True)) == {
        "counted among the six documents reported for the visit"
    }
    for citation in inferred:
        assert "the register's inference" in citation.note
        assert "signing during the visit is a separate fact" in citation.note
    assert not models.DocumentCitation.objects.filter(
        claim__icontains="one of the six"
    ).exists()
    # each signing is confirmed by a source of its own
    for slug, (signed, _) in claims.items():
        if signed == "confirmed":
            assert (
                models.DocumentCitation.objects.filter(
                    document__slug=slug, confidence="confirmed"
                )
                .exclude(source__url=ASTANA_TIMES)
                .exists()
            ), slug
    event = models.Event.objects.get(slug=VISIT)
    assert "rests on that inference" in event.description


def test_the_azertac_memorandum_place_in_the_package_is_marked_inferred(kz_az_2023):
    azertac = models.Document.objects.get(
        slug="kz-az-2023-mou-tv-radio-complex-azertac"
    )
    assert azertac.event_signing_confidence == models.Confidence.CONFIRMED
    assert azertac.event_confidence == models.Confidence.INFERRED
    assert azertac.citations.filter(confidence=models.Confidence.INFERRED).exists()
    assert azertac.citations.get(confidence="confirmed").source.url == (
        "https://www.inform.kz/en/memorandum-of-cooperation-signed-btw-tv-and-radio-"
        "complex-of-kazakh-president-azertac_a4055311/amp"
    )
    signatories = {
        p.body.short_name or p.body.name: (p.signatory_name, p.signatory_position)
        for p in azertac.parties.select_related("body")
    }
    assert signatories == {
        "TV and Radio Complex of the President of the Republic of Kazakhstan": (
            "Raushan Kazhibayeva",
            "Director-General",
        ),
        "AZERTAC": ("Vugar Aliyev", "Chairman of the Board"),
    }


def test_the_three_seed_memoranda_have_no_invented_signatories(kz_az_2023):
    memoranda = models.Party.objects.filter(
        document__slug__in=[
            "kz-az-2023-mou-information-social-development-youth-sports",
            "kz-az-2023-mou-scientific-cooperation-academies-of-sciences",
            "kz-az-2023-mou-foreign-trade-chamber-smbda",
        ]
    )
    assert memoranda.count() == 6
    assert set(memoranda.values_list("signatory_name", flat=True)) == {""}
    # office-holders at the time are noted as inferences, never as signatories
    inferred = models.PartyCitation.objects.filter(party__in=memoranda)
    assert inferred.count() == 4
    assert set(inferred.values_list("confidence", flat=True)) == {"inferred"}


def test_the_protocol_is_signed_by_both_presidents_and_implements_the_declaration(
    kz_az_2023,
):
    protocol = models.Document.objects.get(
        slug="kz-az-2023-protocol-supreme-interstate-council"
    )
    assert protocol.kind == models.Document.Kind.PROTOCOL
    assert list(protocol.parties.values_list("signatory_name", flat=True)) == [
        "Kassym-Jomart Tokayev",
        "Ilham Aliyev",
    ]
    relation = protocol.relations_from.get()
    assert relation.kind == models.Relation.Kind.IMPLEMENTS
    assert relation.to_document.signed_on == datetime.date(2022, 8, 24)
    assert relation.to_document.kind == models.Document.Kind.DECLARATION
    assert protocol.titles.get(language="ru").title.startswith("Протокол о создании")


def test_the_earlier_documents_are_there_with_their_dates(kz_az_2023):
    earlier = dict(
        models.Document.objects.exclude(event__slug=VISIT).values_list(
            "kind", "signed_on"
        )
    )
    assert earlier["treaty"] == datetime.date(2005, 5, 24)
    assert earlier["declaration"] == datetime.date(2022, 8, 24)
    assert earlier["programme"] == datetime.date(2022, 8, 24)
    programme = models.Document.objects.get(kind="programme")
    assert (programme.valid_from.year, programme.valid_until.year) == (2022, 2026)
    assert "inference" in programme.validity_note


def test_the_baku_visit_of_2022_was_an_official_visit_with_10_documents(kz_az_2023):
    event = models.Event.objects.with_recorded_count().get(slug=BAKU_VISIT)
    assert (event.kind, event.date, event.city) == (
        models.Event.Kind.OFFICIAL_VISIT,
        datetime.date(2022, 8, 24),
        "Baku",
    )
    assert event.reconciliation(event.documents_recorded, event.documents_inferred) == {
        "reported": 10,
        "recorded": 2,
        "inferred": 0,
        "missing": 8,
    }
    count = event.citations.get(claim="official visit; 10 documents signed")
    assert count.source.url == KAZINFORM_2022
    assert count.confidence == models.Confidence.CONFIRMED
    assert "10 documents" in count.note
    for document in event.documents.all():
        assert document.event_signing_confidence == "confirmed", document.slug
        assert document.event_confidence == "confirmed", document.slug


def test_the_declaration_variant_titles_cite_their_sources(kz_az_2023):
    declaration = models.Document.objects.get(kind="declaration")
    variants = {
        t.title: (t.language, t.is_official, t.source.url)
        for t in declaration.titles.select_related("source")
    }
    assert variants == {
        "Declaration on Strengthening Strategic Relations and Deepening Allied "
        "Cooperation": ("en", False, NEWS_CENTRAL_ASIA),
        "Declaration on Deepening Strategic Partnership and Expanding Allied "
        "Relations": ("en", False, "https://president.az/en/articles/view/57014"),
    }
    assert not models.DocumentTitle.objects.filter(source__isnull=True).exists()


def test_the_2019_agreement_parties_are_confirmed_with_their_approvals(kz_az_2023):
    parties = {
        p.body.slug: p
        for p in models.Party.objects.filter(
            document__slug="az-kz-2019-agreement-caspian-fibre-optic-lines"
        ).select_related("body")
    }
    assert set(parties) == {"republic-of-azerbaijan", "republic-of-kazakhstan"}
    assert "11 April 2019" in parties["republic-of-azerbaijan"].note
    assert "17 May 2019" in parties["republic-of-kazakhstan"].note
    for party in parties.values():
        assert party.signatory_name == ""
        citations = {c.claim: c for c in party.citations.select_related("source")}
        assert citations["party"].confidence == models.Confidence.CONFIRMED
        assert {c.source.url for c in citations.values()} == {DIGITAL_SILK_WAY}
        assert len(citations) == 2
    approvals = models.PartyCitation.objects.filter(claim__startswith="approval by")
    assert sorted(approvals.values_list("claim", flat=True)) == [
        "approval by Azerbaijan (11 April 2019)",
        "approval by the Government of Kazakhstan (17 May 2019)",
    ]


def test_the_joint_statement_refers_to_the_2005_treaty_and_2022_declaration(
    kz_az_2023,
):
    statement = models.Document.objects.get(kind="joint_statement")
    assert set(
        statement.relations_from.values_list("to_document__kind", flat=True)
    ) == {
        "treaty",
        "declaration",
    }


def test_every_document_and_event_cites_a_source_and_every_citation_has_one(
    kz_az_2023,
):
    assert not models.Document.objects.filter(citations__isnull=True).exists()
    for model in (
        models.DocumentCitation,
        models.EventCitation,
        models.PartyCitation,
    ):
        assert not model.objects.filter(source__isnull=True).exists()
    assert not models.Source.objects.filter(publisher="").exists()
    with_event = models.Document.objects.filter(event__isnull=False)
    assert not with_event.filter(event_signing_confidence="").exists()
    assert not with_event.filter(event_confidence="").exists()
    without_event = models.Document.objects.filter(event__isnull=True)
    assert set(without_event.values_list("event_signing_confidence", flat=True)) == {""}
    assert not models.Event.objects.filter(citations__isnull=True).exists()
    confidences = set(
        models.DocumentCitation.objects.values_list("confidence", flat=True)
    )
    assert confidences == {"confirmed", "reported", "inferred"}
    for relation in models.Relation.objects.all():
        assert relation.source is not None


def test_every_document_has_two_parties(kz_az_2023):
    for document in models.Document.objects.all():
        assert document.parties.count() >= 2, document.slug


def test_loading_the_fixture_twice_changes_nothing(kz_az_2023):
    before = snapshot()
    call_command("loaddata", "kz_az_2023", verbosity=0)
    assert snapshot() == before
    assert models.Document.objects.count() == 12


def test_natural_keys_round_trip_through_dumpdata(tmp_path):
    """dumpdata then loaddata into an empty register gives the same register."""
    call_command("loaddata", "kz_az_2023", verbosity=0)
    document = bilateral_document(title="Протокол о сотрудничестве")
    RelationFactory(from_document=document)
    DocumentTitleFactory(document=document)
    DocumentCitationFactory(document=document)
    PartyCitationFactory(party=document.parties.first())
    PartyStepFactory(party=document.parties.first(), act_number="250-VI")
    EventCitationFactory()
    BodyNameFactory(body=document.parties.first().body)
    before = snapshot()
    path = tmp_path / "register.json"
    call_command(
        "dumpdata",
        *[model._meta.label_lower for model in REGISTER_MODELS],
        natural_foreign=True,
        natural_primary=True,
        output=str(path),
        verbosity=0,
    )
    assert '"pk"' not in path.read_text()
    empty_register()
    assert models.Document.objects.count() == 0
    call_command("loaddata", str(path), verbosity=0)
    assert snapshot() == before


def test_a_fixture_naming_a_missing_body_fails_and_loads_nothing(tmp_path):
    broken = json.loads(_read_fixture())
    for row in broken:
        if row["model"] == "agreements.party":
            row["fields"]["body"] = ["no-such-body"]
            break
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(DeserializationError) as error:
        call_command("loaddata", str(path), verbosity=0)
    assert "names a body that does not exist" in str(error.value)
    assert "kz-az-2005-treaty-strategic-partnership" in str(error.value)
    assert models.Document.objects.count() == 0
    assert models.Source.objects.count() == 0


def _read_fixture():
    from django.conf import settings

    return (settings.FIXTURE_DIRS[0] / "kz_az_2023.json").read_text()


def test_bootstrap_loads_the_register_once_and_creates_one_admin(settings):
    from io import StringIO

    from django.contrib.auth import get_user_model

    settings.DEBUG = True
    out = StringIO()
    call_command("bootstrap", stdout=out)
    # the 12 of kz_az_2023 and the 9 described from the Council's first meeting
    assert models.Document.objects.count() == 12 + 9
    assert "password:" in out.getvalue()
    out = StringIO()
    call_command("bootstrap", stdout=out)
    assert "password" not in out.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert models.Document.objects.count() == 12 + 9


def test_bootstrap_creates_no_admin_with_debug_off(settings):
    from django.contrib.auth import get_user_model

    settings.DEBUG = False
    call_command("bootstrap", verbosity=0)
    assert not get_user_model().objects.exists()
