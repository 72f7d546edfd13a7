"""Script and HTML typed into any text field come out as text, never as markup.

Every text field of every model of the register (found through ``_meta``, so a field
added later is covered without touching this file) holds its own numbered payload::

    <script>alert(N)</script>"'><img src=x onerror=alert(N)>

Each public page, the follow-up dashboard, the sitemap and the admin (changelists,
change forms, history and delete pages) must never contain a payload as written,
and must contain its escaped form wherever the field is shown. The iCalendar feed is
read back with ``icalendar``: text comes back as the same plain text, and a title
holding line breaks and ``BEGIN:VEVENT`` adds no line, property or event.
"""

import datetime
import re
from http import HTTPStatus
from urllib.parse import quote

import icalendar
import markupsafe
import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models as db
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from modeltranslation.translator import NotRegistered, translator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from agreements.models import Action, Country, Document
from tests.factories import (
    ActionCitationFactory,
    ActionFactory,
    AttachmentFactory,
    BodyFactory,
    BodyNameFactory,
    DocumentCitationFactory,
    DocumentFactory,
    DocumentIdentifierFactory,
    DocumentTitleFactory,
    EventCitationFactory,
    EventFactory,
    PartyCitationFactory,
    PartyFactory,
    PartyStepFactory,
    ProgressUpdateFactory,
    RelationFactory,
    ReminderLogFactory,
    SourceFactory,
    SpreadsheetImportFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

#: Markup that only a payload left unescaped can produce.
UNESCAPED = re.compile(r"<script>alert\(|<img[ /]src=x[ /]onerror", re.IGNORECASE)


def shown_escaped(text, content):
    """Whether ``text`` is in ``content`` escaped, as Django's templates escape it
    (``&#x27;``) or as Jinja2's, which render the forms' widgets (``&#39;``)."""
    return escape(text) in content or str(markupsafe.escape(text)) in content


def register_models():
    """The register's models, without the history tables simple_history adds."""
    return [
        model
        for model in apps.get_app_config("agreements").get_models()
        if not issubclass(model, HistoricalChanges)
    ]


def translated(model):
    """The names of ``model``'s fields kept in each language (``name`` for
    ``name_en_gb``, ``name_ru``...)."""
    try:
        return set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        return set()


#: Text that staff send other than by typing it in a form: the name of a file they
#: upload (kept with the spreadsheet's check, ``SpreadsheetImport``).
SENT_BY_STAFF = {"agreements.SpreadsheetImport.file_name"}


def text_fields(model):
    """The fields of ``model`` that hold free text typed (or sent) by staff.

    Stored choices are left out (pages show their labels), and so are fields
    nobody types (``search_text`` is kept by database triggers) and the original
    column of a field kept in each language (staff type each language's column).
    """
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, db.CharField | db.TextField)
        and (field.editable or f"{model._meta.label}.{field.name}" in SENT_BY_STAFF)
        and not field.choices
        and field.name not in translated(model)
    ]


def in_language(name, language="en_gb"):
    """``Body.name`` -> ``Body.name_ru`` for a field kept in each language."""
    model_name, field = name.split(".")
    model = apps.get_model("agreements", model_name)
    return f"{name}_{language}" if field in translated(model) else name


def label(field):
    return f"{field.model._meta.label}.{field.name}"


def payload(field, number):
    """The field's payload, or ``None`` if the field is too short for a script.

    URL fields get a URL that Django's URL validator accepts (the admin lets it
    through), with the script in its path.
    """
    if isinstance(field, db.URLField):
        text = (
            f"https://example.org/{number}\"'><script>alert({number})</script>"
            f"<img/src=x/onerror=alert({number})>"
        )
    else:
        text = (
            f"<script>alert({number})</script>\"'><img src=x onerror=alert({number})>"
        )
    if field.max_length and len(text) > field.max_length:
        text = f"<script>alert({number})</script>"
    if field.max_length and len(text) > field.max_length:
        return None
    return text


#: Every text field of every model, numbered in a fixed order.
FIELDS = {
    label(field): (field, number)
    for number, field in enumerate(
        (field for model in register_models() for field in text_fields(model)),
        start=1,
    )
}


