"""What the API says of each record. The field names are the API's contract: they
stay the same within a major version (``/api/v1/``); a change of the schema raises
its version, with a line in docs/api.md (``tests/test_api_schema.py`` checks).

Conventions: choices are given by their code (``"memorandum"``), whose English labels
the schema lists; dates are ISO 8601; a value the register does not know is ``null``;
``url`` is the record's public page (in English) and ``api_url`` its address in the
API. Text that the register keeps in each language (summaries, names of bodies and
topics, events' titles) is an object with one key per language, ``en``, ``ru``,
``kk`` and ``az``, ``null`` where that language has none yet; everything else is as
recorded (a document's title is the signed text's, its titles in other languages
come with their source).

The serializers read only what the views fetched (``select_related`` and
``prefetch_related``): none runs a query of its own.
"""

from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..languages import country_name
from ..models import (
    Action,
    Attachment,
    Basis,
    Body,
    Confidence,
    DateKind,
    DatePrecision,
    Document,
    DocumentIdentifier,
    DuePrecision,
    Event,
    ProgressUpdate,
    Relation,
    StepKind,
)
from ..models.register import Language

#: The keys of a text in several languages, and the column each is read from.
LANGUAGE_KEYS = {code.split("-")[0]: code for code, _name in settings.LANGUAGES}


def _column(field, language):
    return f"{field}_{language.replace('-', '_')}"


class TranslatedTextSerializer(serializers.Serializer):
    """A text in each of the register's languages; ``null`` where one has none."""

    en = serializers.CharField(help_text="English (always given; may be empty).")
    ru = serializers.CharField(allow_null=True, help_text="Russian.")
    kk = serializers.CharField(allow_null=True, help_text="Kazakh (Cyrillic).")
    az = serializers.CharField(allow_null=True, help_text="Azerbaijani (Latin).")


@extend_schema_field(TranslatedTextSerializer)
class TranslatedField(serializers.Field):
    """A translated model field (agreements/translation.py), every language at once."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, instance):
        texts = {}
        for key, language in LANGUAGE_KEYS.items():
            text = getattr(instance, _column(self.source, language), None)
            texts[key] = text or ("" if language == settings.LANGUAGE_CODE else None)
        return texts


class AbsoluteUrlField(serializers.Field):
    """The absolute address of the record's public page, or of its API answer.

    With ``view_name``, the address is reversed once per response (and language)
    with a placeholder for the record's ``lookup``, which each record then fills
    in: a page of 25 documents names some 200 addresses, and ``reverse()`` for each
    cost a sixth of the answer's time. Without, the record's ``get_absolute_url()``
    (for an address with an anchor)."""

    PLACEHOLDER = "0lookup0"

    def __init__(self, view_name=None, lookup="slug", **kwargs):
        self.view_name = view_name
        self.lookup = lookup
        self._paths = {}
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def _path(self, value):
        key = (get_language(), get_script_prefix())
        path = self._paths.get(key)
        if path is None:
            path = reverse(self.view_name, kwargs={self.lookup: self.PLACEHOLDER})
            self._paths[key] = path
        return path.replace(self.PLACEHOLDER, quote(str(value), safe=""), 1)

    def to_representation(self, instance):
        if self.view_name is None:
            path = instance.get_absolute_url()
        else:
            value = getattr(instance, self.lookup)
            if self.lookup == "code":
                value = value.lower()
            path = self._path(value)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


extend_schema_field(OpenApiTypes.URI)(AbsoluteUrlField)


def page_url(view_name=None, lookup="slug"):
    """The record's public page: ``view_name`` is the one its ``get_absolute_url()``
    reverses (tests.test_api checks that they agree)."""
    return AbsoluteUrlField(
        view_name=view_name, lookup=lookup, help_text="The record's public page."
    )


def api_url(view_name, lookup="slug"):
    return AbsoluteUrlField(
        view_name=view_name, lookup=lookup, help_text="The record in this API."
    )


class LicenceSerializer(serializers.Serializer):
    """The licence of the register's data (``settings.DATA_LICENCE``)."""

    name = serializers.CharField()
    url = serializers.URLField()


def licence():
    return {"name": settings.DATA_LICENCE["name"], "url": settings.DATA_LICENCE["url"]}


class LicencedMixin(serializers.Serializer):
    licence = serializers.SerializerMethodField(
        help_text="The licence under which the data may be reused."
    )

    @extend_schema_field(LicenceSerializer)
    def get_licence(self, obj):
        return licence()


