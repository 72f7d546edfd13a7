import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from simple_history.admin import SimpleHistoryAdmin

from agreements import models
from tests import factories
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    CountryFactory,
    DocumentCitationFactory,
    DocumentFactory,
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
        "follow_up_status": FollowUp.UNKNOWN,
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-0-order": "1",
        "parties-0-body": str(first.pk),
        "parties-1-order": "2",
        "parties-1-body": str(second.pk),
    }
    for prefix in ("relations_from", "citations", "titles", "actions"):
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
    AdminCase(models.Party, PartyFactory, lambda o: o.signatory_name),
    AdminCase(
        models.PartyCitation, PartyCitationFactory, lambda o: o.party.signatory_name
    ),
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
]
# Session, user, filters' choices (the documents list has five that query: party
# country, event, topic, published by, year), date hierarchy, count, rows and
# prefetches.
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
        ("signed_on", "10 Apr 2023"),
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


# --- Bulk actions ---------------------------------------------------------------------


def run_action(client, action, documents, **data):
    return client.post(
        admin_url(models.Document, "changelist"),
        {"action": action, "_selected_action": [d.pk for d in documents], **data},
        follow=True,
    )


def test_publish_action_publishes_the_selected_documents(admin_client, admin_user):
    chosen = bilateral_document(is_published=False)
    left = bilateral_document(is_published=False)

    response = run_action(admin_client, "publish", [chosen])

    assert "1 document published." in response.content.decode()
    chosen.refresh_from_db()
    left.refresh_from_db()
    assert chosen.is_published is True
    assert left.is_published is False
    assert chosen.history.first().history_user == admin_user


def test_unpublish_action_withdraws_the_selected_documents(admin_client):
    chosen = [bilateral_document(), bilateral_document()]

    response = run_action(admin_client, "unpublish", chosen)

    assert "2 documents withdrawn from the public site." in response.content.decode()
    assert not models.Document.objects.filter(is_published=True).exists()


def record_with_action(client, action, documents, **data):
    """The second step of a bulk action that records updates: its form, posted."""
    return run_action(client, action, documents, post="yes", **data)


def test_follow_up_action_asks_for_the_date_and_source_first(admin_client):
    document = bilateral_document(follow_up_status=FollowUp.UNKNOWN)

    response = run_action(admin_client, "set_follow_up_completed", [document])

    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/agreements/record_updates.html"
    form = response.context["form"]
    assert form["happened_on"].value() == timezone.localdate()
    content = response.content.decode()
    assert f"<li>{document.title}</li>" in content
    assert '<input type="hidden" name="action" value="set_follow_up_completed">' in (
        content
    )
    assert re.search(r'<select name="source"[^>]*data-ajax--url=', content)
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.UNKNOWN
    assert not models.ProgressUpdate.objects.exists()


@pytest.mark.parametrize("status", FollowUp.values)
def test_follow_up_actions_record_an_update_for_each_change(
    admin_client, admin_user, status
):
    before = FollowUp.STALLED if status == FollowUp.UNKNOWN else FollowUp.UNKNOWN
    document = bilateral_document(follow_up_status=before)
    source = SourceFactory()

    response = record_with_action(
        admin_client,
        f"set_follow_up_{status}",
        [document],
        happened_on="2024-02-01",
        source=source.pk,
    )

    assert response.status_code == HTTPStatus.OK
    assert f"set to “{FollowUp(status).label}”, with an update recorded." in (
        response.content.decode()
    )
    document.refresh_from_db()
    assert document.follow_up_status == status
    update = models.ProgressUpdate.objects.get()
    assert (
        update.document,
        update.action,
        update.happened_on,
        update.status_before,
        update.status_after,
        update.source,
        update.recorded_by,
    ) == (document, None, datetime.date(2024, 2, 1), before, status, source, admin_user)
    assert document.history.first().history_user == admin_user


def test_follow_up_action_leaves_documents_already_in_the_status_alone(admin_client):
    completed = bilateral_document(follow_up_status=FollowUp.COMPLETED)
    stalled = bilateral_document(follow_up_status=FollowUp.STALLED)

    response = record_with_action(
        admin_client,
        "set_follow_up_completed",
        [completed, stalled],
        happened_on="2024-02-01",
    )

    assert "Follow-up status of 1 document set to" in response.content.decode()
    assert [u.document for u in models.ProgressUpdate.objects.all()] == [stalled]

    response = record_with_action(
        admin_client, "set_follow_up_completed", [completed], happened_on="2024-02-02"
    )

    assert "No document changed: each already has this status." in (
        response.content.decode()
    )
    assert models.ProgressUpdate.objects.count() == 1


