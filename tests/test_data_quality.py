"""The data-quality queue: each check, its filters, the admin page and the command."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from agreements import models, quality
from agreements.aggregates import register_stamp
from agreements.quality import CHECKS_BY_NAME, Filters
from tests.factories import (
    ActionFactory,
    AttachmentFactory,
    BodyFactory,
    CountryFactory,
    DocumentCitationFactory,
    DocumentFactory,
    DocumentTitleFactory,
    EventFactory,
    PartyFactory,
    RelationFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)
URL = "/admin/agreements/data-quality/"
Status = models.Action.Status
FollowUp = models.Document.FollowUpStatus
INFERRED = models.Confidence.INFERRED


def found(name, filters=None, today=TODAY):
    """The records the check ``name`` finds, by their primary keys."""
    matches = CHECKS_BY_NAME[name].find(filters or Filters(), today)
    return set(matches.values_list("pk", flat=True))


def explained(name, obj, today=TODAY):
    """The check's item for ``obj``, built as the page builds it."""
    (item,) = CHECKS_BY_NAME[name].items_for([obj.pk], today)
    return item


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:agreements_{opts.model_name}_change", args=[obj.pk])


@pytest.fixture(autouse=True)
def state_languages():
    # Set here rather than relied on from the migration's data: the checks read
    # whatever staff set, and these tests say what they expect.
    for code, language in (("KZ", "kk"), ("AZ", "az"), ("DE", ""), ("FR", "")):
        CountryFactory(code=code)
        models.Country.objects.filter(code=code).update(language=language)


def sourced(**kwargs):
    """A KZ–AZ document with signatories, a source and titles in both languages:
    nothing for the queue to report."""
    document = bilateral_document(**kwargs)
    DocumentCitationFactory(document=document)
    for language in ("kk", "az"):
        DocumentTitleFactory(document=document, language=language)
    return document


# --- 1. Documents without a source ----------------------------------------------------


def test_documents_without_a_source_are_found():
    bare = bilateral_document()
    cited = sourced()
    assert found("no-source") == {bare.pk}
    assert cited.pk not in found("no-source")


# --- 2. Signatories -------------------------------------------------------------------


def test_documents_with_an_unrecorded_signatory_are_found_and_the_body_named():
    document = bilateral_document()
    party = document.parties.get(order=2)
    party.signatory_name = ""
    party.save()
    complete = sourced()
    assert found("no-signatory") == {document.pk}
    assert complete.pk not in found("no-signatory")
    explanation = explained("no-signatory", document).explanation
    assert explanation == f"No signatory recorded for {party.body.name}."


def test_a_document_with_both_signatories_missing_counts_the_other_party():
    document = bilateral_document()
    document.parties.update(signatory_name="")
    explanation = explained("no-signatory", document).explanation
    assert explanation.endswith("and 1 other party.")


# --- 3. Titles in the partners' languages ---------------------------------------------


def test_documents_without_a_title_in_a_partner_language_are_found():
    only_kazakh = bilateral_document()
    DocumentTitleFactory(document=only_kazakh, language="kk")
    only_russian = bilateral_document()
    DocumentTitleFactory(document=only_russian, language="ru")
    both = sourced()
    no_state_language = bilateral_document(countries=("DE", "FR"))
    assert found("no-partner-title") == {only_kazakh.pk, only_russian.pk}
    assert both.pk not in found("no-partner-title")
    assert no_state_language.pk not in found("no-partner-title")
    assert (
        explained("no-partner-title", only_kazakh).explanation
        == "No title in Azerbaijani."
    )
    assert (
        explained("no-partner-title", only_russian).explanation
        == "No title in Kazakh or Azerbaijani."
    )


def test_a_country_given_a_language_later_brings_its_documents_in():
    document = bilateral_document(countries=("DE", "FR"))
    assert document.pk not in found("no-partner-title")
    models.Country.objects.filter(code="DE").update(language="de")
    assert found("no-partner-title") == {document.pk}


# --- 4. Events ------------------------------------------------------------------------