# --- Shared pieces --------------------------------------------------------------------


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2 code.")
    name = serializers.CharField(help_text="English name.")


class SourceSerializer(serializers.Serializer):
    url = serializers.CharField()
    publisher = serializers.CharField()
    title = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    accessed_on = serializers.DateField(allow_null=True)


class CitationSerializer(serializers.Serializer):
    """A source, what it supports and how sure that support is."""

    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        help_text="confirmed: the source states it; reported: the source reports it "
        "without confirming the detail; inferred: the register's reading of the "
        "sources, which no source states.",
    )
    claim = serializers.CharField(help_text="What the source supports; may be empty.")
    note = serializers.CharField()
    source = SourceSerializer()


class BodyRefSerializer(serializers.Serializer):
    """A body, briefly."""

    slug = serializers.SlugField()
    name = TranslatedField()
    short_name = TranslatedField()
    kind = serializers.ChoiceField(choices=Body.Kind.choices)
    country = CountrySerializer()
    url = page_url("agreements:body-detail")
    api_url = api_url("api:body-detail")


class ResponsibleBodySerializer(serializers.Serializer):
    """A body responsible for an action, briefly."""

    slug = serializers.SlugField()
    name = TranslatedField()
    short_name = TranslatedField()
    url = page_url("agreements:body-detail")
    api_url = api_url("api:body-detail")


class EventRefSerializer(serializers.Serializer):
    """An event, briefly; as a record's field, ``null`` while it is unpublished."""

    def get_attribute(self, instance):
        event = super().get_attribute(instance)
        return event if event is not None and event.is_published else None

    slug = serializers.SlugField()
    title = TranslatedField()
    date = serializers.DateField()
    url = page_url("agreements:event-detail")
    api_url = api_url("api:event-detail")


