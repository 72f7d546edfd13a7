"""The two fixtures tell the truth: every fact has its source, an inference is marked
as one, an action's date is its newest statement's, and a forecast is never counted
as a missed deadline. Then the corrections of the December 2026 review, one by one."""

import datetime
import json

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from agreements.models import (
    Action,
    ActionCitation,
    Basis,
    Confidence,
    DateKind,
    Document,
    DocumentCitation,
    DocumentTitle,
    DuePrecision,
    Event,
    EventCitation,
    Party,
    PartyCitation,
    ProgressUpdate,
    Source,
)
from agreements.models.followup import period_end

pytestmark = pytest.mark.django_db

d = datetime.date
FIXTURES = ("kz_az_2023", "kz_az_2023_followup")
CITATIONS = ("documentcitation", "partycitation", "eventcitation", "actioncitation")
LATER = d(2027, 6, 1)

FIBRE = "kazakhtelecom-azertelecom-2022-memorandum-trans-caspian-fibre"
CABLE = "launch-trans-caspian-fibre-optic-line"
SIC1 = "kz-az-supreme-interstate-council-1st-meeting-2024-03-11"
TURAN = (
    "https://turan.az/en/politics/a-package-of-azerbaijani-kazakh-documents-has-been-"
    "signed"
)


def read(name):
    return json.loads((settings.FIXTURE_DIRS[0] / f"{name}.json").read_text())


def fixture_rows():
    return [row for name in FIXTURES for row in read(name)]


@pytest.fixture
def loaded():
    call_command("loaddata", *FIXTURES, verbosity=0)


def newest_statement(action):
    """The action's newest dated update: greatest date, then the last recorded."""
    return (
        action.updates.filter(expected_on__isnull=False)
        .order_by("-happened_on", "-created_at", "-id")
        .first()
    )


# --- Rules every row keeps ------------------------------------------------------------


def test_every_loaded_row_passes_its_model_validation(loaded):
    today = timezone.localdate()
    checked = 0
    for model in apps.get_app_config("agreements").get_models():
        if model._meta.label.startswith("agreements.Historical"):
            continue
        for row in model._default_manager.all():
            if hasattr(row, "today"):  # TodayAwareModel
                row.full_clean(today=today)
            else:
                row.full_clean()
            checked += 1
    assert checked > 500


def test_every_citation_and_update_in_the_files_names_a_source():
    rows = fixture_rows()
    urls = {r["fields"]["url"] for r in rows if r["model"] == "agreements.source"}
    for row in rows:
        model = row["model"].split(".")[1]
        if model in CITATIONS or model == "progressupdate":
            source = row["fields"]["source"]
            assert source and source[0] in urls, row
        if model in ("documenttitle", "relation"):
            assert row["fields"]["source"], row


def test_every_citation_and_update_has_a_source_with_a_publisher(loaded):
    for model in (
        DocumentCitation,
        PartyCitation,
        EventCitation,
        ActionCitation,
        ProgressUpdate,
    ):
        assert not model.objects.filter(source__isnull=True).exists(), model
    assert not Source.objects.filter(publisher="").exists()
    for model in (DocumentCitation, PartyCitation, EventCitation, ActionCitation):
        assert set(model.objects.values_list("confidence", flat=True)) <= set(
            Confidence.values
        )


def test_no_open_action_dated_by_a_forecast_is_reported_overdue(loaded):
    forecasts = Action.objects.open().filter(due_kind=DateKind.FORECAST)
    assert forecasts.exists()  # the fibre line: the rule is exercised
    for today in (LATER, timezone.localdate()):
        overdue = Action.objects.overdue(today)
        assert not overdue.filter(due_kind=DateKind.FORECAST).exists(), today
        assert not overdue.filter(pk__in=forecasts).exists(), today
        flagged = Action.objects.with_flags(today=today).filter(is_overdue=True)
        assert not flagged.filter(due_kind=DateKind.FORECAST).exists(), today
    # later than the forecast, the date has passed; it is not a missed deadline
    assert set(Action.objects.forecast_passed(LATER)) == set(forecasts)


def test_every_action_date_is_its_newest_statement(loaded):
    for action in Action.objects.all():
        newest = newest_statement(action)
        expected = (
            (newest.expected_on, newest.expected_kind, newest.expected_precision)
            if newest
            else (None, "", DuePrecision.DAY)
        )
        assert (action.due_on, action.due_kind, action.due_precision) == expected, (
            action.slug
        )


def test_every_date_statement_is_whole_and_says_who_made_it(loaded):
    statements = ProgressUpdate.objects.filter(expected_on__isnull=False)
    assert statements.count() == 9
    for update in statements:
        assert update.action_id, update
        assert update.expected_kind in DateKind.values, update
        assert update.stated_by, update
        assert update.expected_on == period_end(
            update.expected_on, update.expected_precision
        ), update
        # a statement records no change of status
        assert update.status_before == update.status_after, update
    assert not ProgressUpdate.objects.filter(
        expected_on__isnull=True, expected_kind__gt=""
    ).exists()
    assert not ProgressUpdate.objects.filter(
        expected_on__isnull=True, stated_by__gt=""
    ).exists()