def with_payloads(instance):
    """Put its payload in each text field of ``instance`` and save it (so the
    history records the change). A slug that is part of a page's address keeps
    its value: the URL patterns accept only letters, digits and hyphens."""
    for field in text_fields(type(instance)):
        _field, number = FIELDS[label(field)]
        text = payload(field, number)
        if text is None:
            continue
        before = getattr(instance, field.attname)
        setattr(instance, field.attname, text)
        if isinstance(field, db.SlugField) and hasattr(instance, "get_absolute_url"):
            try:
                instance.get_absolute_url()
            except NoReverseMatch:
                setattr(instance, field.attname, before)
    instance.save()
    return instance


def stored_payloads():
    """``{label: payload}`` of the fields that hold one (read back from the
    database, so a field the fixture failed to fill shows up missing)."""
    found = {}
    for name, (field, number) in FIELDS.items():
        text = payload(field, number)
        if (
            text
            and field.model._default_manager.filter(**{field.attname: text}).exists()
        ):
            found[name] = text
    return found


@pytest.fixture
def hostile():
    """A small register with a payload in every text field of every record."""
    today = timezone.localdate()
    signed = datetime.date(2023, 4, 10)
    kz, az = Country.objects.get(code="KZ"), Country.objects.get(code="AZ")
    topic = TopicFactory(slug="hostile-topic")
    source = SourceFactory()
    event = EventFactory(country=kz, date=signed, documents_reported=3)
    event_citation = EventCitationFactory(event=event, source=source)
    body_kz = BodyFactory(country=kz)
    body_az = BodyFactory(country=az, parent=body_kz)
    former = BodyNameFactory(
        body=body_kz,
        valid_from=datetime.date(2010, 1, 1),
        valid_until=datetime.date(2023, 12, 31),
    )
    document = DocumentFactory(
        event=event,
        signed_on=signed,
        signed_country=kz,
        entered_into_force_on=signed + datetime.timedelta(days=30),
        # listed on the dashboard as ending soon, and as quiet (stale)
        valid_until=today + datetime.timedelta(days=30),
        follow_up_status=Document.FollowUpStatus.IN_PROGRESS,
        topics=[topic],
    )
    earlier = DocumentFactory(signed_on=signed - datetime.timedelta(days=365))
    relation = RelationFactory(
        from_document=document, to_document=earlier, source=source
    )
    title = DocumentTitleFactory(document=document, source=source)
    citation = DocumentCitationFactory(document=document, source=source)
    party_kz = PartyFactory(document=document, body=body_kz, order=1)
    party_az = PartyFactory(document=document, body=body_az, order=2)
    PartyFactory(document=earlier, body=body_kz, order=1)
    party_citation = PartyCitationFactory(party=party_kz, source=source)
    # overdue: on the dashboard and in the calendar
    action = ActionFactory(
        document=document,
        responsible_bodies=[body_kz, body_az],
        due_on=signed + datetime.timedelta(days=90),
    )
    action_citation = ActionCitationFactory(action=action, source=source)
    document_update = ProgressUpdateFactory(
        document=document,
        source=source,
        happened_on=signed + datetime.timedelta(days=31),
        status_before=Document.FollowUpStatus.IN_PROGRESS,
        status_after=Document.FollowUpStatus.IN_PROGRESS,
    )
    action_update = ProgressUpdateFactory(
        action=action,
        source=source,
        happened_on=signed + datetime.timedelta(days=32),
        status_before=Action.Status.PLANNED,
        status_after=Action.Status.PLANNED,
    )
    reminder = ReminderLogFactory()
    identifier = DocumentIdentifierFactory(document=document, source=source)
    attachment = AttachmentFactory(document=document, source=source)
    step = PartyStepFactory(party=party_kz, source=source)
    spreadsheet_import = SpreadsheetImportFactory()
    records = [
        kz,
        topic,
        source,
        event,
        event_citation,
        body_kz,
        body_az,
        former,
        document,
        earlier,
        relation,
        title,
        citation,
        party_kz,
        party_az,
        party_citation,
        action,
        action_citation,
        document_update,
        action_update,
        reminder,
        identifier,
        attachment,
        step,
        spreadsheet_import,
    ]
    for record in records:
        with_payloads(record)
    return {
        "records": records,
        "document": document,
        "earlier": earlier,
        "event": event,
        "body_kz": body_kz,
        "body_az": body_az,
        "topic": topic,
        "payloads": stored_payloads(),
    }


# --- What the fixture covers ----------------------------------------------------------