def test_follow_up_action_refused_for_one_document_changes_none(admin_client):
    older = bilateral_document(signed_on=datetime.date(2023, 4, 10))
    newer = bilateral_document(signed_on=datetime.date(2024, 6, 1))

    response = record_with_action(
        admin_client,
        "set_follow_up_in_progress",
        [older, newer],
        happened_on="2024-01-15",
    )

    content = response.content.decode()
    assert "Nothing was recorded: " in content
    assert "before the document&#x27;s date of signature" in content
    assert not models.ProgressUpdate.objects.exists()
    assert set(models.Document.objects.values_list("follow_up_status", flat=True)) == {
        FollowUp.UNKNOWN
    }


def test_follow_up_action_with_a_bad_date_shows_the_form_again(admin_client):
    document = bilateral_document()

    response = record_with_action(
        admin_client, "set_follow_up_stalled", [document], happened_on="2024-13-45"
    )

    assert response.templates[0].name == "admin/agreements/record_updates.html"
    assert response.context["form"].errors["happened_on"] == ["Enter a valid date."]
    assert not models.ProgressUpdate.objects.exists()


# --- Adding and changing a document on one page --------------------------------------


def test_document_add_page_offers_two_party_rows(admin_client):
    response = admin_client.get(admin_url(models.Document, "add"))

    parties = inline_formset(response, "parties")
    assert len(parties.forms) == 2
    assert [form.initial.get("order") for form in parties.forms] == [1, 2]
    prepopulated = json.loads(response.context["prepopulated_fields_json"])
    assert [(field["id"], field["dependency_ids"]) for field in prepopulated] == [
        ("#id_slug", ["#id_title"]),
        ("#id_actions-__prefix__-slug", ["#id_actions-__prefix__-title"]),
    ]
    assert {field["maxLength"] for field in prepopulated} == {120}


def test_document_add_stores_the_document_with_its_parties(admin_client):
    data = new_document_data()

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.FOUND
    document = models.Document.objects.get(slug="agreement-on-air-services")
    assert [p.body_id for p in document.parties.order_by("order")] == [
        int(data["parties-0-body"]),
        int(data["parties-1-body"]),
    ]


def test_document_with_one_party_is_refused(admin_client):
    data = new_document_data(**{"parties-TOTAL_FORMS": "1"})

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    assert "A document has at least 2 parties" in response.content.decode()
    assert not models.Document.objects.exists()


def test_end_date_before_signature_shows_the_error_by_the_field(admin_client):
    data = new_document_data(ended_on="2023-04-09")

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    message = "The end date cannot be before the date of signature."
    assert errors_of(response, "ended_on") == [message]
    # The message sits in the ended_on row, before its input.
    row = re.search(
        r'<div class="form-row errors field-ended_on">(.*?)id="id_ended_on"',
        response.content.decode(),
        re.DOTALL,
    )
    assert row is not None
    assert message in row.group(1)
    assert not models.Document.objects.exists()
    assert not models.Party.objects.exists()


def test_second_signature_by_the_same_body_is_refused(admin_client):
    data = new_document_data()
    data["parties-1-body"] = data["parties-0-body"]

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    assert inline_formset(response, "parties").non_form_errors() == [
        "A body signs a document once: remove the second row for it."
    ]
    assert "A body signs a document once" in response.content.decode()
    assert not models.Document.objects.exists()


def test_second_signature_by_a_body_already_saved_is_refused(admin_client):
    document = bilateral_document()
    first, second = document.parties.order_by("order")
    page = admin_client.get(change_url(document))
    data = form_data(page)
    data["parties-1-body"] = str(first.body_id)

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.OK
    assert "A body signs a document once" in response.content.decode()
    second.refresh_from_db()
    assert second.body_id != first.body_id


def test_two_parties_with_the_same_order_are_refused(admin_client):
    data = new_document_data(**{"parties-1-order": "1"})

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    assert "Two parties have the same order" in response.content.decode()
    assert not models.Document.objects.exists()


def test_clashing_slug_is_refused(admin_client):
    DocumentFactory(slug="agreement-on-air-services")

    response = admin_client.post(
        admin_url(models.Document, "add"),
        new_document_data(title="Another agreement"),
    )

    assert response.status_code == HTTPStatus.OK
    assert errors_of(response, "slug") == ["Document with this Slug already exists."]
    assert models.Document.objects.count() == 1