def test_every_document_with_an_event_says_how_sure_both_claims_are(loaded):
    for document in Document.objects.all():
        if document.event_id:
            assert document.event_signing_confidence in Confidence.values, document
            assert document.event_confidence in Confidence.values, document
        else:
            assert document.event_signing_confidence == "", document
            assert document.event_confidence == "", document


def test_every_action_says_where_it_comes_from(loaded):
    assert not Action.objects.filter(basis="").exists()
    for action in Action.objects.all():
        assert action.basis in Basis.values, action.slug
        if action.basis == Basis.QUOTED:
            assert action.clause, action.slug
        if action.basis == Basis.INFERRED:
            tie = action.citations.get(claim="tie to this document")
            assert tie.confidence == Confidence.INFERRED, action.slug


def test_no_citation_puts_a_date_where_a_dated_update_belongs(loaded):
    assert not ActionCitation.objects.filter(claim__istartswith="due date").exists()


# --- The corrections ------------------------------------------------------------------


def test_the_cable_dates_are_statements_each_superseded_by_the_next(loaded):
    cable = Action.objects.get(document__slug=FIBRE, slug=CABLE)
    history = [
        (
            u.happened_on,
            u.expected_on,
            u.expected_precision,
            u.expected_kind,
            u.stated_by.split(",")[0],
            u.source.url,
        )
        for u in cable.updates.filter(expected_on__isnull=False).order_by("happened_on")
    ]
    end_2026 = (d(2026, 12, 31), "year", "forecast")
    assert history == [
        (
            d(2024, 9, 2),
            d(2025, 12, 31),
            "year",
            "plan",
            "President Kassym-Jomart Tokayev",
            "https://menafn.com/1108626329/Kazakhstan-To-Complete-Trans-Caspian-"
            "Fibre-Optic-Line-By-2025",
        ),
        (
            d(2025, 8, 6),
            *end_2026,
            "Trend's report of AzerTelecom's marine route survey (no named speaker)",
            "https://www.trend.az/business/transport/4077608.html",
        ),
        (
            d(2025, 11, 17),
            *end_2026,
            "Samaddin Asadov",
            "https://report.az/en/ict/work-on-laying-kazakhstan-azerbaijan-caspian-"
            "seabed-fiber-optic-cable-to-start-in-2026",
        ),
        (
            d(2025, 12, 26),
            d(2026, 9, 30),
            "quarter",
            "forecast",
            "Zhaslan Madiyev",
            "https://qazinform.com/news/timeline-for-trans-caspian-fiber-optic-"
            "project-revealed-ece36f",
        ),
        (
            d(2026, 1, 6),
            *end_2026,
            "Zhaslan Madiyev",
            "https://qazinform.com/news/kazakhstan-to-boost-internet-traffic-transit-"
            "via-caspian-fiber-optics-175e75",
        ),
        (
            d(2026, 2, 11),
            *end_2026,
            "President Ilham Aliyev",
            "https://report.az/en/ict/president-i-hope-that-the-project-to-lay-a-"
            "fiber-optic-cable-in-the-caspian-sea-will-be-completed-this-year",
        ),
    ]
    assert (cable.due_on, cable.due_precision, cable.due_kind) == end_2026
    assert cable.basis == Basis.REPORTED
    assert "planned for 2025" in cable.description
    assert "end of 2026" in cable.description
    # the plan for 2025 was not kept, and is not the date the line is measured by
    assert not Action.objects.overdue(d(2026, 6, 1)).exists()


def test_the_cable_milestone_of_3_march_2025_is_an_update_not_a_document(loaded):
    cable = Action.objects.get(document__slug=FIBRE, slug=CABLE)
    agreement = cable.updates.get(happened_on=d(2025, 3, 3))
    assert agreement.title == (
        "Agreement to design and construct the underwater line signed"
    )
    assert agreement.source.url == (
        "https://astanatimes.com/2025/03/kazakhstan-azerbaijan-sign-agreement-for-"
        "underwater-fiber-optic-communication-line/"
    )
    assert "Bektenov" in agreement.text
    assert "differ on who the parties are" in agreement.text
    assert not Document.objects.filter(signed_on=d(2025, 3, 3)).exists()
    companies = cable.citations.get(
        source__url="https://en.trend.az/business/4013155.html"
    )
    assert companies.confidence == Confidence.REPORTED


