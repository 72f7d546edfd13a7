"""The admin: shared helpers, every model's pages, and the document changelist."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape
from simple_history.admin import SimpleHistoryAdmin

from agreements import models
from tests import factories
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    CountryFactory,
    DocumentCitationFactory,
    EventFactory,
    PartyCitationFactory,
    PartyFactory,
    RelationFactory,
    SourceFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

FollowUp = models.Document.FollowUpStatus


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def change_url(obj):
    return admin_url(type(obj), "change", obj.pk)


def form_data(response):
    """What a browser posts back for the admin form as rendered, inlines included."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, list | tuple):
                value = [str(item) for item in value]
            data[field.html_name] = value if isinstance(value, list) else str(value)
    return data


def new_document_data(**overrides):
    """A complete add form for a document with two parties."""
    first, second = BodyFactory(), BodyFactory()
    data = {
        "title": "Agreement on air services",
        "slug": "agreement-on-air-services",
        "kind": models.Document.Kind.AGREEMENT,
        "signed_on": "2023-04-10",
        "legal_status": models.Document.LegalStatus.SIGNED,
        "entry_into_force_rule": models.Document.EntryIntoForce.UNKNOWN,
        "follow_up_status": FollowUp.UNKNOWN,
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-0-order": "1",
        "parties-0-body": str(first.pk),
        "parties-1-order": "2",
        "parties-1-body": str(second.pk),
    }
    inlines = ("relations_from", "citations", "titles", "actions")
    for prefix in (*inlines, "identifiers", "attachments"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(overrides)
    return data


def errors_of(response, field):
    return response.context["adminform"].form.errors.get(field, [])


def inline_formset(response, prefix):
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset
    raise AssertionError(f"no inline {prefix}")


def filter_choices(response, title):
    """The (value, label) pairs a list filter offers."""
    for spec in response.context["cl"].filter_specs:
        if str(spec.title) == title:
            return list(spec.lookup_choices)
    raise AssertionError(f"no filter {title}")


def run_action(client, action, documents, **data):
    return client.post(
        admin_url(models.Document, "changelist"),
        {"action": action, "_selected_action": [d.pk for d in documents], **data},
        follow=True,
    )


# --- Every model: changelist, add, change and search pages ---------------------------


@dataclass
class AdminCase:
    """A model, how to make one, and a phrase that finds it in the search.

    A read-only model is listed and viewed, never added or changed in the admin.
    """

    model: type
    make: Callable
    search: Callable
    make_other: Callable | None = None
    read_only: bool = False

    def other(self):
        return (self.make_other or self.make)()


ADMIN_CASES = [
    AdminCase(
        models.Country,
        lambda: CountryFactory(code="AF"),  # first by name: on the first page
        lambda o: o.name,
        make_other=lambda: CountryFactory(code="AZ"),
    ),
    AdminCase(models.Body, BodyFactory, lambda o: o.name),
    AdminCase(models.BodyName, BodyNameFactory, lambda o: o.name),
    AdminCase(models.Source, SourceFactory, lambda o: o.title),
    AdminCase(models.Event, EventFactory, lambda o: o.title),
    AdminCase(
        models.EventCitation, factories.EventCitationFactory, lambda o: o.event.title
    ),
    AdminCase(models.Topic, TopicFactory, lambda o: o.name),
    AdminCase(models.Document, bilateral_document, lambda o: o.title),
    AdminCase(models.DocumentTitle, factories.DocumentTitleFactory, lambda o: o.title),
    AdminCase(
        models.DocumentCitation, DocumentCitationFactory, lambda o: o.document.title
    ),
    AdminCase(
        models.DocumentIdentifier,
        factories.DocumentIdentifierFactory,
        lambda o: o.value,
    ),
    AdminCase(models.Attachment, factories.AttachmentFactory, lambda o: o.title),
    AdminCase(models.Party, PartyFactory, lambda o: o.signatory_name),
    AdminCase(
        models.PartyCitation, PartyCitationFactory, lambda o: o.party.signatory_name
    ),
    AdminCase(models.PartyStep, factories.PartyStepFactory, lambda o: o.note),
    AdminCase(models.Relation, RelationFactory, lambda o: o.from_document.title),
    AdminCase(models.Action, factories.ActionFactory, lambda o: o.title),
    AdminCase(
        models.ActionCitation, factories.ActionCitationFactory, lambda o: o.action.title
    ),
    AdminCase(
        models.ProgressUpdate, factories.ProgressUpdateFactory, lambda o: o.title
    ),
    AdminCase(
        models.ReminderLog,
        factories.ReminderLogFactory,
        lambda o: o.recipient,
        read_only=True,
    ),
    AdminCase(
        models.SpreadsheetImport,
        factories.SpreadsheetImportFactory,
        lambda o: o.file_name,
        read_only=True,
    ),
]
# Session, user, the register's generation, the topics' filter, count and rows (the
# first view after a change), prefetches, and with a party country chosen the
# countries' bodies (selectors.from_country); the other filters' choices and the
# years come from the cache (agreements/admin/changelists.py).
CHANGELIST_MAX_QUERIES = 13

admin_cases = pytest.mark.parametrize(
    "case", ADMIN_CASES, ids=[case.model.__name__ for case in ADMIN_CASES]
)
EDITABLE_CASES = [case for case in ADMIN_CASES if not case.read_only]
editable_cases = pytest.mark.parametrize(
    "case", EDITABLE_CASES, ids=[case.model.__name__ for case in EDITABLE_CASES]
)
READ_ONLY_CASES = [case for case in ADMIN_CASES if case.read_only]
read_only_cases = pytest.mark.parametrize(
    "case", READ_ONLY_CASES, ids=[case.model.__name__ for case in READ_ONLY_CASES]
)


def test_every_model_of_the_register_is_in_the_admin():
    register = {
        model
        for model in apps.get_app_config("agreements").get_models()
        if not model.__name__.startswith("Historical")
    }

    assert register == {case.model for case in ADMIN_CASES}
    assert register <= set(admin.site._registry)


@admin_cases
def test_history_page_shows_who_changed_what(admin_client, case):
    obj = case.make()
    model_admin = admin.site._registry[case.model]
    has_history = hasattr(case.model, "history")
    if has_history:
        obj.save()  # a change to show (countries come from a migration, unrecorded)

    response = admin_client.get(admin_url(case.model, "history", obj.pk))

    assert response.status_code == HTTPStatus.OK
    assert isinstance(model_admin, SimpleHistoryAdmin) is has_history
    if has_history:
        assert 'id="change-history"' in response.content.decode()


@admin_cases
def test_changelist_lists_the_record(admin_client, case):
    obj = case.make()

    response = admin_client.get(admin_url(case.model, "changelist"))

    assert response.status_code == HTTPStatus.OK
    assert change_url(obj) in response.content.decode()


@editable_cases
def test_add_page_shows_an_empty_form(admin_client, case):
    response = admin_client.get(admin_url(case.model, "add"))

    assert response.status_code == HTTPStatus.OK
    assert f"Add {case.model._meta.verbose_name}" in response.content.decode()
    assert response.context["adminform"].form.instance.pk is None


@admin_cases
def test_change_page_shows_the_record(admin_client, case):
    obj = case.make()

    response = admin_client.get(change_url(obj))

    assert response.status_code == HTTPStatus.OK
    assert escape(str(obj)) in response.content.decode()


@editable_cases
def test_change_page_saves_the_form_as_rendered(admin_client, case):
    obj = case.make()
    page = admin_client.get(change_url(obj))

    response = admin_client.post(change_url(obj), form_data(page))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == admin_url(case.model, "changelist")


@read_only_cases
def test_read_only_model_is_viewed_but_never_added_or_changed(admin_client, case):
    obj = case.make()
    page = admin_client.get(change_url(obj))

    assert page.status_code == HTTPStatus.OK
    assert f"View {case.model._meta.verbose_name}" in page.content.decode()
    assert admin_client.get(admin_url(case.model, "add")).status_code == (
        HTTPStatus.FORBIDDEN
    )
    assert admin_client.post(change_url(obj), {}).status_code == (HTTPStatus.FORBIDDEN)
    changelist = admin_client.get(admin_url(case.model, "changelist"))
    assert admin_url(case.model, "add") not in changelist.content.decode()


@admin_cases
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, case
):
    url = admin_url(case.model, "changelist")
    case.make()
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES) as few:
        admin_client.get(url)
    for _ in range(20):
        case.other()

    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES) as many:
        response = admin_client.get(url)

    assert response.status_code == HTTPStatus.OK
    assert len(many) == len(few)