def test_published_document_keeps_its_slug(admin_client):
    document = bilateral_document(slug="kept-slug", is_published=True)
    page = admin_client.get(change_url(document))
    data = form_data(page)
    data["slug"] = "changed-slug"

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    assert 'name="slug"' not in page.content.decode()
    document.refresh_from_db()
    assert document.slug == "kept-slug"


def test_unpublished_document_slug_can_change(admin_client):
    document = bilateral_document(slug="draft-slug", is_published=False)
    data = form_data(admin_client.get(change_url(document)))
    data["slug"] = "better-slug"

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.slug == "better-slug"


def test_document_page_shows_its_relations_both_ways(admin_client):
    programme = bilateral_document(title="Programme of cooperation 2024-2026")
    memorandum = bilateral_document(title="Memorandum on science")
    RelationFactory(
        from_document=programme,
        kind=models.Relation.Kind.IMPLEMENTS,
        to_document=memorandum,
    )

    outgoing = admin_client.get(change_url(programme))
    incoming = admin_client.get(change_url(memorandum))

    relations = inline_formset(outgoing, "relations_from")
    assert [form.instance.to_document for form in relations.forms] == [memorandum]
    assert (
        f'<option value="{memorandum.pk}" selected>Memorandum on science</option>'
        in outgoing.content.decode()
    )
    assert (
        f"<li>implemented by <a href='{change_url(programme)}'>"
        "Programme of cooperation 2024-2026</a> (reported)</li>"
    ) in incoming.content.decode()


def test_document_page_adds_a_relation_through_the_inline(admin_client):
    document, earlier = bilateral_document(), bilateral_document()
    data = form_data(admin_client.get(change_url(document)))
    data.update(
        {
            "relations_from-TOTAL_FORMS": "1",
            "relations_from-0-kind": models.Relation.Kind.AMENDS,
            "relations_from-0-to_document": str(earlier.pk),
            "relations_from-0-confidence": models.Confidence.CONFIRMED,
        }
    )

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    relation = models.Relation.objects.get()
    assert (relation.from_document, relation.kind, relation.to_document) == (
        document,
        models.Relation.Kind.AMENDS,
        earlier,
    )


def test_party_rows_link_to_the_party_page_with_its_sources(admin_client):
    document = bilateral_document()
    party = document.parties.order_by("order").first()
    PartyCitationFactory.create_batch(2, party=party)

    response = admin_client.get(change_url(document))

    assert (
        f"<a href='{change_url(party)}'>2 sources: edit</a>"
        in response.content.decode()
    )


def test_party_page_edits_its_signature_sources(admin_client):
    citation = PartyCitationFactory(claim="signatory")
    party = citation.party
    source = SourceFactory()
    data = form_data(admin_client.get(change_url(party)))
    data.update(
        {
            "citations-TOTAL_FORMS": "2",
            "citations-1-source": str(source.pk),
            "citations-1-confidence": models.Confidence.CONFIRMED,
            "citations-1-claim": "position",
        }
    )

    response = admin_client.post(change_url(party), data)

    assert response.status_code == HTTPStatus.FOUND
    assert sorted(party.citations.values_list("claim", flat=True)) == [
        "position",
        "signatory",
    ]


def test_document_page_uses_autocomplete_for_growing_tables(admin_client):
    response = admin_client.get(change_url(bilateral_document()))

    content = response.content.decode()
    for name in (
        "event",
        "parties-0-body",
        "relations_from-__prefix__-to_document",
        "citations-__prefix__-source",
        "titles-__prefix__-source",
    ):
        assert re.search(
            rf'<select name="{re.escape(name)}"[^>]*data-ajax--url=', content
        ), name


# --- History --------------------------------------------------------------------------