def test_the_joint_venture_dates_are_both_recorded_and_the_sources_disagree(loaded):
    cable = Action.objects.get(document__slug=FIBRE, slug=CABLE)
    shareholders = cable.updates.get(
        title="Shareholder agreement on the joint venture signed"
    )
    assert (shareholders.happened_on, shareholders.date_precision) == (
        d(2023, 6, 22),
        "day",
    )
    assert shareholders.source.url == "https://www.azernews.az/nation/211416.html"
    assert (shareholders.status_before, shareholders.status_after) == (
        "planned",
        "in_progress",
    )
    registration = cable.updates.get(
        title="Agreement on registering the joint venture signed"
    )
    assert registration.happened_on == d(2023, 8, 23)
    assert "astanatimes.com/2023/08" in registration.source.url
    assert "22 August 2023, in Amsterdam" in registration.text
    assert "sources disagree" in registration.text
    amsterdam = cable.citations.get(source__url__startswith="https://timesca.com/")
    assert amsterdam.claim == (
        "joint venture agreement signed in Amsterdam on 22 August 2023"
    )
    assert "23 August 2023" in amsterdam.note
    assert "disagree" in amsterdam.note


def test_the_baku_visit_of_august_2022_reports_10_documents(loaded):
    event = Event.objects.get(slug="tokayev-visit-baku-2022-08")
    assert event.kind == Event.Kind.OFFICIAL_VISIT
    assert event.documents_reported == 10
    citation = event.citations.get(claim="official visit; 10 documents signed")
    assert citation.source.url == (
        "https://www.inform.kz/en/kazakh-azerbaijani-presidents-hold-extended-talks_"
        "a3970728/amp"
    )


def test_the_declaration_variant_title_is_news_central_asias(loaded):
    variant = DocumentTitle.objects.get(
        document__slug="kz-az-2022-declaration-strategic-relations",
        title="Declaration on Strengthening Strategic Relations and Deepening Allied "
        "Cooperation",
    )
    assert (variant.language, variant.is_official) == ("en", False)
    assert variant.source.url == (
        "https://www.newscentralasia.net/2023/04/11/azerbaijan-and-kazakhstan-results-"
        "of-the-summit-talks-countries-to-set-the-supreme-interstate-council/"
    )


def test_the_first_council_meeting_documents_are_recorded_as_described(loaded):
    documents = Document.objects.filter(event__slug=SIC1)
    described = {
        doc.slug: (
            doc.kind,
            sorted(doc.parties.values_list("body__slug", flat=True)),
        )
        for doc in documents
    }
    assert described == {
        "kz-az-2024-decision-first-meeting-supreme-interstate-council": (
            "other",
            ["president-of-azerbaijan", "president-of-kazakhstan"],
        ),
        "az-kz-2024-mou-sme-support-funds": ("memorandum", []),
        "az-kz-2024-mou-media-development-agency-central-communications-service": (
            "memorandum",
            ["az-media-development-agency", "kz-central-communications-service"],
        ),
        "socar-kazmunaygas-2024-memorandum-purchase-and-sale-of-kazakh-oil": (
            "memorandum",
            ["kazmunaygas", "socar"],
        ),
        "kz-az-2024-agreement-phased-increase-of-kazakh-oil-through-azerbaijan": (
            "agreement",
            [],
        ),
        "azerbaijan-investment-holding-samruk-kazyna-2024-strategic-partnership": (
            "agreement",
            ["azerbaijan-investment-holding", "samruk-kazyna"],
        ),
        "az-kz-2024-action-plan-culture-2024-2025": (
            "action_plan",
            ["az-ministry-of-culture", "kz-ministry-of-culture-and-information"],
        ),
        "kz-az-2024-protocol-amending-education-cooperation-agreement": (
            "protocol",
            [],
        ),
        "kz-az-2024-agreement-mutual-recognition-of-marine-personnel-diplomas": (
            "agreement",
            [],
        ),
    }
    for doc in documents:
        assert doc.signed_on == d(2024, 3, 11), doc.slug
        assert (doc.signed_city, doc.signed_country.code) == ("Baku", "AZ"), doc.slug
        assert doc.is_published, doc.slug
        assert doc.published_by is None, doc.slug
        assert (doc.event_signing_confidence, doc.event_confidence) == (
            "reported",
            "reported",
        ), doc.slug
        assert "the register's description, not the official title" in doc.summary
        described_by = doc.citations.get(source__url=TURAN)
        assert described_by.claim == (
            "described in the list of documents signed; the exact title is not given"
        )
        assert not doc.titles.exists(), doc.slug
    parties = Party.objects.filter(document__in=documents)
    assert set(parties.values_list("signatory_name", flat=True)) == {""}
    for party in parties:
        assert party.citations.get().source.url == TURAN
    event = Event.objects.with_recorded_count().get(slug=SIC1)
    assert (event.documents_reported, event.documents_recorded) == (14, 9)
    assert event.citations.filter(source__url=TURAN).exists()
