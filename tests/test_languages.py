"""The register in four languages: addresses, the switcher, hreflang, the page cache
per language, dates, country names and sorting by each language's alphabet, and the
translation catalogues themselves."""

import datetime
import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from agreements.languages import country_name, sort_key
from tests.factories import BodyFactory, CountryFactory, PartyFactory
from tests.test_views import bilateral_document

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru", "kk", "az")
#: A word of the chrome in each language: the main section "Agreements".
HEADER_WORD = {"ru": "Договоры и соглашения", "kk": "Келісімдер", "az": "Sazişlər"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def html_lang(content):
    return re.search(r'<html lang="([^"]+)"', content).group(1)


# --- Addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "lang"), [("", "en-GB"), ("/ru", "ru"), ("/kk", "kk"), ("/az", "az")]
)
@pytest.mark.parametrize(
    "path", ["/", "/agreements/", "/events/", "/bodies/", "/follow-up/", "/data/"]
)
def test_every_public_page_answers_in_each_language(client, prefix, lang, path):
    response = client.get(prefix + path)
    assert response.status_code == 200
    assert html_lang(response.content.decode()) == lang


def test_english_keeps_its_addresses_and_nothing_redirects_by_browser_language(
    client,
):
    response = client.get("/agreements/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert html_lang(response.content.decode()) == "en-GB"
    assert client.get("/en-gb/agreements/").status_code == 404


def test_the_switcher_keeps_the_path_and_the_query(client):
    document = bilateral_document(slug="transit")
    content = client.get(
        f"{document.get_absolute_url()}?utm=x", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    switcher = content[content.index('class="language-switcher"') :]
    switcher = switcher[: switcher.index("</nav>")]
    links = dict(re.findall(r'href="([^"]+)" lang="([^"]+)"', switcher))
    assert links == {
        "/agreements/transit/?utm=x": "en-GB",
        "/ru/agreements/transit/?utm=x": "ru",
        "/kk/agreements/transit/?utm=x": "kk",
        "/az/agreements/transit/?utm=x": "az",
    }
    assert 'aria-current="true">English<' in switcher
    ru = client.get("/ru/agreements/transit/").content.decode()
    assert 'aria-current="true">Русский<' in ru


def test_each_page_names_its_alternates_in_the_head(client):
    content = client.get("/ru/events/").content.decode()
    head = content[: content.index("</head>")]
    alternates = dict(re.findall(r'hreflang="([^"]+)" href="([^"]+)"', head))
    assert alternates == {
        "en-GB": "http://testserver/events/",
        "x-default": "http://testserver/events/",
        "ru": "http://testserver/ru/events/",
        "kk": "http://testserver/kk/events/",
        "az": "http://testserver/az/events/",
    }


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_chrome_is_in_the_pages_language(client, code):
    content = client.get(f"/{code}/agreements/").content.decode()
    nav = content[content.index('class="header__nav"') :]
    nav = nav[: nav.index("</nav>")]
    assert HEADER_WORD[code] in nav
    assert ">Agreements<" not in nav


# --- The page cache -------------------------------------------------------------------


@override_settings(PAGE_CACHE_SECONDS=600)
def test_the_same_page_in_four_languages_is_four_entries_and_a_change_clears_them(
    client,
):
    document = bilateral_document(title="Agreement on transit")
    paths = ["/agreements/", "/ru/agreements/", "/kk/agreements/", "/az/agreements/"]
    langs = {}
    for path in paths:
        assert client.get(path)["X-Cache"] == "miss"
    for path in paths:
        response = client.get(path)
        assert response["X-Cache"] == "hit", path
        langs[path] = html_lang(response.content.decode())
    assert langs == {
        "/agreements/": "en-GB",
        "/ru/agreements/": "ru",
        "/kk/agreements/": "kk",
        "/az/agreements/": "az",
    }
    document.title = "Agreement on transit and transport"
    document.save()
    for path in paths:
        response = client.get(path)
        assert response["X-Cache"] == "miss", path
        assert "transit and transport" in response.content.decode()


@override_settings(PAGE_CACHE_SECONDS=600)
def test_a_filtered_page_in_another_language_is_not_served_the_unfiltered_one(
    client,
):
    bilateral_document(title="Treaty on friendship", kind="treaty")
    bilateral_document(title="Memorandum on youth", kind="memorandum")
    client.get("/ru/agreements/")
    filtered = client.get("/ru/agreements/?kind=treaty").content.decode()
    assert "Treaty on friendship" in filtered
    assert "Memorandum on youth" not in filtered


# --- Dates, numbers, country names, sorting -------------------------------------------


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("en-gb", "12 November 2025"),
        ("ru", "12 ноября 2025 г."),
        ("kk", "12 Қараша 2025 ж."),
        ("az", "12 Noyabr 2025"),
    ],
)
def test_dates_follow_each_languages_format(code, text):
    from django.template import Context, Template

    template = Template("{% load register_tags %}{{ day|day }}")
    with translation.override(code):
        rendered = template.render(Context({"day": datetime.date(2025, 11, 12)}))
    assert unescape(re.sub(r"<[^>]+>", "", rendered)) == text