class DocumentRefSerializer(serializers.Serializer):
    """A document, briefly."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    signed_on = serializers.DateField()
    url = page_url("agreements:document-detail")
    api_url = api_url("api:document-detail")


class TopicSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = TranslatedField()


# --- Documents ------------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    """One side of a document: the body, the name it had when it signed, and who
    signed for it."""

    order = serializers.IntegerField()
    body = BodyRefSerializer()
    name_at_signing = serializers.CharField(
        source="body_name_at_signing",
        help_text="The body's name on the day of signature (bodies are renamed).",
    )
    signatory_name = serializers.CharField(help_text="Empty when not reported.")
    signatory_position = serializers.CharField()


class DocumentEventSerializer(EventRefSerializer):
    """The event a document was signed at (``context["document"]``), with how sure
    each claim is."""

    documents_reported = serializers.IntegerField(
        allow_null=True,
        help_text="How many documents the sources say were signed at the event.",
    )
    signing_confidence = serializers.SerializerMethodField(
        help_text="How sure it is that the document was signed at the event; null "
        "when not recorded."
    )
    counted_confidence = serializers.SerializerMethodField(
        help_text="How sure it is that the document is one of those the sources "
        "count for the event; null when not recorded."
    )

    @extend_schema_field(
        serializers.ChoiceField(choices=Confidence.choices, allow_null=True)
    )
    def get_signing_confidence(self, event):
        return self.context["document"].event_signing_confidence or None

    @extend_schema_field(
        serializers.ChoiceField(choices=Confidence.choices, allow_null=True)
    )
    def get_counted_confidence(self, event):
        return self.context["document"].event_confidence or None


class DocumentListSerializer(serializers.Serializer):
    """A document as the list gives it; ``documents/<slug>/`` gives everything."""

    slug = serializers.SlugField(help_text="Stable once published.")
    url = page_url("agreements:document-detail")
    api_url = api_url("api:document-detail")
    title = serializers.CharField(help_text="The title of the signed text.")
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    signed_on = serializers.DateField(help_text="Date of signature.")
    signed_city = serializers.CharField(help_text="Place of signature; may be empty.")
    signed_country = CountrySerializer(
        allow_null=True, help_text="Country of signature."
    )
    event = EventRefSerializer(allow_null=True, help_text="The event it was signed at.")
    parties = PartySerializer(many=True, source="listed_parties", help_text="In order.")
    legal_status = serializers.ChoiceField(choices=Document.LegalStatus.choices)
    entered_into_force_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(
        allow_null=True, help_text="When it was terminated, expired or superseded."
    )
    follow_up_status = serializers.ChoiceField(
        choices=Document.FollowUpStatus.choices,
        help_text="As recorded (what ?follow_up= filters on).",
    )
    topics = TopicSerializer(many=True, source="listed_topics", help_text="By slug.")
    updated_at = serializers.DateTimeField()


class StepSerializer(serializers.Serializer):
    """One dated step of a party under its own law, with the act that made it and
    its source (a party with no step of a kind: not known, nothing assumed)."""

    kind = serializers.ChoiceField(choices=StepKind.choices)
    happened_on = serializers.DateField(
        help_text="For a month or a year (date_precision), its first day."
    )
    date_precision = serializers.ChoiceField(
        choices=DatePrecision.choices,
        help_text="day, month or year: how much of the date the sources give.",
    )
    act_title = serializers.CharField(
        help_text="The act that made the step (a law, a decree) as the source names "
        "it, in its language; empty when not reported."
    )
    act_number = serializers.CharField(help_text="Empty when not reported.")
    act_date = serializers.DateField(allow_null=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    source = SourceSerializer(allow_null=True)
    note = serializers.CharField()


class DetailPartySerializer(PartySerializer):
    note = serializers.CharField()
    sources = CitationSerializer(many=True, source="citations.all")
    steps = StepSerializer(
        many=True,
        source="listed_steps",
        help_text="Its signature, ratification, notification, entry into force and "
        "so on, by date.",
    )


class IdentifierSerializer(serializers.Serializer):
    """A number the document is registered or published under."""

    kind = serializers.ChoiceField(choices=DocumentIdentifier.Kind.choices)
    value = serializers.CharField()
    issuer = serializers.CharField(help_text="Who gave the number; may be empty.")
    url = serializers.CharField(help_text="Where it is registered; may be empty.")
    source = SourceSerializer(allow_null=True)


class TextSerializer(serializers.Serializer):
    """A signed text, translation, annex or official publication: a file the
    register serves, or a link to a text held elsewhere (never the text itself)."""

    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    title = serializers.CharField(help_text="May be empty.")
    url = serializers.SerializerMethodField(
        help_text="The file's public address, or the link to the text."
    )
    size = serializers.IntegerField(
        allow_null=True, help_text="The file's bytes; null for a link."
    )
    content_type = serializers.CharField(help_text="The file's type; empty for a link.")
    pages = serializers.IntegerField(
        allow_null=True, help_text="A PDF's pages; null when not counted."
    )
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    source = SourceSerializer(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, text):
        if not text.file:
            return text.url
        request = self.context.get("request")
        path = text.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class DocumentTitleSerializer(serializers.Serializer):
    """The title in another language, or a variant wording some sources use."""

    language = serializers.ChoiceField(choices=Language.choices)
    title = serializers.CharField()
    is_official = serializers.BooleanField(help_text="False for a variant wording.")
    source = SourceSerializer(allow_null=True)


#: A relation read from the other document's side: "implements" becomes
#: "implemented_by".
INVERSE_RELATIONS = {
    Relation.Kind.IMPLEMENTS: "implemented_by",
    Relation.Kind.AMENDS: "amended_by",
    Relation.Kind.SUPERSEDES: "superseded_by",
    Relation.Kind.EXTENDS: "extended_by",
    Relation.Kind.REFERS_TO: "referred_to_by",
}
RELATION_CHOICES = [
    *((kind.value, kind.label) for kind in Relation.Kind),
    *(
        (name, Relation.INVERSE_LABELS[kind])
        for kind, name in INVERSE_RELATIONS.items()
    ),
]


class RelationSerializer(serializers.Serializer):
    """Another published document and how this one relates to it."""

    relation = serializers.ChoiceField(
        choices=RELATION_CHOICES,
        help_text="This document <relation> the other: implements, implemented_by...",
    )
    document = DocumentRefSerializer()
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    note = serializers.CharField()


class ActionRefSerializer(serializers.Serializer):
    """An action as a document's follow-up lists it."""

    slug = serializers.SlugField(help_text="Unique within its document.")
    title = TranslatedField()
    description = TranslatedField()
    clause = serializers.CharField(help_text="The article or clause it carries out.")
    basis = serializers.ChoiceField(
        choices=[("", "unknown"), *Basis.choices],
        help_text="quoted from the document, a reported commitment, or linked by the "
        "register (inferred); empty while unknown.",
    )
    responsible_bodies = ResponsibleBodySerializer(many=True, source="responsible")
    due_on = serializers.DateField(
        allow_null=True,
        help_text="The current date: for a month, quarter or year, its last day.",
    )
    due_precision = serializers.ChoiceField(choices=DuePrecision.choices)
    due_kind = serializers.ChoiceField(
        choices=[("", "unknown"), *DateKind.choices],
        help_text="deadline, plan or forecast; only a deadline or plan can be missed.",
    )
    status = serializers.ChoiceField(choices=Action.Status.choices)
    completed_on = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField(
        help_text="Open, and its deadline or planned date has passed (today)."
    )
    is_forecast_passed = serializers.BooleanField(
        help_text="Open, and its forecast date has passed (today)."
    )
    sources = CitationSerializer(many=True)