def test_admin_forms_have_no_inline_script(admin_client):
    # A Content-Security-Policy without 'unsafe-inline' would block it: the change
    # form's own script is a static file.
    document = bilateral_document()
    urls = [
        change_url(document),
        admin_url(models.Document, "add"),
        change_url(EventFactory()),
        change_url(BodyFactory()),
    ]
    for url in urls:
        content = admin_client.get(url).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", content, re.S)
        assert scripts, url
        inline = [(attrs, body) for attrs, body in scripts if "src=" not in attrs]
        assert inline == [], url
        assert re.search(r'src="[^"]*/js/admin-change-form(\.\w+)?\.js"', content), url


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        "aigerim.editor", password="not-used", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_document_history_shows_who_changed_a_party_and_what(client, editor):
    document = bilateral_document()
    party = document.parties.order_by("order").first()
    old_name = party.signatory_name
    client.force_login(editor)
    data = form_data(client.get(change_url(document)))
    index = next(
        i
        for i in range(int(data["parties-TOTAL_FORMS"]))
        if data[f"parties-{i}-id"] == str(party.pk)
    )
    data[f"parties-{index}-signatory_name"] = "Zhanar Aitzhanova"

    response = client.post(change_url(document), data)
    assert response.status_code == HTTPStatus.FOUND

    history = client.get(admin_url(models.Document, "history", document.pk))

    assert history.status_code == HTTPStatus.OK
    related = history.content.decode().split('id="related-history"')[1]
    changed_row = re.search(
        r"<tr>(?:(?!</tr>).)*Zhanar Aitzhanova.*?</tr>", related, re.S
    )
    assert changed_row is not None
    row = changed_row.group(0)
    assert "aigerim.editor" in row
    assert "Changed" in row
    assert f"<strong>Signatory:</strong> {old_name}&nbsp;&rarr;&nbsp;Zhanar" in row


def test_document_history_shows_sources_and_signature_sources(admin_client):
    document = bilateral_document()
    party = document.parties.first()
    DocumentCitationFactory(document=document, source__title="Official communiqué")
    PartyCitationFactory(party=party, source__title="Ministry press release")

    response = admin_client.get(admin_url(models.Document, "history", document.pk))

    related = response.content.decode().split('id="related-history"')[1]
    assert "Document source: Example News: Official communiqué" in related
    assert "Signature source: " in related
    assert "Ministry press release" in related
    assert "Party and signature: " in related


# --- Events ---------------------------------------------------------------------------


def test_event_changelist_reconciles_reported_and_recorded(admin_client):
    event = EventFactory(documents_reported=3)
    bilateral_document(event=event)
    bilateral_document(event=event, is_published=False)  # staff count it too
    complete = EventFactory(documents_reported=1)
    bilateral_document(event=complete)
    unknown = EventFactory(documents_reported=None)

    response = admin_client.get(admin_url(models.Event, "changelist"))

    content = response.content.decode()
    assert "3 reported, 2 recorded, 1 still to identify" in content
    assert "1 reported, 1 recorded<" in content
    assert "0 recorded, number reported unknown" in content
    assert change_url(unknown) in content


def test_event_changelist_sorts_by_documents_recorded(admin_client):
    busy, quiet = EventFactory(), EventFactory()
    bilateral_document(event=busy)
    bilateral_document(event=busy)
    url = admin_url(models.Event, "changelist")
    column = (
        admin_client.get(url).context["cl"].list_display.index("documents_recorded")
    )

    ascending = admin_client.get(url, {"o": f"{column}"})
    descending = admin_client.get(url, {"o": f"-{column}"})

    assert list(ascending.context["cl"].result_list) == [quiet, busy]
    assert list(descending.context["cl"].result_list) == [busy, quiet]


def test_event_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    for _ in range(60):
        bilateral_document(event=EventFactory())

    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = admin_client.get(admin_url(models.Event, "changelist"))

    assert len(response.context["cl"].result_list) == 50


def test_event_page_lists_its_documents_and_counts(admin_client):
    event = EventFactory(documents_reported=2)
    documents = [bilateral_document(event=event), bilateral_document(event=event)]
    unrelated = bilateral_document()

    response = admin_client.get(change_url(event))

    content = response.content.decode()
    for document in documents:
        assert f"<a href='{change_url(document)}'>{document.title}</a>" in content
    assert change_url(unrelated) not in content
    assert "2 reported, 2 recorded" in content
    assert f"?event={event.pk}" in content


def test_event_with_end_before_start_is_refused(admin_client):
    event = EventFactory()
    data = form_data(admin_client.get(change_url(event)))
    data["end_date"] = (event.date - datetime.timedelta(days=1)).isoformat()

    response = admin_client.post(change_url(event), data)

    assert response.status_code == HTTPStatus.OK
    assert errors_of(response, "end_date") == [
        "The end date cannot be before the date."
    ]
    event.refresh_from_db()
    assert event.end_date is None


# --- Bodies and sources ---------------------------------------------------------------