#: Text fields that hold no payload, and why. Any other field must hold one: a new
#: model needs a record in ``hostile`` (this test then names its fields).
LEFT_OUT = {
    "agreements.Country.code": "two letters: too short for a script",
    "agreements.Body.slug": "part of the body's address (letters, digits, hyphens)",
    "agreements.Document.slug": "part of the document's address",
    "agreements.Event.slug": "part of the event's address",
}


def test_every_text_field_of_every_model_holds_a_payload(hostile):
    assert set(FIELDS) - set(hostile["payloads"]) == set(LEFT_OUT)
    # the payloads are what the admin lets through: URLs pass its URL validator
    for name, text in hostile["payloads"].items():
        field, _number = FIELDS[name]
        if isinstance(field, db.URLField):
            URLValidator()(text)


# --- Public pages ---------------------------------------------------------------------


def search(field_label):
    """The list searched for a field's payload, as typed into the search box."""
    return lambda h: f"/agreements/?q={quote(h['payloads'][field_label])}"


#: Each public page: (id, its URL from the fixture, the fields it shows). A new page
#: is one line here.
PUBLIC_PAGES = [
    (
        "home",
        lambda h: "/",
        ["Document.title", "Event.title", "Event.city"],
    ),
    (
        "list",
        lambda h: "/agreements/",
        ["Document.title", "Body.name", "BodyName.name", "Topic.name"],
    ),
    # the search box shows what was searched (PostgreSQL's parser drops words that
    # look like tags, so the results may differ from SQLite's)
    ("list-search", search("agreements.Document.title"), ["Document.title"]),
    (
        "list-search-summary",
        search("agreements.Document.summary_en_gb"),
        ["Document.summary"],
    ),
    (
        "list-filtered",
        lambda h: (
            f"/agreements/?body={h['body_kz'].slug}&event={h['event'].slug}"
            f"&country=KZ&topic={quote(h['topic'].slug)}"
        ),
        # the selected filters' tags name the body, the event, the country, the topic
        ["Document.title", "Body.name", "Body.short_name", "Event.title", "Topic.name"],
    ),
    (
        "document",
        lambda h: h["document"].get_absolute_url(),
        [
            "Document.title",
            "Document.summary",
            "Document.signed_city",
            "Document.validity_note",
            "DocumentTitle.title",
            "DocumentCitation.claim",
            "DocumentCitation.note",
            "Party.signatory_name",
            "Party.signatory_position",
            "Party.note",
            "PartyCitation.claim",
            "PartyCitation.note",
            "BodyName.name",
            "Body.name",
            "Body.short_name",
            "Event.title",
            "Relation.note",
            "Source.title",
            "Source.publisher",
            "Source.url",
            "Topic.name",
            "Action.title",
            "Action.clause",
            "ProgressUpdate.title",
            "ProgressUpdate.text",
            "DocumentIdentifier.value",
            "DocumentIdentifier.issuer",
            "Attachment.title",
            "PartyStep.act_title",
            "PartyStep.act_number",
            "PartyStep.note",
        ],
    ),
    (
        "related-document",
        lambda h: h["earlier"].get_absolute_url(),
        ["Document.title", "Relation.note"],
    ),
    ("body-list", lambda h: "/bodies/", ["Body.name", "Body.short_name"]),
    (
        "body-list-search",
        lambda h: f"/bodies/?q={quote(h['payloads']['agreements.Body.name_en_gb'])}",
        ["Body.name"],
    ),
    (
        "body",
        lambda h: h["body_kz"].get_absolute_url(),
        [
            "Body.name",
            "Body.short_name",
            "Body.description",
            "Body.website",
            "BodyName.name",
            "BodyName.short_name",
            "BodyName.note",
            "Document.title",
        ],
    ),
    (
        "body-with-parent",
        lambda h: h["body_az"].get_absolute_url(),
        ["Body.name", "Body.description", "Document.title"],
    ),
    ("event-list", lambda h: "/events/", ["Event.title", "Event.city"]),
    (
        "event",
        lambda h: h["event"].get_absolute_url(),
        [
            "Event.title",
            "Event.city",
            "Event.description",
            "EventCitation.claim",
            "EventCitation.note",
            "Source.title",
            "Document.title",
            "BodyName.name",
        ],
    ),
    (
        "country",
        lambda h: "/countries/kz/",
        ["Document.title", "Event.title", "BodyName.name"],
    ),
    ("partner-country", lambda h: "/countries/az/", ["Document.title", "Event.title"]),
    (
        "follow-up-dashboard",
        lambda h: "/follow-up/",
        [
            "Action.title",
            "Body.name",
            "Document.title",
            "Document.validity_note",
            "Event.title",
        ],
    ),
    ("sitemap", lambda h: "/sitemap.xml", []),
    *(
        (f"sitemap-{section}", lambda h, s=section: f"/sitemap-{s}.xml", [])
        for section in ("pages", "documents", "events", "bodies", "countries")
    ),
]


