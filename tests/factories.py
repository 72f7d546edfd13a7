"""One factory per model, for the tests (``seed_demo`` builds its rows without them)."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django_countries.data import COUNTRIES

from agreements import models

COUNTRY_CODES = sorted(COUNTRIES)


class CountryFactory(factory.django.DjangoModelFactory):
    """Countries come from a migration; the factory picks an existing one by code."""

    class Meta:
        model = models.Country
        django_get_or_create = ("code",)

    code = factory.Iterator(COUNTRY_CODES)
    name = factory.LazyAttribute(lambda o: str(COUNTRIES.get(o.code, o.code)))


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Body

    name = factory.Sequence(lambda n: f"Ministry of Cooperation No. {n}")
    short_name = factory.Sequence(lambda n: f"MC{n}")
    slug = factory.Sequence(lambda n: f"body-{n}")
    country = factory.SubFactory(CountryFactory)
    kind = models.Body.Kind.MINISTRY
    website = factory.LazyAttribute(lambda o: f"https://{o.slug}.example.org/")


class BodyNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BodyName

    body = factory.SubFactory(BodyFactory)
    name = factory.Sequence(lambda n: f"Former Ministry No. {n}")
    valid_from = datetime.date(2010, 1, 1)
    valid_until = datetime.date(2019, 12, 31)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    url = factory.Sequence(lambda n: f"https://news.example.org/articles/{n}")
    publisher = "Example News"
    title = factory.Sequence(lambda n: f"Article {n}")
    published_on = datetime.date(2023, 4, 11)
    accessed_on = datetime.date(2026, 11, 1)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event

    title = factory.Sequence(lambda n: f"Official visit No. {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    kind = models.Event.Kind.OFFICIAL_VISIT
    date = datetime.date(2023, 4, 10)
    city = "Astana"
    country = factory.SubFactory(CountryFactory, code="KZ")
    documents_reported = None
    is_published = True


class EventCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EventCitation

    event = factory.SubFactory(EventFactory)
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.CONFIRMED


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " "))


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Document

    title = factory.Sequence(lambda n: f"Memorandum of understanding No. {n}")
    slug = factory.Sequence(lambda n: f"document-{n}")
    kind = models.Document.Kind.MEMORANDUM
    signed_on = datetime.date(2023, 4, 10)
    signed_city = "Astana"
    summary = "Cooperation in the field named in the title."
    legal_status = models.Document.LegalStatus.SIGNED
    follow_up_status = models.Document.FollowUpStatus.UNKNOWN
    is_published = True

    class Params:
        in_force = factory.Trait(
            legal_status=models.Document.LegalStatus.IN_FORCE,
            entered_into_force_on=factory.LazyAttribute(
                lambda o: o.signed_on + datetime.timedelta(days=30)
            ),
        )

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class DocumentTitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DocumentTitle

    document = factory.SubFactory(DocumentFactory)
    language = models.DocumentTitle.Language.RUSSIAN
    title = factory.Sequence(lambda n: f"Меморандум о взаимопонимании № {n}")
    is_official = True


class DocumentCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DocumentCitation

    document = factory.SubFactory(DocumentFactory)
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.CONFIRMED
    claim = "signing"


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Party

    document = factory.SubFactory(DocumentFactory)
    body = factory.SubFactory(BodyFactory)
    order = factory.Sequence(lambda n: n + 1)
    signatory_name = factory.Sequence(lambda n: f"Signatory {n}")
    signatory_position = "Minister"


class PartyCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartyCitation

    party = factory.SubFactory(PartyFactory)
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.REPORTED
    claim = "signatory"


class PartyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartyStep

    party = factory.SubFactory(PartyFactory)
    kind = models.StepKind.RATIFICATION
    # after the document's signature, whatever it is
    happened_on = factory.LazyAttribute(
        lambda o: o.party.document.signed_on + datetime.timedelta(days=30)
    )
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.CONFIRMED
    note = factory.Sequence(lambda n: f"Ratification reported in bulletin {n}")


class RelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Relation

    from_document = factory.SubFactory(DocumentFactory)
    kind = models.Relation.Kind.IMPLEMENTS
    to_document = factory.SubFactory(
        DocumentFactory,
        signed_on=factory.LazyAttribute(
            lambda o: (
                o.factory_parent.from_document.signed_on - datetime.timedelta(days=365)
            )
        ),
    )
    confidence = models.Confidence.REPORTED


# --- Follow-up ------------------------------------------------------------------------
# Dates follow the document's signature, so a factory-made action or update never
# breaks the "not before the signature" rules, whatever date the document has.


class ActionFactory(factory.django.DjangoModelFactory):
    """A planned action due 90 days after signature, with one responsible body.

    ``responsible_bodies=[...]`` sets the bodies; ``done=True`` makes it done on its
    due date. Status changes in the code go through ``record_update``: the factory
    sets them directly only to arrange a test.
    """

    class Meta:
        model = models.Action

    document = factory.SubFactory(DocumentFactory)
    slug = factory.Sequence(lambda n: f"action-{n}")
    title = factory.Sequence(lambda n: f"Hold joint working group meeting No. {n}")
    description = "Convene the working group the document sets up."
    focal_person = factory.Sequence(lambda n: f"Focal Person {n}")
    contact_email = factory.Sequence(lambda n: f"focal{n}@ministry.example.org")
    basis = models.Basis.REPORTED
    due_on = factory.LazyAttribute(
        lambda o: o.document.signed_on + datetime.timedelta(days=90)
    )
    due_kind = factory.LazyAttribute(
        lambda o: models.DateKind.DEADLINE if o.due_on else ""
    )
    status = models.Action.Status.PLANNED
    completed_on = None

    class Params:
        done = factory.Trait(
            status=models.Action.Status.DONE,
            completed_on=factory.LazyAttribute(
                lambda o: o.due_on or o.document.signed_on
            ),
        )

    @factory.post_generation
    def responsible_bodies(self, create, extracted, **kwargs):
        if not create:
            return
        self.responsible_bodies.set(extracted if extracted else [BodyFactory()])


class ActionCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActionCitation

    action = factory.SubFactory(ActionFactory)
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.CONFIRMED
    claim = "due date"


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    """A document update, or an action update when ``action=`` is given.

    Arranges a row for a test; code records updates through ``record_update``.
    """

    class Meta:
        model = models.ProgressUpdate

    action = None
    document = factory.Maybe(
        "action",
        yes_declaration=factory.SelfAttribute("action.document"),
        no_declaration=factory.SubFactory(DocumentFactory),
    )
    happened_on = factory.LazyAttribute(
        lambda o: o.document.signed_on + datetime.timedelta(days=30)
    )
    title = factory.Sequence(lambda n: f"Working group meeting No. {n} held")
    text = "The working group met and agreed its work plan."
    status_before = factory.Maybe(
        "action",
        yes_declaration=models.Action.Status.PLANNED,
        no_declaration=models.Document.FollowUpStatus.NOT_STARTED,
    )
    status_after = factory.Maybe(
        "action",
        yes_declaration=models.Action.Status.IN_PROGRESS,
        no_declaration=models.Document.FollowUpStatus.IN_PROGRESS,
    )
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.CONFIRMED


class ReminderLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReminderLog

    recipient = factory.Sequence(lambda n: f"focal{n}@ministry.example.org")
    sent_on = datetime.date(2026, 11, 2)


class SpreadsheetImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SpreadsheetImport

    model = "agreements.document"
    file_name = factory.Sequence(lambda n: f"memoranda-{n}.csv")
    user = factory.LazyFunction(
        lambda: get_user_model().objects.get_or_create(username="importer")[0]
    )
    state = models.SpreadsheetImport.State.REFUSED
    totals = factory.LazyFunction(lambda: {"new": 1, "error": 1})
    rows = factory.LazyFunction(
        lambda: [
            {
                "number": 1,
                "line": 2,
                "status": "new",
                "record": "A memorandum",
                "object_id": None,
                "changes": [],
                "errors": [],
            },
            {
                "number": 2,
                "line": 3,
                "status": "error",
                "record": "A protocol",
                "object_id": None,
                "changes": [],
                "errors": [["title", "Give one."]],
            },
        ]
    )


def bilateral_document(*, countries=("KZ", "AZ"), **kwargs):
    """A published document with one party from each of two countries."""
    document = DocumentFactory(**kwargs)
    for order, code in enumerate(countries, start=1):
        PartyFactory(
            document=document, order=order, body__country=CountryFactory(code=code)
        )
    return document


class DocumentIdentifierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DocumentIdentifier

    document = factory.SubFactory(DocumentFactory)
    kind = models.DocumentIdentifier.Kind.NATIONAL_REGISTER
    value = factory.Sequence(lambda n: f"KZ-{1000 + n}")
    issuer = "Adilet"
    url = factory.LazyAttribute(lambda o: f"https://adilet.example.org/{o.value}")


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A plain-text file, its text extracted (``text_state`` done)."""

    class Meta:
        model = models.Attachment

    document = factory.SubFactory(DocumentFactory)
    kind = models.Attachment.Kind.SIGNED_TEXT
    language = models.DocumentTitle.Language.RUSSIAN
    title = factory.Sequence(lambda n: f"Signed text No. {n}")
    file = factory.django.FileField(
        filename="text.txt", data=b"The Parties agree on cooperation."
    )
    size = 33
    content_type = "text/plain; charset=utf-8"
    text_state = models.Attachment.TextState.DONE
    extracted_text = "The Parties agree on cooperation."

    class Params:
        link = factory.Trait(
            file="",
            url=factory.Sequence(lambda n: f"https://adilet.example.org/texts/{n}"),
            size=None,
            content_type="",
            text_state=models.Attachment.TextState.LINK,
            extracted_text="",
        )