class UpdateSerializer(serializers.Serializer):
    """A dated entry on what came of the document or of one of its actions."""

    id = serializers.IntegerField(help_text="Its anchor on the page: #update-<id>.")
    happened_on = serializers.DateField()
    date_precision = serializers.ChoiceField(
        choices=ProgressUpdate._meta.get_field("date_precision").choices,
        help_text="day, month or year: a month or year is given as its first day.",
    )
    action = serializers.SlugField(
        source="action.slug", allow_null=True, help_text="The action's slug, if any."
    )
    title = serializers.CharField()
    text = serializers.CharField()
    status_before = serializers.CharField(
        help_text="A follow-up status (document) or an action status (action)."
    )
    status_after = serializers.CharField()
    expected_on = serializers.DateField(allow_null=True)
    expected_precision = serializers.ChoiceField(choices=DuePrecision.choices)
    expected_kind = serializers.ChoiceField(choices=[("", "none"), *DateKind.choices])
    stated_by = serializers.CharField()
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    source = SourceSerializer(allow_null=True)


class ActionGroupSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Done, of total.")
    total = serializers.IntegerField(help_text="Cancelled actions are not counted.")
    actions = ActionRefSerializer(many=True)


class FollowUpSerializer(serializers.Serializer):
    """What has come of the document, as its page shows it."""

    status = serializers.ChoiceField(
        choices=Document.FollowUpStatus.choices,
        help_text="The status the page shows: the recorded one when a sourced "
        "update gave it, otherwise unknown.",
    )
    status_update = serializers.IntegerField(
        allow_null=True, help_text="The id of the sourced update that gave it."
    )
    commitments = ActionGroupSerializer(
        help_text="Actions the document commits its parties to (quoted or reported)."
    )
    related = ActionGroupSerializer(
        help_text="Follow-up the register links to the document by inference."
    )
    updates = UpdateSerializer(many=True, help_text="Newest first.")


class DocumentDetailSerializer(LicencedMixin, DocumentListSerializer):
    """Everything the document's page shows."""

    summary = TranslatedField()
    event = serializers.SerializerMethodField(help_text="The event it was signed at.")
    parties = DetailPartySerializer(
        many=True, source="listed_parties", help_text="In order, with their sources."
    )
    package_order = serializers.IntegerField(
        allow_null=True, help_text="Its place among the event's documents, if set."
    )
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    validity_note = serializers.CharField()
    entry_into_force_rule = serializers.ChoiceField(
        choices=Document.EntryIntoForce.choices,
        help_text="What the document says of its entry into force; unless unknown, "
        "legal_status follows from the parties' steps.",
    )
    entry_into_force_days = serializers.IntegerField(
        allow_null=True,
        help_text="For days_after_notification: the days after the last notification.",
    )
    entry_into_force_date = serializers.DateField(
        allow_null=True, help_text="For fixed_date: the date the document sets."
    )
    identifiers = IdentifierSerializer(
        many=True,
        source="listed_identifiers",
        help_text="Its numbers in national registers, official publications, UNTS.",
    )
    texts = TextSerializer(
        many=True,
        source="listed_texts",
        help_text="Its signed texts, translations, annexes and official publications.",
    )
    follow_up = serializers.SerializerMethodField()
    titles = DocumentTitleSerializer(
        many=True,
        source="other_titles",
        help_text="Titles in other languages and variant wordings, with sources.",
    )
    relations = serializers.SerializerMethodField(
        help_text="Other published documents it relates to, both ways."
    )
    sources = CitationSerializer(many=True)

    @extend_schema_field(DocumentEventSerializer(allow_null=True))
    def get_event(self, document):
        event = document.event
        if event is None or not event.is_published:
            return None
        return DocumentEventSerializer(
            event, context={**self.context, "document": document}
        ).data

    @extend_schema_field(FollowUpSerializer(allow_null=True))
    def get_follow_up(self, document):
        followup = self.context["followup"]
        if followup is None:
            return None
        return FollowUpSerializer(
            {
                "status": followup.shown_status(document.follow_up_status),
                "status_update": followup.status_source.pk
                if followup.status_source
                else None,
                "commitments": followup.commitments,
                "related": followup.related,
                "updates": followup.updates,
            },
            context=self.context,
        ).data

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, document):
        rows = [
            {
                "relation": relation.kind,
                "document": relation.to_document,
                "confidence": relation.confidence,
                "note": relation.note,
            }
            for relation in document.published_relations_from
        ] + [
            {
                "relation": INVERSE_RELATIONS[relation.kind],
                "document": relation.from_document,
                "confidence": relation.confidence,
                "note": relation.note,
            }
            for relation in document.published_relations_to
        ]
        return RelationSerializer(rows, many=True, context=self.context).data