def test_events_whose_recorded_count_differs_from_the_reported_one_are_found():
    short = EventFactory(documents_reported=3)
    bilateral_document(event=short)
    matching = EventFactory(documents_reported=2)
    bilateral_document(event=matching)
    bilateral_document(event=matching, is_published=False)  # counted too
    unknown = EventFactory(documents_reported=None)
    bilateral_document(event=unknown)
    assert found("event-count") == {short.pk}
    assert explained("event-count", short).explanation == "Reported 3, recorded 1."


def test_an_event_with_more_documents_than_reported_is_found():
    event = EventFactory(documents_reported=1)
    bilateral_document(event=event)
    bilateral_document(event=event)
    assert found("event-count") == {event.pk}


# --- 5. Follow-up status against the actions ------------------------------------------


def test_completed_documents_with_an_open_action_are_found():
    open_one = sourced(follow_up_status=FollowUp.COMPLETED)
    ActionFactory(document=open_one, done=True)
    ActionFactory(document=open_one, status=Status.BLOCKED)
    all_done = sourced(follow_up_status=FollowUp.COMPLETED)
    ActionFactory(document=all_done, done=True)
    assert found("follow-up-contradiction") == {open_one.pk}
    assert explained("follow-up-contradiction", open_one).explanation == (
        "Follow-up status “completed”, but 1 action is still open."
    )


def test_documents_in_progress_whose_actions_are_all_done_are_found():
    in_progress = sourced(follow_up_status=FollowUp.IN_PROGRESS)
    ActionFactory.create_batch(2, document=in_progress, done=True)
    not_started = sourced(follow_up_status=FollowUp.NOT_STARTED)
    ActionFactory(document=not_started, done=True)
    ActionFactory(document=not_started, status=Status.CANCELLED)
    still_open = sourced(follow_up_status=FollowUp.IN_PROGRESS)
    ActionFactory(document=still_open, done=True)
    ActionFactory(document=still_open, status=Status.IN_PROGRESS)
    no_actions = sourced(follow_up_status=FollowUp.IN_PROGRESS)
    only_cancelled = sourced(follow_up_status=FollowUp.IN_PROGRESS)
    ActionFactory(document=only_cancelled, status=Status.CANCELLED)
    unknown = sourced(follow_up_status=FollowUp.UNKNOWN)
    ActionFactory(document=unknown, done=True)
    assert found("follow-up-contradiction") == {in_progress.pk, not_started.pk}
    assert no_actions.pk not in found("follow-up-contradiction")
    assert explained("follow-up-contradiction", in_progress).explanation == (
        "Follow-up status “in progress”, but 2 of its actions are done and none "
        "is open."
    )


# --- 6. Forecasts ---------------------------------------------------------------------


def test_open_actions_past_their_forecast_are_found():
    document = sourced(signed_on=datetime.date(2023, 4, 10))
    yesterday, soon = TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(10)

    def action(due_on, kind=models.DateKind.FORECAST, **kwargs):
        return ActionFactory(document=document, due_on=due_on, due_kind=kind, **kwargs)

    passed = action(yesterday)
    upcoming = action(soon)
    action(yesterday, done=True)
    action(yesterday, status=Status.CANCELLED)
    action(yesterday, kind=models.DateKind.DEADLINE)  # overdue, not a forecast
    action(yesterday, kind="")  # a date of unknown kind
    assert found("forecast-passed") == {passed.pk}
    assert explained("forecast-passed", passed).explanation == (
        "The forecast date, 30 November 2026, has passed, and no later date is "
        "recorded."
    )
    # the day moves on, and with it what has passed
    later = TODAY + datetime.timedelta(days=11)
    assert found("forecast-passed", today=later) == {passed.pk, upcoming.pk}


def test_a_forecast_given_by_quarter_is_named_by_its_quarter():
    action = ActionFactory(
        document=sourced(signed_on=datetime.date(2023, 4, 10)),
        due_on=datetime.date(2026, 9, 30),
        due_precision=models.DuePrecision.QUARTER,
        due_kind=models.DateKind.FORECAST,
        status=Status.IN_PROGRESS,
    )
    assert found("forecast-passed") == {action.pk}
    assert "The forecast date, Q3 2026, has passed" in (
        explained("forecast-passed", action).explanation
    )


