"""Pages that describe themselves: the schema.org data (JSON-LD) of a document, an
event, a body and a country page, built as dicts from what the view has loaded (no
query of its own). ``templates/includes/open_graph.html`` writes them, with the Open
Graph tags, through ``|json_ld``.

Only what the register knows is said, and no more firmly than it knows it: an
unknown stays absent; a document is "in force" or "not in force" only when its legal
status says so (a document merely signed, provisionally applied or suspended has no
``legislationLegalForce``); ``sameAs`` names only sources that state the document
(confirmed), never those that only report it; a text shown in English for want of a
translation is marked as English.
"""

from .models import Body, Confidence, Document
from .templatetags.register_tags import bcp47, in_language, link_url

CONTEXT = "https://schema.org"

LEGAL_FORCE = {
    Document.LegalStatus.IN_FORCE: "schema:InForce",
    Document.LegalStatus.TERMINATED: "schema:NotInForce",
    Document.LegalStatus.EXPIRED: "schema:NotInForce",
    Document.LegalStatus.SUPERSEDED: "schema:NotInForce",
}
GOVERNMENT = {
    Body.Kind.STATE,
    Body.Kind.HEAD_OF_STATE,
    Body.Kind.GOVERNMENT,
    Body.Kind.PARLIAMENT,
    Body.Kind.MINISTRY,
    Body.Kind.AGENCY,
}
ORGANIZATION_TYPES = {
    **dict.fromkeys(GOVERNMENT, "GovernmentOrganization"),
    Body.Kind.STATE_COMPANY: "Corporation",
    Body.Kind.COMPANY: "Corporation",
    Body.Kind.MEDIA: "NewsMediaOrganization",
}
#: A title's language (``DocumentTitle.Language``) as a BCP 47 tag.
TITLE_LANGUAGES = {"en": "en", "kk": "kk", "ru": "ru", "az": "az"}


def _text(record, field):
    """The record's text in the page's language (or the English it falls back to),
    tagged with its language; ``None`` when there is none."""
    text = in_language(record, field)
    if not text:
        return None
    return {"@value": text.text, "@language": bcp47(text.language)}


def _drop_empty(data):
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def country(record, absolute):
    return {
        "@type": "Country",
        "name": record.local_name,
        "identifier": record.code,
        "url": absolute(record.get_absolute_url()),
    }


def _place(city, country_record):
    if not city and country_record is None:
        return None
    address = _drop_empty(
        {
            "@type": "PostalAddress",
            "addressLocality": city,
            "addressCountry": country_record.code if country_record else None,
        }
    )
    return {
        "@type": "Place",
        "name": city or country_record.local_name,
        "address": address,
    }


def _organization(body, absolute, name=None):
    return {
        "@type": ORGANIZATION_TYPES.get(body.kind, "Organization"),
        "name": name or str(in_language(body, "name")),
        "url": absolute(body.get_absolute_url()),
    }


def document(record, *, parties, citations, titles, topics, absolute, url):
    """A document as schema.org ``Legislation``."""
    countries = {}
    for party in parties:
        countries.setdefault(party.body.country.code, party.body.country)
    official = [t for t in titles if t.is_official and t.language in TITLE_LANGUAGES]
    same_as = [
        link_url(citation.source.url)
        for citation in citations
        if citation.confidence == Confidence.CONFIRMED
    ]
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "Legislation",
            "url": url,
            "name": record.title,
            "alternateName": [
                {"@value": title.title, "@language": TITLE_LANGUAGES[title.language]}
                for title in official
            ],
            "inLanguage": sorted({TITLE_LANGUAGES[t.language] for t in official}),
            "legislationType": record.get_kind_display(),
            "legislationDate": record.signed_on.isoformat(),
            "legislationDateOfApplicability": (
                record.entered_into_force_on.isoformat()
                if record.entered_into_force_on
                else None
            ),
            "legislationLegalForce": (
                {"@id": LEGAL_FORCE[record.legal_status]}
                if record.legal_status in LEGAL_FORCE
                else None
            ),
            "legislationJurisdiction": [
                country(each, absolute) for each in countries.values()
            ],
            "legislationPassedBy": [
                _organization(party.body, absolute, party.body_name_at_signing)
                for party in parties
            ],
            "locationCreated": _place(
                record.signed_city,
                record.signed_country if record.signed_country_id else None,
            ),
            "description": _text(record, "summary"),
            "keywords": [str(in_language(topic, "name")) for topic in topics],
            "sameAs": sorted({address for address in same_as if address}),
        }
    )


def event(record, *, absolute, url):
    """An event as schema.org ``Event``."""
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "Event",
            "url": url,
            "name": _text(record, "title"),
            "startDate": record.date.isoformat(),
            "endDate": record.end_date.isoformat() if record.end_date else None,
            "location": _place(
                record.city, record.country if record.country_id else None
            ),
            "description": _text(record, "description"),
        }
    )


def body(record, *, parent, absolute, url):
    """A body as schema.org ``GovernmentOrganization`` (states, governments,
    ministries, agencies...), ``Corporation``, ``NewsMediaOrganization`` or
    ``Organization``."""
    return _drop_empty(
        {
            "@context": CONTEXT,
            **_organization(record, absolute),
            "name": _text(record, "name"),
            "url": url,
            "alternateName": _text(record, "short_name"),
            "description": _text(record, "description"),
            "location": country(record.country, absolute),
            "sameAs": link_url(record.website) or None,
            "parentOrganization": (
                _organization(parent, absolute) if parent is not None else None
            ),
        }
    )


def country_page(record, *, absolute, url):
    """A partner country as schema.org ``Country``."""
    return {"@context": CONTEXT, **country(record, absolute), "url": url}
