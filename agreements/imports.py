"""Documents in and out of spreadsheets (django-import-export), CSV or XLSX.

A row is a document with its event, its two parties and the source that reports it.
Bodies and countries are matched, never made: a body by its name or short name in
any language or a former name (with its country's ISO code or name where two bodies
share a name); a country by its ISO code or its name. A row whose body or country
matches nothing is an error that names it. A row that looks like a document already
in the register (``agreements.duplicates``) is an error too, unless its
"not a duplicate" column says yes. The admin's dry run lists every row's result
before anything is saved; the import is all or nothing (one transaction); each
document saved is in its history; an editor's import makes drafts.

The records an import makes (documents, their parties, citations and new sources) get
their history records in bulk at the end of the import, a few inserts for the whole
file (django-simple-history's ``bulk_history_create``), rather than one insert each as
they are saved; a dry run, rolled back, writes none. A record the import changes gets
its history as it is saved, as anywhere else.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets

from .duplicates import likely_duplicates
from .languages import country_name
from .models import (
    Body,
    BodyName,
    Confidence,
    Country,
    Document,
    DocumentCitation,
    Event,
    Party,
    PartyCitation,
    Source,
)
from .search import language_columns
from .services import can_publish

YES = {"yes", "y", "true", "1", "x", "да", "иә", "bəli"}
SIDES = (1, 2)


def _text(value):
    return ("" if value is None else str(value)).strip()


class Matcher:
    """Countries and bodies by what a spreadsheet calls them, read once an import
    (a query for the countries, two for every body's names), then matched in Python:
    a 1,000-row file with two parties a row asks nothing more."""

    def __init__(self):
        self._countries = None
        self._names = None

    def country(self, text):
        """The country ``text`` names (ISO code or name, in any of the site's
        languages), or ``None``."""
        text = _text(text)
        if not text:
            return None
        if self._countries is None:
            self._countries = {}
            for country in Country.objects.all():
                names = {country.code, country.name}
                names |= {
                    country_name(country.code, country.name, language)
                    for language in ("en-gb", "ru", "kk", "az")
                }
                for name in names:
                    self._countries.setdefault(name.casefold(), country)
        return self._countries.get(text.casefold())

    def _bodies_called(self, name):
        """The bodies whose name or short name, in any language, or whose former
        name is ``name`` (case set aside), in the register's order."""
        if self._names is None:
            self._names = {}
            columns = (*language_columns("name"), *language_columns("short_name"))
            bodies = Body.objects.select_related("country").order_by("pk")
            by_pk = {}
            for body in bodies:
                by_pk[body.pk] = body
                for column in columns:
                    self._add_name(getattr(body, column), body)
            former = BodyName.objects.values_list("body_id", "name", "short_name")
            for body_id, *names in former.order_by("pk"):
                for text in names:
                    self._add_name(text, by_pk[body_id])
        return list(self._names.get(name.casefold(), {}).values())

    def _add_name(self, text, body):
        text = _text(text)
        if text:
            # each body once under a name, however many of its names read so
            self._names.setdefault(text.casefold(), {})[body.pk] = body

    def body(self, name, country_text=""):
        """``(body, error)``: the one body called ``name`` (in ``country_text``, if
        given), or why there is none."""
        name = _text(name)
        if not name:
            return None, "Give the party's body."
        candidates = self._bodies_called(name)
        if _text(country_text):
            country = self.country(country_text)
            if country is None:
                return None, f"No country is called or coded “{_text(country_text)}”."
            candidates = [body for body in candidates if body.country_id == country.pk]
        if not candidates:
            return None, (
                f"No body in the register is called “{name}”: add it in the admin "
                "first (nothing is made from a spreadsheet)."
            )
        if len(candidates) > 1:
            return None, (
                f"More than one body is called “{name}”: give its country's ISO code."
            )
        return candidates[0], ""


def iso_date(attribute):
    """A date column, written and read as ``YYYY-MM-DD``."""
    return fields.Field(
        attribute=attribute,
        column_name=attribute,
        widget=widgets.DateWidget(format="%Y-%m-%d"),
    )


def known(attribute, model, field):
    """A column naming a record by its ``field`` (``KnownRecord``)."""
    return fields.Field(
        attribute=attribute,
        column_name=attribute,
        widget=KnownRecord(model, field=field),
    )


class AllOrNothing(resources.ModelResource):
    """An import that saves every row or none: an invalid row rolls back the rows
    before it too, whoever calls it (the admin offers no confirmation then)."""

    def import_data(self, dataset, *args, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)


class KnownRecord(widgets.ForeignKeyWidget):
    """A record named by its ``field``; one the register lacks is the row's error,
    named, not a failure of the import."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                f"No {self.model._meta.verbose_name} has the {self.field} “{value}”."
            ) from None


class DocumentResource(AllOrNothing):
    """A document a row: its own columns, its event by slug, its two parties and the
    source that reports it."""

    slug = fields.Field(attribute="slug", column_name="slug")
    title = fields.Field(attribute="title", column_name="title")
    kind = fields.Field(attribute="kind", column_name="kind")
    signed_on = iso_date("signed_on")
    signed_city = fields.Field(attribute="signed_city", column_name="signed_city")
    signed_country = fields.Field(column_name="signed_country")
    event = known("event", Event, "slug")
    legal_status = fields.Field(attribute="legal_status", column_name="legal_status")
    summary = fields.Field(attribute="summary_en_gb", column_name="summary")
    party_1_body = fields.Field(column_name="party_1_body")
    party_1_country = fields.Field(column_name="party_1_country")
    party_1_signatory = fields.Field(column_name="party_1_signatory")
    party_2_body = fields.Field(column_name="party_2_body")
    party_2_country = fields.Field(column_name="party_2_country")
    party_2_signatory = fields.Field(column_name="party_2_signatory")
    source_url = fields.Field(column_name="source_url")
    source_publisher = fields.Field(column_name="source_publisher")
    source_confidence = fields.Field(column_name="source_confidence")
    published = fields.Field(column_name="published")
    not_a_duplicate = fields.Field(column_name="not_a_duplicate")

    class Meta:
        model = Document
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "title",
            "kind",
            "signed_on",
            "signed_city",
            "signed_country",
            "event",
            "legal_status",
            "summary",
            "party_1_body",
            "party_1_country",
            "party_1_signatory",
            "party_2_body",
            "party_2_country",
            "party_2_signatory",
            "source_url",
            "source_publisher",
            "source_confidence",
            "published",
            "not_a_duplicate",
        )
        export_order = fields
        use_transactions = True
        skip_unchanged = False
        report_skipped = True
        clean_model_instances = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.matcher = Matcher()
        # sources by URL: read as each import starts, added to as rows name new ones
        self._sources = {}
        # the records made, by model, whose history is written at the end
        self._made = defaultdict(list)

    def _make(self, record):
        """Save the new ``record`` now and its history with the others, at the end."""
        record.skip_history_when_saving = True
        record.save()
        self._made[type(record)].append(record)
        return record

    # --- Export ---------------------------------------------------------------------

    def filter_export(self, queryset, *args, **kwargs):
        return queryset.select_related("event", "signed_country").prefetch_related(
            "parties__body__country", "citations__source"
        )

    def _party(self, document, side):
        parties = sorted(document.parties.all(), key=lambda p: (p.order, p.pk))
        return parties[side - 1] if len(parties) >= side else None

    def dehydrate_signed_country(self, document):
        return document.signed_country.code if document.signed_country_id else ""

    def _party_column(self, document, side, what):
        party = self._party(document, side)
        if party is None:
            return ""
        return {
            "body": party.body.name_en_gb,
            "country": party.body.country.code,
            "signatory": party.signatory_name,
        }[what]

    def dehydrate_party_1_body(self, document):
        return self._party_column(document, 1, "body")

    def dehydrate_party_1_country(self, document):
        return self._party_column(document, 1, "country")

    def dehydrate_party_1_signatory(self, document):
        return self._party_column(document, 1, "signatory")

    def dehydrate_party_2_body(self, document):
        return self._party_column(document, 2, "body")

    def dehydrate_party_2_country(self, document):
        return self._party_column(document, 2, "country")

    def dehydrate_party_2_signatory(self, document):
        return self._party_column(document, 2, "signatory")

    def _citation(self, document):
        citations = sorted(document.citations.all(), key=lambda c: c.pk)
        return citations[0] if citations else None

    def dehydrate_source_url(self, document):
        citation = self._citation(document)
        return citation.source.url if citation else ""

    def dehydrate_source_publisher(self, document):
        citation = self._citation(document)
        return citation.source.publisher if citation else ""

    def dehydrate_source_confidence(self, document):
        citation = self._citation(document)
        return citation.confidence if citation else ""

    def dehydrate_published(self, document):
        return "yes" if document.is_published else "no"

    def dehydrate_not_a_duplicate(self, document):
        return ""

    # --- Import ---------------------------------------------------------------------

    def get_instance(self, instance_loader, row):
        if not _text(row.get("slug")):
            return None  # a new document: its slug is made from its title
        return super().get_instance(instance_loader, row)

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        """As the library's, without asking the database to evaluate each check
        constraint for each row (six queries a row, a third of a row's time):
        ``Document.clean()`` checks the same rules in Python with their messages, and
        the database still enforces them when the rows are written, all or none."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=errors.keys(),
                validate_unique=validate_unique,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        country_text = _text(row.get("signed_country"))
        instance.signed_country = self.matcher.country(country_text)
        if country_text and instance.signed_country is None:
            errors["signed_country"] = [
                f"No country is called or coded “{country_text}”."
            ]
        bodies = []
        for side in SIDES:
            body, problem = self.matcher.body(
                row.get(f"party_{side}_body"), row.get(f"party_{side}_country")
            )
            if problem:
                errors[f"party_{side}_body"] = [problem]
            bodies.append(body)
        if all(bodies) and bodies[0] == bodies[1]:
            errors["party_2_body"] = ["The two parties are the same body."]
        confidence = _text(row.get("source_confidence")).lower() or Confidence.REPORTED
        if confidence not in Confidence.values:
            errors["source_confidence"] = [
                f"“{confidence}” is not one of: {', '.join(Confidence.values)}."
            ]
        if not _text(row.get("source_url")):
            errors["source_url"] = ["Give the source that reports the document."]
        if (
            instance.pk is None
            and not errors
            and _text(row.get("not_a_duplicate")).lower() not in YES
        ):
            matches = likely_duplicates(
                title=instance.title,
                signed_on=instance.signed_on,
                body_ids=[body.pk for body in bodies],
            )
            if matches:
                looks_like = "; ".join(
                    f"“{m.document.title}” ({m.document.signed_on}, {m.document.slug})"
                    for m in matches
                )
                errors["title"] = [
                    ValidationError(
                        f"This looks like {looks_like}: put yes in not_a_duplicate "
                        "if it is another document.",
                        code="duplicate",  # the admin's dry run lists it as one
                    )
                ]
        if not instance.legal_status:
            instance.legal_status = Document.LegalStatus.SIGNED
        if errors:
            raise ValidationError(errors)
        instance._import_bodies = bodies
        instance._import_confidence = confidence
        instance._import_new = instance.pk is None
        instance._change_reason = "spreadsheet import"

    def before_save_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        wanted = _text(row.get("published")).lower() in YES
        if instance.pk is None:
            publish = wanted and can_publish(user, Document)
            instance.is_published = publish
            instance.published_by = user if publish else None
            instance.published_at = timezone.now() if publish else None
            instance.skip_history_when_saving = True  # written in bulk (after_import)
        # an existing document keeps its publication: publishers change it on its page

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run") and not kwargs.get("use_transactions", True):
            return
        source = self._source(row)
        confidence = instance._import_confidence
        # A new document has no citations or parties yet: they are made without
        # looking for them first (a query and a savepoint fewer each).
        new = instance._import_new
        if new:
            self._made[Document].append(instance)
        citation = {"document": instance, "source": source, "claim": "signing"}
        if new:
            self._make(DocumentCitation(**citation, confidence=confidence))
        else:
            DocumentCitation.objects.get_or_create(
                **citation, defaults={"confidence": confidence}
            )
        existing = (
            {} if new else {party.order: party for party in instance.parties.all()}
        )
        for side, body in zip(SIDES, instance._import_bodies, strict=True):
            signatory = _text(row.get(f"party_{side}_signatory"))
            party = existing.get(side)
            made = party is None
            if made:
                party = self._make(
                    Party(
                        document=instance,
                        body=body,
                        order=side,
                        signatory_name=signatory,
                    )
                )
            elif (party.body_id, party.signatory_name) != (body.pk, signatory):
                party.body, party.signatory_name = body, signatory
                party.save()
            cited = {
                "party": party,
                "source": source,
                "claim": "signatory" if signatory else "party",
            }
            if made:
                self._make(PartyCitation(**cited, confidence=confidence))
            else:
                PartyCitation.objects.get_or_create(
                    **cited, defaults={"confidence": confidence}
                )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # the file's sources already in the register, read at once (afresh for each
        # import: a dry run's new sources were rolled back)
        urls = set()
        if "source_url" in (dataset.headers or ()):
            urls = {_text(url) for url in dataset["source_url"]} - {""}
        self._sources = {
            source.url: source for source in Source.objects.filter(url__in=urls)
        }
        self._made = defaultdict(list)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        made, self._made = self._made, defaultdict(list)
        if kwargs.get("dry_run") or result.has_errors() or result.invalid_rows:
            return  # rolled back: no history to write
        for model, records in made.items():
            model.history.bulk_history_create(
                records,
                batch_size=500,
                default_user=kwargs.get("user"),
                default_change_reason="spreadsheet import",
            )

    def _source(self, row):
        """The row's source, by its URL: the register's, or one made for it (once
        for every row that names it)."""
        url = _text(row.get("source_url"))
        if url not in self._sources:
            # not in the register as the import started (before_import read them)
            self._sources[url] = self._make(
                Source(url=url, publisher=_text(row.get("source_publisher")))
            )
        return self._sources[url]


# --- Events, bodies, sources ----------------------------------------------------------


class _KeyedBySlug(AllOrNothing):
    """A record a row, found by its slug (empty for a new one, whose slug is then made
    from its English name or title)."""

    def get_instance(self, instance_loader, row):
        if not _text(row.get("slug")):
            return None
        return super().get_instance(instance_loader, row)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance._change_reason = "spreadsheet import"


class BodyResource(_KeyedBySlug):
    """A body a row: its names in each language, kind, country (ISO code) and parent
    (slug). A body's name in a language is the name it uses itself."""

    country = known("country", Country, "code")
    parent = known("parent", Body, "slug")

    class Meta:
        model = Body
        import_id_fields = ("slug",)
        fields = (
            "slug",
            *language_columns("name"),
            *language_columns("short_name"),
            "kind",
            "country",
            "parent",
            "website",
        )
        export_order = fields
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if not _text(instance.name_en_gb):
            raise ValidationError({"name_en_gb": ["Give the body's English name."]})


class EventResource(_KeyedBySlug):
    """An event a row: its title in each language, kind, dates, place (country by ISO
    code) and the number of documents the sources report. New events are drafts."""

    country = known("country", Country, "code")
    date = iso_date("date")
    end_date = iso_date("end_date")

    class Meta:
        model = Event
        import_id_fields = ("slug",)
        fields = (
            "slug",
            *language_columns("title"),
            "kind",
            "date",
            "end_date",
            "city",
            "country",
            "documents_reported",
        )
        export_order = fields
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if not _text(instance.title_en_gb):
            raise ValidationError({"title_en_gb": ["Give the event's English title."]})


class SourceResource(AllOrNothing):
    """A source a row, found by its URL."""

    published_on = iso_date("published_on")
    accessed_on = iso_date("accessed_on")

    class Meta:
        model = Source
        import_id_fields = ("url",)
        fields = ("url", "title", "publisher", "published_on", "accessed_on")
        export_order = fields
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