# --- 7. Facts resting on an inference -------------------------------------------------


def test_documents_placed_at_their_event_by_inference_are_found():
    event = EventFactory()
    counted = sourced(event=event, event_confidence=INFERRED)
    signed = sourced(
        event=event,
        event_signing_confidence=INFERRED,
        event_confidence=models.Confidence.CONFIRMED,
    )
    confirmed = sourced(
        event=event,
        event_confidence=models.Confidence.REPORTED,
        event_signing_confidence=models.Confidence.CONFIRMED,
    )
    assert found("inferred-documents") == {counted.pk, signed.pk}
    assert confirmed.pk not in found("inferred-documents")
    assert explained("inferred-documents", counted).explanation == (
        "Inferred, not stated by a source: its place among the event's reported "
        "documents."
    )
    assert "its signing at the event" in (
        explained("inferred-documents", signed).explanation
    )


def test_actions_linked_by_inference_or_of_unknown_origin_are_found():
    inferred = ActionFactory(basis=models.Basis.INFERRED)
    unknown = ActionFactory(basis="")
    ActionFactory(basis=models.Basis.QUOTED)
    ActionFactory(basis=models.Basis.REPORTED)
    assert found("inferred-actions") == {inferred.pk, unknown.pk}
    assert "Linked to the document by the register" in (
        explained("inferred-actions", inferred).explanation
    )
    assert explained("inferred-actions", unknown).explanation == (
        "Where it comes from is not recorded."
    )


def test_inferred_relations_are_found():
    inferred = RelationFactory(confidence=INFERRED)
    RelationFactory(confidence=models.Confidence.REPORTED)
    assert found("inferred-relations") == {inferred.pk}
    item = explained("inferred-relations", inferred)
    assert item.url == change_url(inferred)
    assert item.label == str(inferred)


# --- 8. Probable duplicates -----------------------------------------------------------


def test_documents_with_the_same_title_in_any_case_are_found_and_named():
    first = sourced(title="Agreement on Air Services")
    second = sourced(title="agreement on air services", slug="air-services-copy")
    sourced(title="Agreement on air services and cargo")
    assert found("duplicates") == {first.pk, second.pk}
    item = explained("duplicates", first)
    assert item.explanation == "Same title as “air-services-copy”."
    assert item.others == (("air-services-copy", change_url(second)),)


def test_documents_signed_the_same_day_by_the_same_parties_are_found():
    day = datetime.date(2024, 3, 11)
    kz, az = BodyFactory(country__code="KZ"), BodyFactory(country__code="AZ")

    def signed(first, second, on=day, **kwargs):
        document = DocumentFactory(signed_on=on, **kwargs)
        PartyFactory(document=document, body=first, order=1)
        PartyFactory(document=document, body=second, order=2)
        return document

    original = signed(kz, az, kind=models.Document.Kind.MEMORANDUM)
    reversed_order = signed(
        az, kz, slug="reversed-order", kind=models.Document.Kind.MEMORANDUM
    )
    # a package: the same parties sign an agreement the same day
    signed(kz, az, kind=models.Document.Kind.AGREEMENT)
    signed(kz, az, on=day + datetime.timedelta(days=1))  # another day
    signed(kz, BodyFactory(country__code="AZ"))  # another partner
    lone = DocumentFactory(signed_on=day)
    PartyFactory(document=lone, body=kz, order=1)  # one party only
    assert found("duplicates") == {original.pk, reversed_order.pk}
    assert explained("duplicates", original).explanation == (
        "Of the same kind, signed the same day by the same two parties as "
        "“reversed-order”."
    )


# --- Filters --------------------------------------------------------------------------