def assert_no_markup(content, payloads):
    assert not UNESCAPED.search(content), UNESCAPED.search(content).group()
    for name, text in payloads.items():
        assert text not in content, f"{name} unescaped"


@pytest.mark.parametrize(
    ("url", "shown"),
    [pytest.param(url, shown, id=name) for name, url, shown in PUBLIC_PAGES],
)
def test_public_pages_show_text_fields_escaped(client, hostile, url, shown):
    response = client.get(url(hostile))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    payloads = hostile["payloads"]
    assert_no_markup(content, payloads)
    missing = [
        name
        for name in map(in_language, shown)
        if escape(payloads[f"agreements.{name}"]) not in content
    ]
    assert not missing, f"not shown (escaped): {missing}"


#: A page in Russian shows the Russian text of what is kept in each language.
RUSSIAN_PAGES = {"list-filtered", "document", "body", "event", "follow-up-dashboard"}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param(url, shown, id=name)
        for name, url, shown in PUBLIC_PAGES
        if name in RUSSIAN_PAGES
    ],
)
def test_public_pages_in_russian_show_its_text_escaped(client, hostile, url, shown):
    response = client.get("/ru" + url(hostile))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    payloads = hostile["payloads"]
    assert_no_markup(content, payloads)
    translated_shown = [name for name in shown if in_language(name) != name]
    assert translated_shown
    missing = [
        name
        for name in (in_language(name, "ru") for name in translated_shown)
        if escape(payloads[f"agreements.{name}"]) not in content
    ]
    assert not missing, f"not shown (escaped): {missing}"


@pytest.mark.parametrize(
    "path",
    [
        "/agreements/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
        "/bodies/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/",
        "/countries/%3Cb%3E/",
        "/agreements/?event=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/agreements/?ordering=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/follow-up/calendar.ics?body=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ],
)
def test_a_payload_in_the_address_is_not_echoed_as_markup(client, hostile, path):
    response = client.get(path)
    assert response.status_code in (
        HTTPStatus.OK,
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.NOT_FOUND,
    )
    assert_no_markup(response.content.decode(), hostile["payloads"])


# --- Links ----------------------------------------------------------------------------

SCRIPT_URLS = (
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
)


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_the_admin_refuses_a_script_url_in_every_url_field(url):
    url_fields = [
        field for field, _n in FIELDS.values() if isinstance(field, db.URLField)
    ]
    assert url_fields
    for field in url_fields:
        # the form field the admin gives it (agreements.admin.mixins.HTTPS_URLS)
        form_field = admin.site._registry[field.model].formfield_for_dbfield(
            field, request=None
        )
        with pytest.raises(ValidationError):
            form_field.clean(url)


def test_the_admin_takes_an_address_without_a_scheme_as_https():
    url_fields = [
        field for field, _n in FIELDS.values() if isinstance(field, db.URLField)
    ]
    for field in url_fields:
        form_field = admin.site._registry[field.model].formfield_for_dbfield(
            field, request=None
        )
        assert form_field.clean("www.gov.kz/en") == "https://www.gov.kz/en"


def test_a_stored_script_url_is_never_a_link(client, hostile):
    source = hostile["document"].citations.get().source
    type(source).objects.filter(pk=source.pk).update(url="javascript:alert(1)")
    body = hostile["body_kz"]
    type(body).objects.filter(pk=body.pk).update(website="javascript:alert(2)")
    for url in (
        hostile["document"].get_absolute_url(),
        body.get_absolute_url(),
        hostile["event"].get_absolute_url(),
    ):
        content = client.get(url).content.decode()
        assert not re.search(r"href=\s*[\"']?\s*javascript:", content, re.I), url


# --- The admin ------------------------------------------------------------------------


def admin_pages():
    """(model, view) for every model of the register the admin manages."""
    return [
        pytest.param(model, view, id=f"{model._meta.model_name}-{view}")
        for model in admin.site._registry
        if model._meta.app_label == "agreements"
        for view in ("changelist", "search", "change", "history", "delete")
    ]


@pytest.mark.parametrize(("model", "view"), admin_pages())
def test_admin_pages_show_text_fields_escaped(admin_client, hostile, model, view):
    payloads = hostile["payloads"]
    record = next(r for r in hostile["records"] if type(r) is model)
    opts = model._meta
    own = {
        name: text
        for name, text in payloads.items()
        if name.startswith(f"{opts.label}.")
    }
    if view in ("changelist", "search"):
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        if view == "search":
            url += f"?q={quote(next(iter(own.values())))}"
    else:
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[record.pk]
        )
    response = admin_client.get(url)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert_no_markup(content, payloads)
    if view == "change" or (
        view == "history"
        and isinstance(admin.site._registry[model], SimpleHistoryAdmin)
    ):
        # the form shows every field; the history, each field's change (models
        # without django-simple-history have only the admin's own log)
        missing = [
            name for name, text in own.items() if not shown_escaped(text, content)
        ]
        assert not missing, f"not shown (escaped): {missing}"
    else:
        # the record is listed (by one of its fields, or of a related record's)
        assert any(shown_escaped(text, content) for text in payloads.values())


