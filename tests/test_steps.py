"""Each party's legal life (issue 16): steps, the status they derive, the per-party
table, the ``?party_status=`` filter and the admin that records them."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.test import Client

from agreements import models, quality
from agreements.aggregates import register_stamp
from agreements.steps.status import delete_step, derived_for, record_step
from tests import factories
from tests.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

Kind = models.StepKind
Rule = models.Document.EntryIntoForce
Status = models.Document.LegalStatus
SIGNED_ON = datetime.date(2019, 3, 19)
CONFLICT = "was changed by someone else while you were editing it"


def document(rule=Rule.UNKNOWN, **kwargs):
    return factories.bilateral_document(
        signed_on=SIGNED_ON, entry_into_force_rule=rule, **kwargs
    )


def party(doc, code):
    return doc.parties.get(body__country__code=code)


def step(doc, code, kind, day, **kwargs):
    """A step recorded through the service, as staff and scripts record them."""
    return record_step(
        step=models.PartyStep(
            party=party(doc, code),
            kind=kind,
            happened_on=day,
            source=factories.SourceFactory(),
            **kwargs,
        )
    )


def stored(doc):
    doc.refresh_from_db()
    return doc.legal_status, doc.entered_into_force_on, doc.ended_on


# --- The derived status, rule by rule -------------------------------------------------


def test_unknown_rule_derives_nothing_from_notifications():
    doc = document()
    step(doc, "KZ", Kind.NOTIFICATION, datetime.date(2019, 5, 1))
    step(doc, "AZ", Kind.NOTIFICATION, datetime.date(2019, 6, 1))
    assert derived_for(doc) is None
    assert stored(doc) == (Status.SIGNED, None, None)


def test_on_signature_is_in_force_from_the_signature():
    doc = document(Rule.SIGNATURE)
    step(doc, "KZ", Kind.SIGNATURE, SIGNED_ON)
    assert stored(doc) == (Status.IN_FORCE, SIGNED_ON, None)


def test_last_notification_waits_for_every_party():
    doc = document(Rule.LAST_NOTIFICATION)
    step(doc, "KZ", Kind.NOTIFICATION, datetime.date(2019, 5, 20))
    # one side only: the steps say too little, the stored status stays
    assert stored(doc) == (Status.SIGNED, None, None)
    step(doc, "AZ", Kind.NOTIFICATION, datetime.date(2019, 4, 15))
    assert stored(doc) == (Status.IN_FORCE, datetime.date(2019, 5, 20), None)


def test_days_after_the_last_notification():
    doc = document(Rule.DAYS_AFTER_NOTIFICATION, entry_into_force_days=30)
    step(doc, "KZ", Kind.NOTIFICATION, datetime.date(2019, 5, 20))
    step(doc, "AZ", Kind.NOTIFICATION, datetime.date(2019, 4, 15))
    assert stored(doc) == (Status.IN_FORCE, datetime.date(2019, 6, 19), None)


def test_days_after_a_notification_still_to_come_is_signed():
    today = datetime.date.today()
    doc = document(Rule.DAYS_AFTER_NOTIFICATION, entry_into_force_days=3000)
    models.Document.objects.filter(pk=doc.pk).update(legal_status=Status.PROVISIONAL)
    step(doc, "KZ", Kind.NOTIFICATION, today)
    step(doc, "AZ", Kind.NOTIFICATION, today)
    assert stored(doc) == (Status.SIGNED, None, None)


def test_a_notification_known_to_the_month_gives_no_date():
    doc = document(Rule.LAST_NOTIFICATION)
    step(doc, "KZ", Kind.NOTIFICATION, datetime.date(2019, 5, 20))
    step(
        doc,
        "AZ",
        Kind.NOTIFICATION,
        datetime.date(2019, 6, 1),
        date_precision=models.DatePrecision.MONTH,
    )
    assert stored(doc) == (Status.SIGNED, None, None)


def test_on_a_given_date():
    doc = document(Rule.FIXED_DATE, entry_into_force_date=datetime.date(2020, 1, 1))
    step(doc, "KZ", Kind.RATIFICATION, datetime.date(2019, 6, 1))
    assert stored(doc) == (Status.IN_FORCE, datetime.date(2020, 1, 1), None)


def test_a_withdrawal_terminates_it_whatever_the_rule():
    doc = document()
    step(doc, "AZ", Kind.WITHDRAWAL, datetime.date(2022, 2, 1))
    assert stored(doc) == (Status.TERMINATED, None, datetime.date(2022, 2, 1))


def test_a_suspension_suspends_it_while_it_is_a_partys_latest_step():
    doc = document(Rule.SIGNATURE)
    suspension = step(doc, "KZ", Kind.SUSPENSION, datetime.date(2021, 1, 1))
    assert stored(doc) == (Status.SUSPENDED, SIGNED_ON, None)
    delete_step(step=suspension)
    assert stored(doc) == (Status.IN_FORCE, SIGNED_ON, None)


def test_provisional_application_by_every_party():
    doc = document()
    step(doc, "KZ", Kind.PROVISIONAL_APPLICATION, SIGNED_ON)
    assert stored(doc)[0] == Status.SIGNED
    step(doc, "AZ", Kind.PROVISIONAL_APPLICATION, SIGNED_ON)
    assert stored(doc)[0] == Status.PROVISIONAL


def test_an_expired_document_keeps_its_status():
    doc = document(Rule.SIGNATURE, legal_status=Status.EXPIRED)
    step(doc, "KZ", Kind.SIGNATURE, SIGNED_ON)
    assert stored(doc)[0] == Status.EXPIRED


def test_recomputing_leaves_a_history_entry_and_moves_the_version():
    doc = document(Rule.SIGNATURE)
    version = doc.version
    step(doc, "KZ", Kind.SIGNATURE, SIGNED_ON)
    doc.refresh_from_db()
    assert doc.version == version + 1
    assert doc.history.first().history_change_reason == (
        "derived from the parties' steps"
    )


def test_deleting_the_step_that_put_it_in_force_leaves_the_stored_status():
    doc = document(Rule.LAST_NOTIFICATION)
    step(doc, "KZ", Kind.NOTIFICATION, datetime.date(2019, 5, 20))
    last = step(doc, "AZ", Kind.NOTIFICATION, datetime.date(2019, 4, 15))
    delete_step(step=last)
    # too little to say it is not in force: kept, and not contradicted
    assert stored(doc)[0] == Status.IN_FORCE
    assert derived_for(doc) is None


# --- The model's rules --------------------------------------------------------------


def test_a_party_takes_a_step_once_on_a_day():
    doc = document()
    step(doc, "KZ", Kind.APPROVAL, datetime.date(2019, 5, 17))
    with pytest.raises(ValidationError) as error:
        step(doc, "KZ", Kind.APPROVAL, datetime.date(2019, 5, 17))
    assert "already has this step on this date" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        models.PartyStep.objects.create(
            party=party(doc, "KZ"),
            kind=Kind.APPROVAL,
            happened_on=datetime.date(2019, 5, 17),
        )


def test_a_step_cannot_come_before_the_signature_nor_its_act_after_it():
    doc = document()
    with pytest.raises(ValidationError) as error:
        step(doc, "KZ", Kind.RATIFICATION, datetime.date(2019, 1, 1))
    assert "happened_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        step(
            doc,
            "KZ",
            Kind.RATIFICATION,
            datetime.date(2019, 5, 1),
            act_date=datetime.date(2019, 5, 2),
        )
    assert "act_date" in error.value.message_dict


def test_the_rules_figures_go_with_their_rule_only():
    doc = document()
    doc.entry_into_force_days = 30
    with pytest.raises(ValidationError) as error:
        doc.full_clean()
    assert "entry_into_force_days" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Document.objects.filter(pk=doc.pk).update(entry_into_force_days=30)
    doc = document(Rule.FIXED_DATE, entry_into_force_date=datetime.date(2020, 1, 1))
    doc.entry_into_force_date = None
    with pytest.raises(ValidationError) as error:
        doc.full_clean()
    assert "entry_into_force_date" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Document.objects.filter(pk=doc.pk).update(entry_into_force_date=None)


# --- The data-quality check ---------------------------------------------------------


def found(today=None):
    check = quality.CHECKS_BY_NAME["status-contradicts-steps"]
    return {
        doc.pk for doc in check.find(quality.Filters(), today or datetime.date.today())
    }


def test_the_queue_flags_a_stored_status_the_steps_contradict():
    doc = document(Rule.LAST_NOTIFICATION)
    step(doc, "KZ", Kind.NOTIFICATION, datetime.date(2019, 5, 20))
    step(doc, "AZ", Kind.NOTIFICATION, datetime.date(2019, 5, 21))
    agreeing = document(Rule.SIGNATURE)
    step(agreeing, "KZ", Kind.SIGNATURE, SIGNED_ON)
    unknown = document()
    step(unknown, "KZ", Kind.NOTIFICATION, datetime.date(2019, 5, 20))
    assert found() == set()
    # staff set it by hand (or a script wrote it): the steps say otherwise
    models.Document.objects.filter(pk=doc.pk).update(legal_status=Status.SIGNED)
    models.Document.objects.filter(pk=unknown.pk).update(legal_status=Status.IN_FORCE)
    assert found() == {doc.pk}
    check = quality.CHECKS_BY_NAME["status-contradicts-steps"]
    (item,) = check.items_for([doc.pk], datetime.date.today())
    assert "Recorded as “signed”" in item.explanation
    assert "on the date of the last notification" in item.explanation


def test_the_queue_flags_a_date_the_steps_contradict():
    doc = document(Rule.SIGNATURE)
    step(doc, "KZ", Kind.SIGNATURE, SIGNED_ON)
    models.Document.objects.filter(pk=doc.pk).update(
        entered_into_force_on=datetime.date(2019, 4, 1)
    )
    assert found() == {doc.pk}


def test_the_queue_page_lists_the_check(admin_client):
    doc = document(Rule.SIGNATURE)
    response = admin_client.get(
        "/admin/agreements/data-quality/", {"check": "status-contradicts-steps"}
    )
    assert response.status_code == HTTPStatus.OK
    assert f"/admin/agreements/document/{doc.pk}/change/" in response.content.decode()


# --- The public page's per-party table ------------------------------------------------


def steps_table(response):
    html = response.content.decode()
    start = html.index('id="steps"')
    return html[start : html.index("</table>", start)]


def test_the_page_shows_each_partys_steps_and_unknown_for_the_rest(client):
    doc = document()
    approval = step(
        doc,
        "AZ",
        Kind.APPROVAL,
        datetime.date(2019, 4, 11),
        act_title="Law on the approval of the agreement",
        act_number="1558-VQ",
        act_date=datetime.date(2019, 4, 11),
        note="Published in Azərbaycan.",
    )
    table = steps_table(client.get(doc.get_absolute_url()))
    assert "Approval:" in table
    assert '<time datetime="2019-04-11">11 April 2019</time>' in table
    assert "Law on the approval of the agreement" in table
    assert "No. 1558-VQ" in table
    assert f'href="{approval.source.url}"' in table
    assert "Reported" in table
    assert "Published in Azərbaycan." in table
    # five columns for each of two parties; one holds a step
    assert table.count(">unknown<") == 2 * 5 - 1
    assert "rule of entry into force is not recorded" in table


def test_a_page_without_steps_reads_unknown_everywhere(client):
    doc = document()
    table = steps_table(client.get(doc.get_absolute_url()))
    assert table.count(">unknown<") == 10
    assert "Rule of entry into force" not in table


def test_the_page_names_the_rule_of_entry_into_force(client):
    doc = document(Rule.DAYS_AFTER_NOTIFICATION, entry_into_force_days=30)
    html = client.get(doc.get_absolute_url()).content.decode()
    assert (
        "Rule of entry into force: a number of days after the last notification. "
        "30 days after the last notification." in html
    )


@pytest.mark.parametrize("parties", [2, 5])
def test_the_page_queries_do_not_grow_with_the_steps(
    client, django_assert_max_num_queries, parties
):
    codes = ("KZ", "AZ", "RU", "TR", "GE")[:parties]
    doc = factories.bilateral_document(countries=codes)
    for party_ in doc.parties.all():
        for kind, days in ((Kind.SIGNATURE, 0), (Kind.RATIFICATION, 40)):
            factories.PartyStepFactory(
                party=party_,
                kind=kind,
                happened_on=doc.signed_on + datetime.timedelta(days=days),
            )
    # keeps the page free of N+1 queries: the same count with 2 or 5 parties
    with django_assert_max_num_queries(24):
        response = client.get(doc.get_absolute_url())
    assert steps_table(response).count("Confirmed") == 2 * parties


def test_a_drafts_steps_are_never_public(client):
    draft = document(is_published=False)
    step(draft, "KZ", Kind.RATIFICATION, datetime.date(2019, 9, 9), note="Secret")
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    response = client.get("/agreements/", {"party_status": "KZ:ratified"})
    assert draft.title not in response.content.decode()
    assert response.context["page_obj"].paginator.count == 0


# --- ?party_status= -------------------------------------------------------------------


@pytest.fixture
def kz_ratified_az_not(db):
    both = document(title="Both ratified")
    step(both, "KZ", Kind.RATIFICATION, datetime.date(2019, 6, 1))
    step(both, "AZ", Kind.ACCEPTANCE, datetime.date(2019, 6, 2))
    kz_only = document(title="Kazakhstan approved")
    step(kz_only, "KZ", Kind.APPROVAL, datetime.date(2019, 6, 1))
    step(kz_only, "AZ", Kind.SIGNATURE, SIGNED_ON)
    neither = document(title="Nobody ratified")
    other = factories.bilateral_document(
        title="Kazakhstan and Russia", countries=("KZ", "RU")
    )
    return both, kz_only, neither, other


def titles(response):
    return {doc.title for doc in response.context["page_obj"].object_list}


def test_party_status_finds_what_kazakhstan_ratified_and_azerbaijan_did_not(
    client, kz_ratified_az_not
):
    response = client.get(
        "/agreements/?party_status=KZ:ratified&party_status=AZ:not_ratified"
    )
    assert response.status_code == HTTPStatus.OK
    assert titles(response) == {"Kazakhstan approved"}
    assert titles(client.get("/agreements/?party_status=kz:Ratified")) == {
        "Both ratified",
        "Kazakhstan approved",
    }
    # "not" needs the country as a party: the KZ–RU document is not Azerbaijan's
    assert titles(client.get("/agreements/?party_status=AZ:not_signed")) == {
        "Both ratified",
        "Nobody ratified",
    }


def test_party_status_rows_are_not_duplicated(client, kz_ratified_az_not):
    both = kz_ratified_az_not[0]
    step(both, "KZ", Kind.APPROVAL, datetime.date(2019, 7, 1))
    response = client.get("/agreements/?party_status=KZ:ratified")
    listed = [doc.title for doc in response.context["page_obj"].object_list]
    assert listed.count("Both ratified") == 1
    assert response.context["page_obj"].paginator.count == 2


def test_party_status_is_shown_as_a_removable_tag(client, kz_ratified_az_not):
    response = client.get("/agreements/?party_status=AZ:not_ratified")
    assert (
        "A party’s steps: Azerbaijan: not ratified, approved or accepted"
        in response.content.decode()
    )
    assert 'value="AZ:not_ratified"' in response.content.decode()


@pytest.mark.parametrize(
    "value",
    ["KZ", "KZ:", "XX:ratified", "KZ:married", "KZ:not_", "KZ:ratified:1", "🇰🇿:x"],
)
def test_a_bad_party_status_is_a_form_error_not_a_500(
    client, kz_ratified_az_not, value
):
    response = client.get("/agreements/", {"party_status": value})
    assert response.status_code == HTTPStatus.OK
    assert "is not a party’s status" in response.content.decode()
    assert response.context["page_obj"] is None or not titles(response)
    export = client.get("/agreements/export.csv", {"party_status": value})
    assert export.status_code == HTTPStatus.BAD_REQUEST


def test_too_many_party_statuses_are_refused(client):
    words = ("signed", "ratified", "notified", "in_force", "provisional", "suspended")
    query = "&".join(f"party_status=KZ:{w}" for w in (*words, "withdrawn"))
    response = client.get(f"/agreements/?{query}")
    assert response.status_code == HTTPStatus.OK
    assert "at most 6 party statuses" in response.content.decode()


# --- The admin ------------------------------------------------------------------------


@pytest.fixture
def alice(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("alice"))
    return client


def inline_data(data, prefix="steps", **row):
    data[f"{prefix}-TOTAL_FORMS"] = str(int(data[f"{prefix}-TOTAL_FORMS"]) + 1)
    index = int(data[f"{prefix}-TOTAL_FORMS"]) - 1
    for name, value in row.items():
        data[f"{prefix}-{index}-{name}"] = value
    return data


def test_staff_add_a_step_on_the_partys_page_and_the_status_follows(alice):
    doc = document(Rule.SIGNATURE)
    source = factories.SourceFactory()
    kz = party(doc, "KZ")
    data = form_data(alice.get(change_url(kz)))
    inline_data(
        data,
        kind=Kind.RATIFICATION,
        happened_on="2019-06-01",
        date_precision="day",
        source=str(source.pk),
        confidence="confirmed",
        act_title="Law No. 250-VI",
    )
    response = alice.post(change_url(kz), data, follow=True)
    assert response.status_code == HTTPStatus.OK
    saved = kz.steps.get()
    assert (saved.kind, saved.act_title, saved.source) == (
        Kind.RATIFICATION,
        "Law No. 250-VI",
        source,
    )
    assert stored(doc)[0] == Status.IN_FORCE
    assert "follows from its parties" in response.content.decode()


def test_a_step_changed_meanwhile_is_refused_in_the_partys_inline(alice):
    doc = document()
    row = step(doc, "KZ", Kind.APPROVAL, datetime.date(2019, 5, 17))
    data = form_data(alice.get(change_url(row.party)))
    key = next(k for k, v in data.items() if k.endswith("-id") and v == str(row.pk))
    prefix = key[: -len("id")]
    models.PartyStep.objects.filter(pk=row.pk).update(
        note="Bob's", version=F("version") + 1
    )
    data[f"{prefix}note"] = "Alice's"
    response = alice.post(change_url(row.party), data)
    assert response.status_code == HTTPStatus.OK
    assert CONFLICT in " ".join(response.content.decode().split())
    row.refresh_from_db()
    assert row.note == "Bob's"


def test_a_step_edited_in_the_inline_moves_its_version(alice):
    doc = document()
    row = step(doc, "KZ", Kind.APPROVAL, datetime.date(2019, 5, 17))
    data = form_data(alice.get(change_url(row.party)))
    key = next(k for k, v in data.items() if k.endswith("-id") and v == str(row.pk))
    data[f"{key[: -len('id')]}note"] = "changed"
    assert alice.post(change_url(row.party), data).status_code == HTTPStatus.FOUND
    row.refresh_from_db()
    assert (row.note, row.version) == ("changed", 2)


def test_a_steps_own_page_refuses_the_second_save(alice, django_user_model):
    bob = Client()
    bob.force_login(django_user_model.objects.create_superuser("bob"))
    row = step(document(), "KZ", Kind.APPROVAL, datetime.date(2019, 5, 17))
    alice_form = form_data(alice.get(change_url(row)))
    bob_form = form_data(bob.get(change_url(row)))
    alice_form["note"], bob_form["note"] = "Alice's", "Bob's"
    assert alice.post(change_url(row), alice_form).status_code == HTTPStatus.FOUND
    response = bob.post(change_url(row), bob_form)
    assert response.status_code == HTTPStatus.OK
    assert CONFLICT in " ".join(response.content.decode().split())
    row.refresh_from_db()
    assert row.note == "Alice's"


def test_deleting_a_step_on_its_page_recomputes_the_status(alice):
    doc = document(Rule.SIGNATURE)
    row = step(doc, "KZ", Kind.WITHDRAWAL, datetime.date(2022, 1, 1))
    assert stored(doc)[0] == Status.TERMINATED
    response = alice.post(
        f"{change_url(row)[: -len('change/')]}delete/", {"post": "yes"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert stored(doc) == (Status.IN_FORCE, SIGNED_ON, None)


def test_the_documents_form_summarises_the_steps_with_links(alice):
    doc = document()
    row = step(doc, "AZ", Kind.APPROVAL, datetime.date(2019, 4, 11))
    html = alice.get(change_url(doc)).content.decode()
    start = html.index('id="steps-table"')
    summary = html[start : html.index("</table>", start)]
    assert f'href="{change_url(row)}"' in summary
    assert "approval: 11 april 2019" in summary.lower()
    assert f'href="{change_url(party(doc, "KZ"))}#steps-group"' in summary
    assert summary.count(">unknown<") == 2 * 5 - 1


def test_the_documents_form_sets_the_rule_and_the_status_follows(alice):
    doc = document()
    data = form_data(alice.get(change_url(doc)))
    data["entry_into_force_rule"] = Rule.FIXED_DATE
    data["entry_into_force_date"] = "2019-04-01"
    response = alice.post(change_url(doc), data)
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    assert stored(doc) == (Status.IN_FORCE, datetime.date(2019, 4, 1), None)


def test_the_documents_form_refuses_days_without_their_rule(alice):
    doc = document()
    data = form_data(alice.get(change_url(doc)))
    data["entry_into_force_days"] = "30"
    response = alice.post(change_url(doc), data)
    assert response.status_code == HTTPStatus.OK
    assert "Only “a number of days after the last notification” has days." in (
        response.content.decode()
    )


# --- The real data --------------------------------------------------------------------


def test_the_2019_agreement_records_the_two_approvals_and_derives_nothing(client):
    from django.core.management import call_command

    call_command("loaddata", "kz_az_2023", verbosity=0)
    agreement = models.Document.objects.get(
        slug="az-kz-2019-agreement-caspian-fibre-optic-lines"
    )
    steps = {
        (s.party.body.country.code, s.kind, s.happened_on, s.source.url, s.act_number)
        for s in models.PartyStep.objects.filter(party__document=agreement)
    }
    source = "https://www.digitalsilkway.az/page/36/azerbaijan-kazakhstan-route"
    assert steps == {
        ("AZ", Kind.APPROVAL, datetime.date(2019, 4, 11), source, ""),
        ("KZ", Kind.APPROVAL, datetime.date(2019, 5, 17), source, ""),
    }
    assert models.PartyStep.objects.count() == 2
    assert agreement.entry_into_force_rule == Rule.UNKNOWN
    assert derived_for(agreement) is None
    assert agreement.legal_status == Status.SIGNED
    table = steps_table(client.get(agreement.get_absolute_url()))
    assert table.count("Approval:") == 2
    assert table.count(">unknown<") == 2 * 5 - 2
    assert register_stamp() is not None


# --- The daily refresh ----------------------------------------------------------------


def refresh(*args):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_legal_status", *args, stdout=out)
    return out.getvalue()


def test_the_daily_refresh_stores_what_the_calendar_changed():
    # both notifications are recorded as they were at the time (no recompute), so
    # the stored status is still "signed", as on the eve of entry into force
    doc = document(Rule.DAYS_AFTER_NOTIFICATION, entry_into_force_days=30)
    for code, day in (("KZ", datetime.date(2019, 5, 20)), ("AZ", SIGNED_ON)):
        factories.PartyStepFactory(
            party=party(doc, code), kind=Kind.NOTIFICATION, happened_on=day
        )
    untouched = document(Rule.SIGNATURE, title="Already in force")
    step(untouched, "KZ", Kind.SIGNATURE, SIGNED_ON)
    document(title="No rule, no steps")
    documents = models.Document.objects.count()

    out = refresh("--dry-run")
    assert f"{doc.slug}: signed -> in force" in out
    assert "2 document(s) checked, 1 would change." in out
    assert stored(doc) == (Status.SIGNED, None, None)

    out = refresh()
    assert f"{doc.slug}: signed -> in force" in out
    assert "2 document(s) checked, 1 changed." in out
    assert stored(doc) == (Status.IN_FORCE, datetime.date(2019, 6, 19), None)
    assert doc.history.first().history_change_reason == (
        "derived from the parties' steps"
    )
    assert models.Document.objects.count() == documents
    assert "0 changed." in refresh()  # a second run finds nothing to do