def test_filters_keep_documents_of_a_country_a_body_and_a_kind():
    kazakh = bilateral_document(kind=models.Document.Kind.AGREEMENT)
    german = bilateral_document(countries=("DE", "FR"))
    body = kazakh.parties.get(order=2).body
    assert found("no-source", Filters(country="KZ")) == {kazakh.pk}
    assert found("no-source", Filters(country="DE")) == {german.pk}
    assert found("no-source", Filters(body=body.slug)) == {kazakh.pk}
    assert found("no-source", Filters(kind="agreement")) == {kazakh.pk}
    assert found("no-source", Filters(kind="memorandum")) == {german.pk}
    assert found("no-source", Filters(country="DE", kind="agreement")) == set()


def test_filters_reach_events_actions_and_relations_through_their_documents():
    event = EventFactory(documents_reported=5, country=CountryFactory(code="FR"))
    bilateral_document(event=event, kind=models.Document.Kind.TREATY)
    elsewhere = EventFactory(documents_reported=5, country=CountryFactory(code="KZ"))
    assert found("event-count", Filters(kind="treaty")) == {event.pk}
    assert found("event-count", Filters(country="AZ")) == {event.pk}
    # an event with no document yet is found by the country it was held in
    assert found("event-count", Filters(country="KZ")) == {event.pk, elsewhere.pk}

    responsible = BodyFactory(country__code="DE")
    action = ActionFactory(basis="", responsible_bodies=[responsible])
    ActionFactory(basis="")
    assert found("inferred-actions", Filters(body=responsible.slug)) == {action.pk}

    german = bilateral_document(countries=("DE", "FR"))
    relation = RelationFactory(confidence=INFERRED, to_document=german)
    RelationFactory(confidence=INFERRED)
    assert found("inferred-relations", Filters(country="DE")) == {relation.pk}


def test_the_filter_form_refuses_what_names_nothing():
    form = quality.FilterForm(
        {"country": "zz", "body": "no-such-body", "kind": "scroll", "check": "x"}
    )
    assert not form.is_valid()
    assert set(form.errors) == {"country", "body", "kind", "check"}
    assert form.errors["country"] == ["No country has the code “ZZ”."]
    form = quality.FilterForm({"country": "kz", "body": "", "kind": ""})
    assert form.is_valid()
    assert form.filters() == Filters(country="KZ")


# --- Counts cached until the register changes -----------------------------------------


def test_counts_and_first_ids_are_cached_until_the_register_changes():
    check = CHECKS_BY_NAME["no-source"]
    documents = [bilateral_document() for _ in range(3)]
    summary = check.summary(Filters(), today=TODAY, stamp=register_stamp())
    assert summary[0] == 3
    assert set(summary[1]) == {d.pk for d in documents}
    with CaptureQueriesContext(connection) as queries:
        check.summary(Filters(), today=TODAY, stamp=register_stamp())
    assert len(queries) == 1  # the stamp only
    DocumentCitationFactory(document=documents[0])
    assert check.summary(Filters(), today=TODAY, stamp=register_stamp())[0] == 2


def test_the_cache_key_holds_the_filters():
    bilateral_document()
    bilateral_document(countries=("DE", "FR"))
    check, stamp = CHECKS_BY_NAME["no-source"], register_stamp()
    assert check.summary(Filters(), today=TODAY, stamp=stamp)[0] == 2
    assert check.summary(Filters(country="DE"), today=TODAY, stamp=stamp)[0] == 1
    assert check.summary(Filters(country="AZ"), today=TODAY, stamp=stamp)[0] == 1


def test_only_the_forecast_check_is_counted_again_the_next_day():
    document = bilateral_document(signed_on=datetime.date(2023, 4, 10))
    ActionFactory(document=document, due_on=TODAY, due_kind=models.DateKind.FORECAST)
    stamp, tomorrow = register_stamp(), TODAY + datetime.timedelta(days=1)
    forecasts, sources = CHECKS_BY_NAME["forecast-passed"], CHECKS_BY_NAME["no-source"]
    assert forecasts.summary(Filters(), today=TODAY, stamp=stamp)[0] == 0
    assert forecasts.summary(Filters(), today=tomorrow, stamp=stamp)[0] == 1
    assert sources.summary(Filters(), today=TODAY, stamp=stamp)[0] == 1
    with CaptureQueriesContext(connection) as queries:
        assert sources.summary(Filters(), today=tomorrow, stamp=stamp)[0] == 1
    assert len(queries) == 0