# --- The calendar ---------------------------------------------------------------------


def calendar_events(client):
    response = client.get("/follow-up/calendar.ics")
    assert response.status_code == HTTPStatus.OK
    return response.content, icalendar.Calendar.from_ical(response.content).walk(
        "VEVENT"
    )


def test_the_calendar_carries_text_fields_as_plain_text(client, hostile):
    data, events = calendar_events(client)
    payloads = hostile["payloads"]
    action = Action.objects.get()
    document = hostile["document"]
    by_uid = {str(event["uid"]).split("@")[0]: event for event in events}
    assert len(events) == 3
    due = by_uid[f"{document.slug}.{action.slug}.due"]
    assert str(due["summary"]) == f"Due: {payloads['agreements.Action.title_en_gb']}"
    description = str(due["description"]).splitlines()
    assert f"Document: {payloads['agreements.Document.title']}" in description
    assert f"Clause: {payloads['agreements.Action.clause']}" in description
    end = by_uid[f"{document.slug}.end"]
    assert payloads["agreements.Document.validity_note"] in str(end["description"])
    # the public calendar never carries the staff-only contact details
    for name in ("agreements.Action.focal_person", "agreements.Action.contact_email"):
        assert payloads[name].encode() not in data


#: Text meant to end the event and start another, with lines of its own.
INJECTION = (
    "Title\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected@evil.example\r\n"
    "SUMMARY:injected\nDTSTART:20300101\rATTACH:https://evil.example/x;a,b\\"
)


def test_line_breaks_in_text_add_no_event_or_property_to_the_calendar(client, hostile):
    action = Action.objects.get()
    document = hostile["document"]
    Action.objects.filter(pk=action.pk).update(
        title=f"A {INJECTION}", clause=f"C {INJECTION}"[:100]
    )
    Document.objects.filter(pk=document.pk).update(
        title=f"D {INJECTION}", validity_note=f"V {INJECTION}"
    )
    body = hostile["body_kz"]
    type(body).objects.filter(pk=body.pk).update(name=f"B {INJECTION}")
    data, events = calendar_events(client)
    assert len(events) == 3
    assert not [e for e in events if "injected" in str(e["uid"])]
    # on the wire: one BEGIN:VEVENT a real event, and no line the text began
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == 3
    assert not [line for line in lines if line.startswith((b"UID:injected", b"ATTACH"))]
    for event in events:
        assert "ATTACH" not in event
        assert event.decoded("dtstart").year != 2030
    # each text comes back whole, as plain text (a line break read as "\n")
    plain = INJECTION.replace("\r\n", "\n").replace("\r", "\n")
    summaries = {str(event["summary"]) for event in events}
    assert f"Due: A {plain}" in summaries
    assert f"Entry into force: D {plain}" in summaries
    descriptions = "\n".join(str(event["description"]) for event in events)
    assert re.search(f"^Responsible: .*B {re.escape(plain)}", descriptions, re.M)
    assert f"V {plain}" in descriptions