@admin_cases
def test_search_finds_the_record_and_leaves_out_others(admin_client, case):
    obj, other = case.make(), case.other()

    # Quoted, so the words are one phrase, as a user would type a full name.
    response = admin_client.get(
        admin_url(case.model, "changelist"), {"q": f'"{case.search(obj)}"'}
    )

    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert change_url(obj) in content
    assert change_url(other) not in content


# --- The document changelist ----------------------------------------------------------


def test_document_changelist_shows_parties_with_their_countries(admin_client):
    document = bilateral_document(countries=("KZ", "AZ"))
    first, second = document.parties.order_by("order")

    response = admin_client.get(admin_url(models.Document, "changelist"))

    assert (
        f'<td class="field-parties_display">{first.body.name} (KZ) / '
        f"{second.body.name} (AZ)</td>"
    ) in response.content.decode()


def test_document_changelist_names_a_party_as_it_was_called_at_signing(admin_client):
    document = bilateral_document(signed_on=datetime.date(2015, 6, 1))
    body = document.parties.order_by("order").first().body
    BodyNameFactory(
        body=body,
        name="State Committee for Science",
        valid_from=datetime.date(2010, 1, 1),
        valid_until=datetime.date(2019, 12, 31),
    )

    response = admin_client.get(admin_url(models.Document, "changelist"))

    content = response.content.decode()
    assert "State Committee for Science (KZ) / " in content
    assert f"{body.name} (KZ)" not in content