@pytest.mark.parametrize(
    ("code", "kz", "az"),
    [
        ("en-gb", "Kazakhstan", "Azerbaijan"),
        ("ru", "Казахстан", "Азербайджан"),
        ("kk", "Қазақстан", "Әзірбайжан"),
        ("az", "Qazaxıstan", "Azərbaycan"),
    ],
)
def test_country_names_come_from_cldr_in_each_language(client, code, kz, az):
    assert country_name("KZ", language=code) == kz
    bilateral_document()
    prefix = "" if code == "en-gb" else f"/{code}"
    content = client.get(f"{prefix}/countries/kz/").content.decode()
    assert f'<h1 class="heading-l">{kz}</h1>' in content


def test_kazakh_sorts_its_own_letters_in_their_place():
    words = [
        "Ісләм",
        "Ұлы",
        "Үй",
        "Ыстық",
        "Қала",
        "Кітап",
        "Әке",
        "Ана",
        "Ғылым",
        "Гүл",
    ]
    assert sorted(words, key=lambda w: sort_key(w, "kk")) == [
        "Ана",
        "Әке",
        "Гүл",
        "Ғылым",
        "Кітап",
        "Қала",
        "Ұлы",
        "Үй",
        "Ыстық",
        "Ісләм",
    ]


def test_azerbaijani_sorts_its_own_letters_in_their_place():
    words = ["Zaqatala", "Xaçmaz", "Qəbələ", "İsmayıllı", "Ismayıl", "Çinar", "Cəlil"]
    words += ["Əli", "Elm", "Ğ", "Göy", "Öz", "Ordu", "Şəki", "Saatlı", "Üzüm", "Ucar"]
    assert sorted(words, key=lambda w: sort_key(w, "az")) == [
        "Cəlil",
        "Çinar",
        "Elm",
        "Əli",
        "Göy",
        "Ğ",
        "Xaçmaz",
        "Ismayıl",
        "İsmayıllı",
        "Qəbələ",
        "Ordu",
        "Öz",
        "Saatlı",
        "Şəki",
        "Ucar",
        "Üzüm",
        "Zaqatala",
    ]


def test_the_body_list_sorts_countries_by_the_pages_alphabet(client):
    for code in ("AZ", "AF", "BY"):
        country = CountryFactory(code=code)
        body = BodyFactory(country=country, name=f"Ministry of {code}")
        PartyFactory(document=bilateral_document(), body=body, order=3)

    def order(prefix):
        content = client.get(f"{prefix}/bodies/").content.decode()
        return [
            code
            for code in re.findall(r'id="country-([A-Z]{2})"', content)
            if code in {"AZ", "AF", "BY"}
        ]

    # English: Afghanistan, Azerbaijan, Belarus; Kazakh: Ауғанстан, Беларусь, Әзірбайжан
    # sorts Ә after А (Ауғанстан < Әзірбайжан < Беларусь)
    assert order("") == ["AF", "AZ", "BY"]
    assert order("/kk") == ["AF", "AZ", "BY"]
    # Azerbaijani: Azərbaycan, Belarus, Əfqanıstan (Ə after E)
    assert order("/az") == ["AZ", "BY", "AF"]