# --- The admin page -------------------------------------------------------------------


def test_the_page_has_its_admin_url():
    assert reverse("admin:agreements_data_quality") == URL


def test_the_page_lists_items_linked_to_the_forms_that_fix_them(admin_client):
    document = bilateral_document(title="Memorandum on nothing cited")
    event = EventFactory(documents_reported=4, title="Summit with four documents")
    response = admin_client.get(URL)
    assert response.status_code == HTTPStatus.OK
    assert "admin/agreements/data_quality.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f'href="{change_url(document)}"' in html
    assert f'href="{change_url(event)}"' in html
    assert "Memorandum on nothing cited" in html
    assert "Reported 4, recorded 0." in html
    for check in quality.CHECKS:
        assert escape(str(check.title)) in html


def test_the_page_filters_by_country(admin_client):
    kazakh = bilateral_document(title="Kazakh–Azerbaijani memorandum")
    german = bilateral_document(countries=("DE", "FR"), title="German–French accord")
    response = admin_client.get(URL, {"country": "de"})
    assert response.status_code == HTTPStatus.OK
    assert f'href="{change_url(german)}"' in response.content.decode()
    assert f'href="{change_url(kazakh)}"' not in response.content.decode()


def test_the_page_is_refused_to_anonymous_visitors(client):
    response = client.get(URL)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_page_needs_the_permission_to_view_documents(client, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == HTTPStatus.FORBIDDEN
    user.user_permissions.add(Permission.objects.get(codename="view_document"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    assert client.get(URL).status_code == HTTPStatus.OK


def test_editors_may_read_the_page(client, django_user_model):
    editor = django_user_model.objects.create_user("ed", password="pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get(URL).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "params, field",
    [
        ({"country": "ZZ"}, "country"),
        ({"country": "KAZ"}, "country"),
        ({"country": "<b>"}, "country"),
        ({"body": "no-such-body"}, "body"),
        ({"body": "not a slug"}, "body"),
        ({"kind": "scroll"}, "kind"),
        ({"check": "nothing"}, "check"),
    ],
)
def test_bad_filters_give_a_form_error_not_a_500(admin_client, params, field):
    bilateral_document()
    response = admin_client.get(URL, params)
    assert response.status_code == HTTPStatus.OK
    assert field in response.context["form"].errors
    assert "Please correct the errors below." in response.content.decode()
    assert "results" not in response.context


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999999", "1" * 40])
def test_bad_page_numbers_show_a_page(admin_client, page):
    bilateral_document()
    response = admin_client.get(URL, {"check": "no-source", "page": page})
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["results"][0].items) == 1


def test_one_check_is_listed_fifty_a_page(admin_client):
    documents = DocumentFactory.create_batch(55)
    first = admin_client.get(URL, {"check": "no-source"})
    assert first.status_code == HTTPStatus.OK
    (result,) = first.context["results"]
    assert result.check.name == "no-source"
    assert result.count == 55
    assert len(result.items) == 50
    second = admin_client.get(URL, {"check": "no-source", "page": 2})
    assert len(second.context["results"][0].items) == 5
    shown = {item.pk for item in result.items} | {
        item.pk for item in second.context["results"][0].items
    }
    assert shown == {d.pk for d in documents}
    assert 'href="?check=no-source&amp;page=2"' in first.content.decode()


def test_the_overview_links_to_a_check_with_more_items(admin_client):
    DocumentFactory.create_batch(quality.PREVIEW + 1)
    response = admin_client.get(URL, {"kind": "memorandum"})
    html = response.content.decode()
    assert 'href="?kind=memorandum&amp;check=no-source"' in html
    assert len(response.context["results"][0].items) == quality.PREVIEW


def fill_register(n):
    """``n`` documents for each document check, and ``n`` actions and relations."""
    event = EventFactory(documents_reported=n + 1)
    for number in range(n):
        document = bilateral_document(
            title=f"Twin title {number}",
            event=event,
            event_confidence=INFERRED,
            follow_up_status=FollowUp.COMPLETED,
            topics=[TopicFactory()],
            # in force on signature by its rule, recorded as only signed
            entry_into_force_rule=models.Document.EntryIntoForce.SIGNATURE,
        )
        DocumentFactory(title=f"twin TITLE {number}")
        document.parties.update(signatory_name="")
        ActionFactory(
            document=document,
            basis="",
            due_kind=models.DateKind.FORECAST,
            due_on=timezone.localdate() - datetime.timedelta(days=1),
        )
        RelationFactory(confidence=INFERRED, from_document=document)
        AttachmentFactory(
            document=document,
            text_state=models.Attachment.TextState.NO_TEXT_LAYER,
            extracted_text="",
        )


#: The overview: a query a check for its count and first items, one a check to
#: show them, and the admin's own; and the three with which the steps check derives
#: the statuses it compares (agreements.steps.queries.contradicted_ids).
QUERIES_OVERVIEW = 2 * len(quality.CHECKS) + 3 + 3


@pytest.mark.parametrize("n", [1, 12])
def test_the_page_queries_do_not_grow_with_its_items(
    admin_client, django_assert_max_num_queries, n
):
    fill_register(n)
    # keeps the page free of N+1 queries: one query a check for its count and first
    # items, one a check to show them, and the admin's own
    with django_assert_max_num_queries(QUERIES_OVERVIEW):
        response = admin_client.get(URL)
    results = {r.check.name: r for r in response.context["results"]}
    assert results.pop("event-count").count == 1
    assert results.pop("untranslated-events").count == 1  # the one event
    assert all(result.count >= n for result in results.values())
    assert len(results["duplicates"].items) == min(2 * n, quality.PREVIEW)
    # the second time counts and items come from the cache: the session, the user
    # and the register's stamp
    with django_assert_max_num_queries(3):
        admin_client.get(URL)


def register_queries(queries):
    """The queries of ``queries`` that read the register (not the session, the
    user or the register's stamp)."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if "agreements_" in query["sql"] and "agreements_generation" not in query["sql"]
    ]


def test_counts_come_from_the_cache_on_a_second_request(admin_client):
    fill_register(2)
    with CaptureQueriesContext(connection) as cold:
        first = admin_client.get(URL)
    with CaptureQueriesContext(connection) as warm:
        second = admin_client.get(URL)
    assert len(warm) < len(cold)
    counting = [sql for sql in register_queries(cold) if "OVER ()" in sql]
    assert len(counting) == len(quality.CHECKS)
    assert register_queries(warm) == []
    assert second.context["results"] == first.context["results"]


def test_items_are_cached_per_language():
    bilateral_document()
    check, stamp = CHECKS_BY_NAME["no-source"], register_stamp()
    check.preview(Filters(), today=TODAY, stamp=stamp)
    with CaptureQueriesContext(connection) as same:
        check.preview(Filters(), today=TODAY, stamp=stamp)
    with translation.override("ru"), CaptureQueriesContext(connection) as other:
        check.preview(Filters(), today=TODAY, stamp=stamp)
    assert register_queries(same) == []
    assert len(register_queries(other)) == 1  # the items, not the count


def test_one_check_page_queries_do_not_grow_with_its_items(
    admin_client, django_assert_max_num_queries
):
    DocumentFactory.create_batch(60)
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(5):
        response = admin_client.get(URL, {"check": "no-source", "page": 2})
    assert len(response.context["results"][0].items) == 10


def test_a_change_shows_on_the_next_request(admin_client):
    document = bilateral_document(summary="")  # nothing to translate
    assert f'href="{change_url(document)}"' in admin_client.get(URL).content.decode()
    for language in ("kk", "az"):
        DocumentTitleFactory(document=document, language=language)
    DocumentCitationFactory(document=document)
    response = admin_client.get(URL)
    assert f'href="{change_url(document)}"' not in response.content.decode()


# --- The command ----------------------------------------------------------------------


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("data_quality", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_each_check_its_count_and_items():
    document = bilateral_document(title="Memorandum on nothing cited")
    output = run()
    for check in quality.CHECKS:
        assert f"{check.title}: " in output
    assert "Documents without a source: 1\n" in output
    assert "- Memorandum on nothing cited: No source is cited.\n" in output
    assert f"  {change_url(document)}\n" in output


def test_the_command_filters_and_limits():
    DocumentFactory.create_batch(3, kind=models.Document.Kind.TREATY)
    german = bilateral_document(countries=("DE", "FR"), title="German–French accord")
    output = run("--check", "no-source", "--limit", "1")
    assert output.startswith("Documents without a source: 4\n")
    assert output.count("\n- ") + output.startswith("- ") == 1
    assert "… and 3 more" in output
    assert "Documents with a signatory" not in output
    output = run("--check", "no-source", "--country", "de")
    assert output == (
        "Documents without a source: 1\n"
        "- German–French accord: No source is cited.\n"
        f"  {change_url(german)}\n"
    )
    assert run("--check", "no-source", "--kind", "treaty", "--limit", "0") == (
        "Documents without a source: 3\n"
    )


def test_the_command_lists_past_the_cached_first_items():
    DocumentFactory.create_batch(quality.PREVIEW + 5)
    output = run("--check", "no-source", "--limit", str(quality.PREVIEW + 5))
    assert output.count("/admin/agreements/document/") == quality.PREVIEW + 5
    assert "more" not in output


def test_the_command_refuses_filters_that_name_nothing():
    with pytest.raises(CommandError, match="No country has the code “ZZ”"):
        run("--country", "zz")
    with pytest.raises(CommandError, match="--kind"):
        run("--kind", "scroll")
    with pytest.raises(CommandError):
        run("--limit", "-1")


# --- The real fixtures ----------------------------------------------------------------

FTC_MOU = "kz-az-2023-mou-foreign-trade-chamber-smbda"
UNSIGNED_MOUS = (
    FTC_MOU,
    "kz-az-2023-mou-information-social-development-youth-sports",
    "kz-az-2023-mou-scientific-cooperation-academies-of-sciences",
)
AZERTAC_MOU = "kz-az-2023-mou-tv-radio-complex-azertac"
PROTOCOL = "kz-az-2023-protocol-supreme-interstate-council"


@pytest.fixture
def fixtures():
    call_command("loaddata", "kz_az_2023", "kz_az_2023_followup", verbosity=0)


def slugs(name, filters=None):
    pks = found(name, filters, today=timezone.localdate())
    return set(
        models.Document.objects.filter(pk__in=pks).values_list("slug", flat=True)
    )


def test_the_fixtures_mous_without_signatories_are_listed(fixtures):
    assert set(UNSIGNED_MOUS) <= slugs("no-signatory")
    assert set(UNSIGNED_MOUS) <= slugs("no-signatory", Filters(country="AZ"))
    assert set(UNSIGNED_MOUS) <= slugs("no-signatory", Filters(kind="memorandum"))


def test_the_fixtures_documents_without_an_azerbaijani_title_are_listed(fixtures):
    # worked out here from the rows: documents with an Azerbaijani party and no
    # Azerbaijani title
    expected = set(
        models.Document.objects.filter(parties__body__country__code="AZ")
        .exclude(titles__language="az")
        .values_list("slug", flat=True)
    )
    assert FTC_MOU in expected
    assert expected <= slugs("no-partner-title")
    document = models.Document.objects.get(slug=FTC_MOU)
    assert "Azerbaijani" in explained("no-partner-title", document).explanation


def test_the_fixtures_inferred_place_among_the_six_is_listed(fixtures):
    document = models.Document.objects.get(slug=AZERTAC_MOU)
    assert document.event_confidence == INFERRED
    assert AZERTAC_MOU in slugs("inferred-documents")
    assert "its place among the event's reported documents" in (
        explained("inferred-documents", document).explanation
    )


def test_the_fixtures_protocol_status_is_checked_against_its_actions(fixtures):
    protocol = models.Document.objects.get(slug=PROTOCOL)
    statuses = set(protocol.actions.values_list("status", flat=True))
    in_progress = protocol.follow_up_status == FollowUp.IN_PROGRESS
    contradicts = in_progress and statuses == {Status.DONE}
    assert (PROTOCOL in slugs("follow-up-contradiction")) == contradicts


def test_the_fixtures_queue_on_the_page_and_from_the_command(
    fixtures, admin_client, django_assert_max_num_queries
):
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(QUERIES_OVERVIEW):
        response = admin_client.get(URL, {"country": "AZ"})
    assert response.status_code == HTTPStatus.OK
    # one check a page (50 items), so that documents the fixtures may gain do not
    # push these out of the overview's first 20
    unsigned = admin_client.get(URL, {"check": "no-signatory", "kind": "memorandum"})
    for slug in UNSIGNED_MOUS:
        document = models.Document.objects.get(slug=slug)
        assert f'href="{change_url(document)}"' in unsigned.content.decode()
    azertac = models.Document.objects.get(slug=AZERTAC_MOU)
    inferred = admin_client.get(URL, {"check": "inferred-documents", "country": "AZ"})
    assert f'href="{change_url(azertac)}"' in inferred.content.decode()
    output = run("--check", "no-signatory", "--kind", "memorandum", "--limit", "50")
    ftc = models.Document.objects.get(slug=FTC_MOU)
    assert f"- {ftc.title}: No signatory recorded for" in output
    assert f"  {change_url(ftc)}\n" in output


# --- Text not yet in every language ---------------------------------------------------


def test_a_summary_missing_in_a_language_is_listed_for_that_language():
    russian_only = bilateral_document(summary="On science.", summary_ru="О науке.")
    everywhere = bilateral_document(
        summary="On trade.",
        summary_ru="О торговле.",
        summary_kk="Сауда туралы.",
        summary_az="Ticarət haqqında.",
    )
    bilateral_document(summary="On media.", is_published=False)  # not public
    bilateral_document(summary="")  # nothing to translate

    assert found("untranslated-documents", Filters(language="ru")) == set()
    assert found("untranslated-documents", Filters(language="kk")) == {russian_only.pk}
    assert found("untranslated-documents") == {russian_only.pk}
    assert everywhere.pk not in found("untranslated-documents")
    assert explained("untranslated-documents", russian_only).explanation == (
        "Not yet in Kazakh: summary. Not yet in Azerbaijani: summary."
    )


def test_names_events_topics_and_actions_missing_in_a_language_are_listed():
    document = bilateral_document(topics=[TopicFactory(name="energy")])
    body = document.parties.first().body
    models.Body.objects.filter(pk=body.pk).update(
        name_ru="Министерство",
        name_kk="Министрлік",
        name_az="Nazirlik",
        **{f"short_name_{code}": "M" for code in ("ru", "kk", "az")},
        **{f"description_{code}": "" for code in ("en_gb", "ru", "kk", "az")},
    )
    action = ActionFactory(document=document, description="")
    event = EventFactory(description="")
    document.event = event
    document.save()

    topics = set(document.topics.values_list("pk", flat=True))
    for language in ("ru", "kk", "az"):
        filters = Filters(language=language)
        assert body.pk not in found("untranslated-bodies", filters)
        assert found("untranslated-topics", filters) == topics
        assert found("untranslated-actions", filters) == {action.pk}
        assert found("untranslated-events", filters) == {event.pk}
    other = document.parties.last().body
    assert other.pk in found("untranslated-bodies", Filters(language="kk"))


def test_the_language_filter_refuses_an_unknown_language(admin_client):
    response = admin_client.get(URL, {"language": "fr"})
    assert response.status_code == HTTPStatus.OK
    assert "fr is not one of the available choices" in response.content.decode()


def test_the_command_lists_text_missing_in_a_language():
    bilateral_document(title="Memorandum on energy", summary="On energy.")
    output = run("--check", "untranslated-documents", "--language", "az")
    assert "Summaries not yet in every language: 1\n" in output
    assert "- Memorandum on energy: Not yet in Russian: summary." in output
