"""A document's page as a reference for citation managers: RIS
(``/agreements/<slug>/cite.ris``) and BibTeX (``cite.bib``), in UTF-8, Cyrillic as
it is.

Both cite the register's page (the address that stays the same), as "Cite this page"
does: the title as signed, the parties' bodies as they were named that day (as
corporate authors), the date and place of signature, the page's address and the day
it was read. Nothing the register does not know is written.
"""

import re

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .followup import views as followup_views
from .models import Document, Party

#: Content types, as citation managers register them.
RIS_TYPE = "application/x-research-info-systems"
BIBTEX_TYPE = "application/x-bibtex"

#: The characters TeX reads as commands, each written so that it prints as itself.
_TEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_TEX_PATTERN = re.compile("|".join(re.escape(char) for char in _TEX))


def tex(text):
    """``text`` for a BibTeX field: TeX's special characters escaped, line breaks
    as spaces, every other letter (Cyrillic, Azerbaijani) left as it is."""
    text = " ".join(str(text).split())
    return _TEX_PATTERN.sub(lambda match: _TEX[match.group()], text)


def _document(slug):
    parties = Party.objects.select_related("body__country").prefetch_related(
        "body__former_names"
    )
    return get_object_or_404(
        Document.objects.published()
        .defer("search_text", "search_vector")
        .prefetch_related(Prefetch("parties", parties.order_by("order", "id"))),
        slug=slug,
    )


def reference(request, document):
    """What both formats say, as plain values."""
    return {
        "key": document.slug,
        "title": document.title,
        "authors": [party.body_name_at_signing for party in document.parties.all()],
        "date": document.signed_on,
        "place": document.signed_city,
        "kind": document.get_kind_display(),
        "url": request.build_absolute_uri(document.get_absolute_url()),
        "accessed": followup_views.today(),
        "publisher": _("Register of signed bilateral documents"),
    }


def ris(facts):
    lines = [("TY", "LEGAL"), ("TI", facts["title"])]
    lines += [("AU", author) for author in facts["authors"]]
    lines += [
        ("DA", facts["date"].strftime("%Y/%m/%d/")),
        ("PY", str(facts["date"].year)),
    ]
    if facts["place"]:
        lines.append(("CY", facts["place"]))
    lines += [
        ("M3", facts["kind"]),
        ("DB", facts["publisher"]),
        ("UR", facts["url"]),
        ("Y2", facts["accessed"].strftime("%Y/%m/%d/")),
        ("ER", ""),
    ]
    # RIS: a tag, two spaces, a hyphen, a space; lines end in CR LF
    return "".join(
        f"{tag}  - {' '.join(str(value).split())}".rstrip() + "\r\n"
        for tag, value in lines
    )


def bibtex(facts):
    fields = [
        # double braces keep the title's capitals as signed
        ("title", "{" + tex(facts["title"]) + "}"),
    ]
    if facts["authors"]:
        fields.append(
            ("author", " and ".join("{" + tex(name) + "}" for name in facts["authors"]))
        )
    fields += [
        ("date", facts["date"].isoformat()),
        ("year", str(facts["date"].year)),
    ]
    if facts["place"]:
        fields.append(("address", tex(facts["place"])))
    fields += [
        ("type", tex(facts["kind"])),
        ("howpublished", tex(facts["publisher"])),
        ("url", facts["url"]),
        ("urldate", facts["accessed"].isoformat()),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{facts['key']},\n{body}\n}}\n"


FORMATS = {
    "ris": (ris, RIS_TYPE),
    "bib": (bibtex, BIBTEX_TYPE),
}


def cite(request, slug, extension):
    """A published document's reference as a file; 404 for anything else."""
    write, content_type = FORMATS[extension]
    document = _document(slug)
    response = HttpResponse(
        write(reference(request, document)),
        content_type=f"{content_type}; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{document.slug}.{extension}"'
    )
    return response