# --- The catalogues -------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_catalogue_is_complete_with_no_fuzzy_entry(code):
    path = ROOT / "locale" / code / "LC_MESSAGES" / "django.po"
    with path.open("rb") as source:
        catalog = read_po(source)
    assert not catalog.fuzzy, "the header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted:
                problems.append(f"unknown placeholder in {ids[0]!r}: {string!r}")
    assert problems == []


#: Attribute values a reader sees.
SEEN_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder", "value", "label")


def unmarked_text(template):
    """English words in ``template`` outside {% translate %} and its kin."""
    text = re.sub(
        r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", template, flags=re.S
    )
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(
        r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", text, flags=re.S
    )
    text = re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.S)
    found = []
    for tag in re.findall(r"<[^>]*>", text):
        for name in SEEN_ATTRIBUTES:
            found += [
                value
                for value in re.findall(rf'(?<![\w-]){name}="([^"]*)"', tag)
                if re.search(r"[A-Za-z]{2,}", value)
            ]
    body = re.sub(r"<(script|style)\b.*?</\1>|<[^>]*>", " ", text, flags=re.S)
    body = re.sub(r"&[a-z]+;|&#\d+;", " ", body)
    found += re.findall(r"[^\s<>;&]*[A-Za-z]{2,}[^\s<>&]*", body)
    return found


def test_no_template_holds_an_unmarked_english_string():
    unmarked = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "admin" in path.relative_to(ROOT / "templates").parts[:1]:
            continue  # the admin's own pages extend Django's, in its language
        found = unmarked_text(path.read_text())
        if found:
            unmarked[str(path.relative_to(ROOT))] = found
    assert unmarked == {}


def test_the_unmarked_string_check_finds_what_it_should():
    assert unmarked_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert unmarked_text('<a aria-label="Close">x</a>') == ["Close"]
    assert unmarked_text("<p>{% translate 'Hello' %} {{ name }}</p>") == []
    assert unmarked_text("{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}") == []


# --- Search across scripts and spellings ------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Байтерек", {"baiterek"}),
        ("Baiterek", {"baiterek", "baiterek-kk"}),
        ("Qazaqstan", {"kazakhstan-en", "kazakhstan-kk"}),
        ("Kazakhstan", {"kazakhstan-en", "kazakhstan-kk"}),
        ("Қазақстан", {"kazakhstan-en", "kazakhstan-kk"}),
        ("Azərbaycan", {"azerbaijan-en"}),
        ("Азербайджан", {"azerbaijan-en"}),
    ],
)
def test_a_search_finds_a_name_whatever_its_script(client, query, found):
    bilateral_document(slug="baiterek", title="Memorandum with Baiterek holding")
    bilateral_document(slug="baiterek-kk", title="Байтерек холдингімен меморандум")
    bilateral_document(slug="kazakhstan-en", title="Treaty with Kazakhstan")
    bilateral_document(slug="kazakhstan-kk", title="Қазақстан Республикасымен шарт")
    bilateral_document(slug="azerbaijan-en", title="Agreement with Azerbaijan")
    bilateral_document(slug="unrelated", title="Protocol on fisheries")
    if query == "Байтерек":
        found = {"baiterek", "baiterek-kk"}
    response = client.get("/agreements/", {"q": query})
    slugs = {document.slug for document in response.context["page_obj"]}
    assert slugs == found