def test_document_changelist_shows_the_columns_staff_work_with(admin_client):
    document = bilateral_document(
        kind=models.Document.Kind.TREATY,
        legal_status=models.Document.LegalStatus.IN_FORCE,
        follow_up_status=FollowUp.STALLED,
        is_published=False,
    )

    response = admin_client.get(admin_url(models.Document, "changelist"))

    row = re.search(r"<tr>.*?</tr>", response.content.decode().split("<tbody>")[1])
    cells = re.findall(r'<t[hd] class="field-([a-z_]+)[^"]*">(.*?)</t[hd]>', row[0])
    assert [(name, re.sub(r"<[^>]+>", "", text)) for name, text in cells] == [
        ("title", document.title),
        ("kind", "treaty"),
        ("signed_on", "10 April 2023"),
        (
            "parties_display",
            " / ".join(
                f"{p.body.name} ({p.body.country.code})"
                for p in document.parties.order_by("order")
            ),
        ),
        ("legal_status", "in force"),
        ("follow_up_status", "stalled"),
        ("is_published", ""),
        ("published_column", "-"),
    ]
    assert 'alt="False"' in row[0]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "Signatory"},
        {"party_country": "KZ", "year": "2023", "kind__exact": "memorandum"},
    ],
    ids=["plain", "search", "filtered"],
)
def test_document_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, params
):
    topic = TopicFactory()
    for _ in range(5):
        bilateral_document(event=EventFactory(), topics=[topic])
    url = admin_url(models.Document, "changelist")

    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES) as few:
        small = admin_client.get(url, params)
    for _ in range(55):
        bilateral_document(event=EventFactory(), topics=[topic])
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES) as many:
        large = admin_client.get(url, params)

    assert len(small.context["cl"].result_list) == 5
    assert len(large.context["cl"].result_list) == 50
    assert len(many) == len(few)


def test_document_changelist_does_not_count_the_whole_register(admin_client):
    bilateral_document(is_published=True)
    bilateral_document(is_published=False)

    response = admin_client.get(
        admin_url(models.Document, "changelist"), {"is_published__exact": "1"}
    )

    cl = response.context["cl"]
    assert cl.result_count == 1
    assert cl.full_result_count is None
    assert "Show all" in response.content.decode()


def test_document_changelist_counts_per_filter_choice_on_request(admin_client):
    bilateral_document(countries=("KZ", "AZ"))
    bilateral_document(countries=("KZ", "TR"))

    response = admin_client.get(
        admin_url(models.Document, "changelist"), {"_facets": "True"}
    )

    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "Kazakhstan (2)" in content
    assert "Azerbaijan (1)" in content