def test_body_changelist_counts_documents(admin_client):
    document = bilateral_document(countries=("KZ", "AZ"))
    kz_body = document.parties.get(body__country__code="KZ").body
    PartyFactory(body=kz_body, document=DocumentFactory())
    idle = BodyFactory()

    response = admin_client.get(admin_url(models.Body, "changelist"))

    counts = {body: body.documents_count for body in response.context["cl"].result_list}
    assert counts[kz_body] == 2
    assert counts[idle] == 0
    assert '<td class="field-documents">2</td>' in response.content.decode()


def test_body_country_filter_lists_only_countries_with_bodies(admin_client):
    document = bilateral_document(countries=("KZ", "AZ"))
    az_body = document.parties.get(body__country__code="AZ").body

    response = admin_client.get(admin_url(models.Body, "changelist"), {"country": "AZ"})

    assert filter_choices(response, "country") == [
        ("AZ", "Azerbaijan"),
        ("KZ", "Kazakhstan"),
    ]
    assert list(response.context["cl"].result_list) == [az_body]


def test_body_search_finds_short_and_former_names(admin_client):
    body = BodyFactory(short_name="NAS")
    BodyNameFactory(body=body, name="Academy of Sciences of the Kazakh SSR")
    other = BodyFactory()
    url = admin_url(models.Body, "changelist")

    for term in ("NAS", "Kazakh SSR"):
        response = admin_client.get(url, {"q": term})
        assert list(response.context["cl"].result_list) == [body], term
        assert change_url(other) not in response.content.decode()


def test_body_page_edits_former_names(admin_client):
    former = BodyNameFactory(name="Ministry of Education")

    response = admin_client.get(change_url(former.body))

    assert 'value="Ministry of Education"' in response.content.decode()


def test_body_changelist_filters_by_kind(admin_client):
    academy = BodyFactory(kind=models.Body.Kind.ACADEMY)
    ministry = BodyFactory(kind=models.Body.Kind.MINISTRY)

    response = admin_client.get(
        admin_url(models.Body, "changelist"), {"kind__exact": "academy"}
    )

    content = response.content.decode()
    assert change_url(academy) in content
    assert change_url(ministry) not in content


@pytest.mark.parametrize("term", ["kazinform", "kazinform.kz/news/123", "summit"])
def test_source_search_by_url_title_or_publisher(admin_client, term):
    source = SourceFactory(
        url="https://kazinform.kz/news/123",
        publisher="Kazinform",
        title="Summit in Astana",
    )
    other = SourceFactory()

    response = admin_client.get(admin_url(models.Source, "changelist"), {"q": term})

    content = response.content.decode()
    assert change_url(source) in content
    assert change_url(other) not in content


# --- Editors --------------------------------------------------------------------------


def test_editor_views_adds_and_changes_register_records(client, editor):
    document = bilateral_document()
    client.force_login(editor)

    for model in (models.Document, models.Body, models.Event, models.Source):
        assert client.get(admin_url(model, "changelist")).status_code == HTTPStatus.OK
        assert client.get(admin_url(model, "add")).status_code == HTTPStatus.OK
    data = form_data(client.get(change_url(document)))
    data["title"] = "Renamed by an editor"
    assert client.post(change_url(document), data).status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.title == "Renamed by an editor"


def test_editor_cannot_delete(client, editor):
    document = bilateral_document()
    client.force_login(editor)

    page = client.get(change_url(document))
    assert inline_formset(page, "parties").can_delete is False
    response = client.get(admin_url(models.Document, "delete", document.pk))
    assert response.status_code == HTTPStatus.FORBIDDEN
    response = client.post(admin_url(models.Document, "delete", document.pk))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert models.Document.objects.filter(pk=document.pk).exists()

    changelist = client.get(admin_url(models.Document, "changelist"))
    actions = [
        name for name, _ in changelist.context["action_form"].fields["action"].choices
    ]
    assert "delete_selected" not in actions
    # Publishing is for publishers: see test_publishing.py.
    assert "publish" not in actions


def test_editor_cannot_see_users_and_groups(client, editor, django_user_model):
    client.force_login(editor)

    assert (
        client.get(admin_url(django_user_model, "changelist")).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.get(admin_url(Group, "changelist")).status_code == HTTPStatus.FORBIDDEN
    )
    index = client.get(reverse("admin:index"))
    app_labels = [app["app_label"] for app in index.context["app_list"]]
    assert app_labels == ["agreements"]