def test_a_match_in_the_script_typed_ranks_first(client, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ranking: PostgreSQL (SQLite keeps the list's order)")
    bilateral_document(slug="latin", title="Treaty with Kazakhstan")
    bilateral_document(slug="cyrillic", title="Договор с Казахстаном")
    latin = client.get("/agreements/", {"q": "Kazakhstan"}).context["page_obj"]
    cyrillic = client.get("/agreements/", {"q": "Казахстан"}).context["page_obj"]
    assert [d.slug for d in latin] == ["latin", "cyrillic"]
    assert [d.slug for d in cyrillic] == ["cyrillic", "latin"]


# --- Messages: reminders and the calendar ---------------------------------------------


def test_each_reminder_goes_out_in_its_recipients_language():
    from agreements.followup.reminders import build_reminders
    from tests.factories import ActionFactory

    today = datetime.date(2026, 11, 2)
    document = bilateral_document(signed_on=datetime.date(2023, 4, 10))
    for email, language in (("ru@example.org", "ru"), ("az@example.org", "az")):
        ActionFactory(
            document=document,
            due_on=today - datetime.timedelta(days=3),
            contact_email=email,
            contact_language=language,
        )
    digests = {d.recipient: d for d in build_reminders(today=today)}
    assert "просрочено" in digests["ru@example.org"].body.lower()
    assert "2 ноября 2026 г." in digests["ru@example.org"].body
    assert "Noyabr 2026" in digests["az@example.org"].body
    assert "Overdue" not in digests["az@example.org"].body


@pytest.mark.parametrize(
    ("query", "summary"),
    [("", "Due: "), ("?lang=ru", "Срок: "), ("?lang=kk", ""), ("?lang=az", "")],
)
def test_the_calendar_takes_a_language(client, query, summary):
    import icalendar

    from tests.factories import ActionFactory

    document = bilateral_document(signed_on=datetime.date(2023, 4, 10))
    ActionFactory(document=document, title="Hold the council", due_on=None)
    action = ActionFactory(document=document, title="Sign the annex")
    response = client.get(f"/follow-up/calendar.ics{query}")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = [e for e in calendar.walk("VEVENT") if "annex" in str(e["summary"])]
    assert str(event["summary"]).endswith(action.title)
    if summary:
        assert str(event["summary"]).startswith(summary)
    if query:
        assert not str(event["summary"]).startswith("Due: ")


def test_a_calendar_language_the_register_lacks_is_a_400(client):
    response = client.get("/follow-up/calendar.ics?lang=fr")
    assert response.status_code == 400
    assert "?lang=" in response.content.decode()


# --- The countries ------------------------------------------------------------------


def test_the_countries_page_lists_partner_countries_in_the_pages_alphabet(
    client, django_assert_max_num_queries
):
    for code in ("AZ", "AF", "BY"):
        body = BodyFactory(country=CountryFactory(code=code))
        PartyFactory(document=bilateral_document(), body=body, order=3)
    bilateral_document(is_published=False, countries=("NZ", "KZ"))

    def rows(prefix):
        content = client.get(f"{prefix}/countries/").content.decode()
        return re.findall(r'href="[^"]*/countries/([a-z]{2})/">([^<]+)</a>', content)

    english = rows("")
    assert [code for code, _name in english] == ["af", "az", "by", "kz"]
    assert ("nz", "New Zealand") not in english  # only a draft has a party from it
    # Azerbaijani: Azərbaycan, Belarus, Əfqanıstan (Ə after E), Qazaxıstan
    assert [code for code, _name in rows("/az")] == ["az", "by", "af", "kz"]
    assert dict(rows("/kk"))["kz"] == "Қазақстан"
    cache.clear()
    with django_assert_max_num_queries(4):
        assert client.get("/ru/countries/").status_code == 200


def test_a_country_page_leads_back_to_the_countries(client):
    bilateral_document()
    content = client.get("/ru/countries/kz/").content.decode()
    trail = content[content.index('class="breadcrumbs"') :]
    trail = trail[: trail.index("</nav>")]
    assert 'href="/ru/countries/">Страны</a>' in trail
    assert "Казахстан" in trail
    assert "Органы" not in trail