def test_filters_with_many_choices_are_one_drop_down_that_keeps_the_list(
    admin_client,
):
    """The countries and the years are offered as a form with a drop-down, not a
    link each: the list's search, order and other filters go with it, not its page."""
    import re

    bilateral_document(countries=("KZ", "AZ"))
    response = admin_client.get(
        admin_url(models.Document, "changelist"),
        {"q": "cooperation", "kind__exact": "memorandum", "o": "2", "p": "1"},
    )
    content = response.content.decode()
    after = content.split('data-filter-title="party country"')[1]
    form = re.search(
        r'<form method="get" class="filter-select">(.*?)</form>', after, re.S
    ).group(1)
    assert re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form) == [
        ("q", "cooperation"),
        ("kind__exact", "memorandum"),
        ("o", "2"),
    ]
    assert '<select name="party_country"' in form
    assert '<option value="KZ">Kazakhstan</option>' in form
    assert "?party_country=KZ" not in content  # no link a choice
    # the year of signature too; the kinds stay links
    assert '<select name="year"' in content
    assert "kind__exact=treaty" in content
    # the form's "All" is an empty value: the whole list, not an error
    everything = admin_client.get(
        admin_url(models.Document, "changelist"), {"party_country": ""}
    )
    assert everything.status_code == HTTPStatus.OK
    assert everything.context["cl"].result_count == 1
    chosen = admin_client.get(
        admin_url(models.Document, "changelist"), {"party_country": "KZ"}
    )
    assert '<option value="KZ" selected>Kazakhstan</option>' in chosen.content.decode()


def test_party_country_filter_lists_only_countries_with_parties(admin_client):
    bilateral_document(countries=("KZ", "AZ"))
    BodyFactory(country=CountryFactory(code="TR"))  # a body, but no party

    response = admin_client.get(admin_url(models.Document, "changelist"))

    assert filter_choices(response, "party country") == [
        ("AZ", "Azerbaijan"),
        ("KZ", "Kazakhstan"),
    ]


def test_document_list_filters_by_party_country(admin_client):
    kz_az = bilateral_document(countries=("KZ", "AZ"))
    az_tr = bilateral_document(countries=("AZ", "TR"))

    response = admin_client.get(
        admin_url(models.Document, "changelist"), {"party_country": "KZ"}
    )

    content = response.content.decode()
    assert change_url(kz_az) in content
    assert change_url(az_tr) not in content


def test_event_filter_offers_recent_events_with_documents_and_the_chosen_one(
    admin_client,
):
    start = datetime.date(2020, 1, 1)
    events = [
        EventFactory(date=start + datetime.timedelta(days=days)) for days in range(21)
    ]
    documents = [bilateral_document(event=event) for event in events]
    EventFactory(date=datetime.date(2024, 1, 1))  # no document: never offered
    oldest = events[0]

    response = admin_client.get(admin_url(models.Document, "changelist"))
    offered = [value for value, _ in filter_choices(response, "event")]
    assert offered == [str(event.pk) for event in reversed(events[1:])]

    response = admin_client.get(
        admin_url(models.Document, "changelist"), {"event": oldest.pk}
    )
    assert str(oldest.pk) in [value for value, _ in filter_choices(response, "event")]
    content = response.content.decode()
    assert change_url(documents[0]) in content
    assert change_url(documents[1]) not in content


def test_document_list_filters_by_year_of_signature(admin_client):
    older = bilateral_document(signed_on=datetime.date(2021, 5, 4))
    newer = bilateral_document(signed_on=datetime.date(2023, 4, 10))

    response = admin_client.get(
        admin_url(models.Document, "changelist"), {"year": "2021"}
    )

    assert filter_choices(response, "year of signature") == [
        ("2023", "2023"),
        ("2021", "2021"),
    ]
    content = response.content.decode()
    assert change_url(older) in content
    assert change_url(newer) not in content


def test_document_list_filters_by_topic_and_status(admin_client):
    trade = TopicFactory(slug="trade")
    kept = bilateral_document(topics=[trade], follow_up_status=FollowUp.STALLED)
    other_topic = bilateral_document(follow_up_status=FollowUp.STALLED)
    other_status = bilateral_document(topics=[trade])

    response = admin_client.get(
        admin_url(models.Document, "changelist"),
        {"topics__id__exact": trade.pk, "follow_up_status__exact": "stalled"},
    )

    content = response.content.decode()
    assert change_url(kept) in content
    assert change_url(other_topic) not in content
    assert change_url(other_status) not in content


def test_document_search_by_signatory_lists_a_document_once(admin_client):
    document = bilateral_document()
    document.parties.update(signatory_name="Murat Nurtleu")
    bilateral_document()

    response = admin_client.get(
        admin_url(models.Document, "changelist"), {"q": "Nurtleu"}
    )

    assert list(response.context["cl"].result_list) == [document]


def test_document_search_by_party_body_name(admin_client):
    document = bilateral_document()
    models.Body.objects.filter(pk=document.parties.first().body_id).update(
        name="National Academy of Sciences"
    )
    bilateral_document()

    response = admin_client.get(
        admin_url(models.Document, "changelist"), {"q": "academy"}
    )

    assert list(response.context["cl"].result_list) == [document]
