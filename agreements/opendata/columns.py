"""The data dictionary's pieces: a column, a table (a file), and the words several
tables share. ``tables`` and ``steps_and_texts`` describe the files with them."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from ..models import DatePrecision


@dataclass(frozen=True)
class Column:
    """One column: its name, its Frictionless type, what it holds."""

    name: str
    type: str
    description: str
    #: The values a column of choices takes.
    values: tuple = ()
    #: "uri" for an address.
    format: str = ""
    #: The language of a column of the register's text in one language.
    language: str = ""

    def describe(self):
        """The description in the active language."""
        text = str(self.description)
        if self.language:
            name = get_language_info(self.language)["name_translated"]
            text = text % {"language": name}
        return text

    def schema(self):
        """The column as a Frictionless Table Schema field."""
        described = {"name": self.name, "type": self.type}
        if self.format:
            described["format"] = self.format
        described["description"] = self.describe()
        if self.values:
            described["constraints"] = {"enum": list(self.values)}
        return described


@dataclass(frozen=True)
class Table:
    """One file: ``<name>.csv``, and ``<name>`` in the JSON file."""

    name: str
    title: str
    description: str
    columns: tuple
    #: ``rows(absolute)``: the rows in column order; ``absolute(path)`` is a URL.
    rows: object
    primary_key: tuple = ()
    #: ``(columns, table, its columns)`` for each column naming another table's row
    foreign_keys: tuple = field(default_factory=tuple)

    @property
    def filename(self):
        return f"{self.name}.csv"

    def schema(self):
        schema = {"fields": [column.schema() for column in self.columns]}
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {
                    "fields": list(fields),
                    "reference": {"resource": table, "fields": list(reference)},
                }
                for fields, table, reference in self.foreign_keys
            ]
        return schema


def translated(name, description):
    """A column of the register's text for each of the site's languages
    (``title_en_gb``, ``title_ru``...); empty where that language has none."""
    return tuple(
        Column(
            build_localized_fieldname(name, code), "string", description, language=code
        )
        for code, _name in settings.LANGUAGES
    )


# --- Words shared by several tables ---------------------------------------------------

SLUG = _("The record's stable identifier, the last part of its address.")
URL = _("The address of the record's page in the register.")
COUNTRY = _("ISO 3166-1 alpha-2 code of the country.")
CONFIDENCE = _(
    "How sure the register is of what the source supports: confirmed (the source "
    "states it), reported (the source reports it without confirming the detail) or "
    "inferred (the register's reading of the sources)."
)
UPDATED = _("When the record last changed in the register (UTC).")
DOCUMENT = _("The document's slug (documents.csv).")
SOURCE = _("The source's address (sources.csv).")


def dated_columns():
    """The two columns of a dated record (a step, a progress update): its day, and
    how much of it the sources give."""
    return (
        Column(
            "happened_on",
            "date",
            _(
                "When it happened; for a month or a year, its first day "
                "(date_precision says which)."
            ),
        ),
        Column(
            "date_precision",
            "string",
            _("How much of the date the sources give."),
            values=tuple(DatePrecision.values),
        ),
    )