# --- Bodies ---------------------------------------------------------------------------


class BodySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    url = page_url("agreements:body-detail")
    api_url = api_url("api:body-detail")
    name = TranslatedField()
    short_name = TranslatedField()
    kind = serializers.ChoiceField(choices=Body.Kind.choices)
    country = CountrySerializer()
    parent = serializers.SerializerMethodField(
        help_text="The body it belongs to (null when none is public)."
    )
    website = serializers.CharField()
    description = TranslatedField()

    @extend_schema_field(serializers.SlugField(allow_null=True))
    def get_parent(self, body):
        return body.parent.slug if body.parent_id and body.parent_is_public else None


class FormerNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    short_name = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    note = serializers.CharField()


class BodyDetailSerializer(LicencedMixin, BodySerializer):
    """A body, its names over time, its public sub-bodies and its documents."""

    former_names = FormerNameSerializer(
        many=True, source="former_names.all", help_text="Latest first."
    )
    children = BodyRefSerializer(many=True, source="public_children")
    documents_count = serializers.IntegerField(
        help_text="Published documents it signed."
    )
    documents_url = serializers.URLField(
        help_text="Those documents in this API (documents/?body=<slug>)."
    )


# --- Events ---------------------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    url = page_url("agreements:event-detail")
    api_url = api_url("api:event-detail")
    title = TranslatedField()
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    city = serializers.CharField()
    country = CountrySerializer(allow_null=True)
    description = TranslatedField()
    documents_reported = serializers.IntegerField(
        allow_null=True,
        help_text="How many documents the sources say were signed; null if unknown.",
    )
    documents_recorded = serializers.IntegerField(
        help_text="How many of them the register holds (published)."
    )


class EventDetailSerializer(LicencedMixin, EventSerializer):
    """An event, its documents in the order of its package, and its sources."""

    documents_inferred = serializers.IntegerField(
        help_text="Recorded documents counted among the reported ones by inference."
    )
    documents_missing = serializers.IntegerField(
        allow_null=True, help_text="Reported but not yet identified; null if unknown."
    )
    documents = DocumentRefSerializer(many=True, source="package")
    documents_url = serializers.URLField(
        help_text="Its documents in this API (documents/?event=<slug>)."
    )
    sources = CitationSerializer(many=True)


# --- Countries ------------------------------------------------------------------------


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    documents = serializers.IntegerField()
    events = serializers.IntegerField()


class CountryDetailSerializer(LicencedMixin, serializers.Serializer):
    """The relationship with one partner country, year by year."""

    code = serializers.CharField(help_text="ISO 3166-1 alpha-2 code.")
    name = serializers.SerializerMethodField(help_text="From CLDR, in each language.")
    url = page_url("agreements:country-detail", lookup="code")
    api_url = api_url("api:country-detail", lookup="code")
    documents_count = serializers.IntegerField(
        help_text="Published documents with a party from the country."
    )
    events_count = serializers.IntegerField(
        help_text="Events held there, or elsewhere with such documents signed."
    )
    years = YearSerializer(many=True, help_text="Newest first; empty years left out.")
    recent_events = EventRefSerializer(many=True)
    recent_documents = DocumentRefSerializer(many=True)
    documents_url = serializers.URLField(
        help_text="Its documents in this API (documents/?country=<code>)."
    )

    @extend_schema_field(TranslatedTextSerializer)
    def get_name(self, country):
        return {
            key: country_name(country.code, country.name, language)
            for key, language in LANGUAGE_KEYS.items()
        }


# --- Actions --------------------------------------------------------------------------


class ActionSerializer(ActionRefSerializer):
    """An action of a published document, with the document."""

    url = page_url()
    document = DocumentRefSerializer()
