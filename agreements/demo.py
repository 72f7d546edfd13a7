"""A realistic demo register for ``seed_demo``: reproducible for a seed, and fast.

The rows are made with the test factories (``tests/factories.py``) so demo data and
test data look alike: each factory builds one template row per model, and every demo
row is that template with the demo's values (``agreements.bulkload``). Documents are
planned in batches and each batch is written in one transaction (``executemany`` on
SQLite; ``COPY`` on PostgreSQL, by a second thread while the next is planned).
Nothing goes through ``save()``, so django-simple-history records nothing, which is
what a demo wants: no history for rows nobody edited. The search copies
(``agreements.search``) are kept by database triggers; the load is arranged so that
they fill each document's copy once (see ``search_triggers_suspended`` and
``_Builder.build_batch``).

Every demo row is recognisable, so a demo can sit beside real data (the kz_az_2023
fixture, say) and be removed again: bodies, events and documents have slugs starting
with ``demo-`` and sources have URLs starting with ``https://demo.``.

Everything random comes from one ``random.Random(seed)`` and per-locale Faker instances
seeded with the same seed, and nothing depends on today's date, so a seed always
builds the same register (same slugs, same titles).
"""

import bisect
import contextlib
import datetime
import functools
import gc
import math
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import factory.random
from django.db import connection, transaction
from django.utils.text import capfirst, slugify
from faker import Faker

from agreements import bulkload, models, search
from tests import factories

DEMO_PREFIX = "demo-"
DEMO_SOURCE_PREFIX = "https://demo."

# Fixed, not today's date, so that a seed builds the same register on any day.
FIRST_DAY = datetime.date(1995, 1, 1)
LAST_DAY = datetime.date(2026, 10, 31)
TODAY = datetime.date(2026, 11, 1)

EVENT_SHARE = 0.72  # documents signed at an event; the rest have no known event
PUBLISHED_SHARE = 0.9
THIRD_PARTY_SHARE = 0.06
# Chance that a weighted pick takes a value not yet used, so that even a small demo
# holds every kind and status (the first picks cover them all, the rest follow weights).
COVER_EVERY_CHOICE = 0.3

DocKind = models.Document.Kind
Legal = models.Document.LegalStatus
FollowUp = models.Document.FollowUpStatus
BodyKind = models.Body.Kind
EventKind = models.Event.Kind
RelKind = models.Relation.Kind
Confidence = models.Confidence

MONTHS = (
    "January February March April May June July August September October November "
    "December"
).split()


# Action titles and focal people repeat a lot: each is slugified once.
slug_of = functools.lru_cache(maxsize=8192)(slugify)


def long_date(day):
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class Weighted:
    """A weighted choice, prepared once: values and their cumulative weights."""

    def __init__(self, weights):
        self.weights = {value: weight for value, weight in weights.items() if weight}
        self.values = list(self.weights)
        total, self.cum = 0, []
        for value in self.values:
            total += self.weights[value]
            self.cum.append(total)
        self.total = float(total)
        self.last = len(self.values) - 1
        self.subsets = {}

    def pick(self, rng):
        # What rng.choices(self.values, cum_weights=self.cum)[0] does, draw for
        # draw, without its checks: it is called a few million times.
        return self.values[
            bisect.bisect(self.cum, rng.random() * self.total, 0, self.last)
        ]

    def only(self, allowed):
        key = frozenset(allowed)
        if key not in self.subsets:
            self.subsets[key] = Weighted(
                {value: w for value, w in self.weights.items() if value in allowed}
            )
        return self.subsets[key]


# --- Reference text -------------------------------------------------------------------

# Country names as they read in a title ("the United Kingdom"), where ISO's differ.
COUNTRY_NAMES = {
    "AE": "the United Arab Emirates",
    "BO": "Bolivia",
    "CD": "the Democratic Republic of the Congo",
    "CZ": "the Czech Republic",
    "GB": "the United Kingdom",
    "IR": "Iran",
    "KP": "the Democratic People's Republic of Korea",
    "KR": "the Republic of Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "NL": "the Netherlands",
    "PS": "Palestine",
    "RU": "the Russian Federation",
    "SY": "Syria",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "US": "the United States",
    "VE": "Venezuela",
}

# Partners by how often they sign with Kazakhstan and Azerbaijan, the register's focus.
PARTNER_WEIGHTS = {
    "AZ": 14, "RU": 9, "CN": 9, "UZ": 9, "TR": 8, "KG": 7, "DE": 5, "BY": 5,
    "TJ": 5, "TM": 5, "AE": 4, "KR": 4, "US": 4, "FR": 4, "HU": 3, "IT": 3,
    "GB": 3, "JP": 3, "IN": 3, "GE": 3, "PK": 2, "IR": 2, "SA": 2, "QA": 2,
    "PL": 2, "CZ": 2, "UA": 2, "MN": 2, "AT": 2, "ES": 2, "NL": 2, "CH": 2,
    "MY": 2, "SG": 2, "EG": 1, "AM": 1, "BE": 1, "LV": 1, "LT": 1, "EE": 1,
    "FI": 1, "SE": 1, "NO": 1, "IL": 1, "ID": 1, "VN": 1, "TH": 1, "BR": 1,
    "CA": 1, "AU": 1, "RO": 1, "BG": 1, "GR": 1, "OM": 1, "KW": 1, "JO": 1,
}  # fmt: skip
OTHER_PARTNER_WEIGHT = 0.3
# Territories in ISO 3166 that do not sign treaties of their own.
TERRITORIES = set(
    "AI AQ AS AW AX BL BM BQ BV CC CK CW CX EH FK FO GF GG GI GL GP GS GU HK HM IM "
    "IO JE KY MF MO MP MQ MS NC NF NU PF PM PN PR RE SH SJ SX TC TF TK TW UM VG VI "
    "WF YT".split()
)

CITIES = {
    "KZ": ("Astana", "Almaty", "Shymkent", "Aktau", "Atyrau", "Karaganda", "Turkistan"),
    "AZ": ("Baku", "Ganja", "Shusha", "Sumgait", "Lankaran"),
    "RU": ("Moscow", "Saint Petersburg", "Kazan", "Sochi", "Orenburg"),
    "CN": ("Beijing", "Shanghai", "Xi'an", "Urumqi"),
    "UZ": ("Tashkent", "Samarkand", "Bukhara", "Khiva"),
    "KG": ("Bishkek", "Cholpon-Ata", "Osh"),
    "TJ": ("Dushanbe", "Khujand"),
    "TM": ("Ashgabat", "Turkmenbashi", "Avaza"),
    "TR": ("Ankara", "Istanbul", "Izmir", "Antalya"),
    "DE": ("Berlin", "Frankfurt", "Munich", "Hamburg"),
    "FR": ("Paris", "Lyon", "Marseille"),
    "IT": ("Rome", "Milan", "Turin"),
    "GB": ("London", "Edinburgh"),
    "US": ("Washington", "New York"),
    "KR": ("Seoul", "Busan"),
    "JP": ("Tokyo", "Osaka"),
    "IN": ("New Delhi", "Mumbai", "Bengaluru"),
    "PK": ("Islamabad", "Lahore", "Karachi"),
    "IR": ("Tehran", "Isfahan"),
    "AE": ("Abu Dhabi", "Dubai"),
    "SA": ("Riyadh", "Jeddah"),
    "EG": ("Cairo", "Sharm el-Sheikh"),
    "PL": ("Warsaw", "Krakow"),
    "CZ": ("Prague", "Brno"),
    "UA": ("Kyiv", "Odesa"),
    "GE": ("Tbilisi", "Batumi"),
    "ES": ("Madrid", "Barcelona"),
    "NL": ("Amsterdam", "The Hague"),
    "CH": ("Bern", "Geneva", "Davos"),
    "IL": ("Jerusalem", "Tel Aviv"),
    "ID": ("Jakarta", "Bali"),
    "VN": ("Hanoi", "Ho Chi Minh City"),
    "BR": ("Brasilia", "Sao Paulo"),
    "CA": ("Ottawa", "Toronto"),
    "AU": ("Canberra", "Sydney"),
    "QA": ("Doha",), "HU": ("Budapest",), "BY": ("Minsk",), "AM": ("Yerevan",),
    "MN": ("Ulaanbaatar",), "AT": ("Vienna",), "BE": ("Brussels",), "LV": ("Riga",),
    "LT": ("Vilnius",), "EE": ("Tallinn",), "FI": ("Helsinki",), "SE": ("Stockholm",),
    "NO": ("Oslo",), "MY": ("Kuala Lumpur",), "SG": ("Singapore",), "TH": ("Bangkok",),
    "SK": ("Bratislava",), "RO": ("Bucharest",), "BG": ("Sofia",), "RS": ("Belgrade",),
    "GR": ("Athens",), "PT": ("Lisbon",), "IE": ("Dublin",), "DK": ("Copenhagen",),
    "HR": ("Zagreb",), "SI": ("Ljubljana",), "MD": ("Chisinau",), "AF": ("Kabul",),
    "OM": ("Muscat",), "KW": ("Kuwait City",), "BH": ("Manama",), "JO": ("Amman",),
    "MA": ("Rabat",), "DZ": ("Algiers",), "TN": ("Tunis",), "NG": ("Abuja",),
    "KE": ("Nairobi",), "ZA": ("Pretoria",), "ET": ("Addis Ababa",),
    "MX": ("Mexico City",), "AR": ("Buenos Aires",), "CL": ("Santiago",),
    "PH": ("Manila",), "BD": ("Dhaka",), "LK": ("Colombo",), "NZ": ("Wellington",),
    "CU": ("Havana",), "VA": ("Vatican City",), "LU": ("Luxembourg",),
    "MT": ("Valletta",), "CY": ("Nicosia",), "LB": ("Beirut",), "IQ": ("Baghdad",),
}  # fmt: skip

# Faker locales that write names in Latin script; the rest get the lists below.
NAME_LOCALES = {
    "AZ": "az_AZ", "TR": "tr_TR", "UZ": "uz_UZ", "DE": "de_DE", "AT": "de_AT",
    "CH": "de_CH", "FR": "fr_FR", "BE": "nl_BE", "IT": "it_IT", "ES": "es_ES",
    "PL": "pl_PL", "CZ": "cs_CZ", "SK": "sk_SK", "HU": "hu_HU", "RO": "ro_RO",
    "HR": "hr_HR", "SI": "sl_SI", "LT": "lt_LT", "LV": "lv_LV", "EE": "et_EE",
    "FI": "fi_FI", "SE": "sv_SE", "NO": "no_NO", "DK": "da_DK", "NL": "nl_NL",
    "PT": "pt_PT", "BR": "pt_BR", "GB": "en_GB", "IE": "en_IE", "NZ": "en_NZ",
    "IN": "en_IN", "PK": "en_PK", "NG": "en_NG", "KE": "en_KE", "ID": "id_ID",
    "VN": "vi_VN", "MX": "es_MX", "AR": "es_AR", "CL": "es_CL", "CO": "es_CO",
}  # fmt: skip
DEFAULT_NAME_LOCALE = "en_US"
KAZAKH_NAMES = (
    "Kassym Nurlan Yerlan Askar Serik Marat Bakhyt Dauren Aidos Yerzhan Murat Arman "
    "Timur Kairat Talgat Beibut".split(),
    "Gulnara Aigerim Dinara Saule Zhanna Aliya Madina Assel".split(),
    "Abenov Nurpeisov Zhakupov Tulegenov Bekmukhanov Abdrakhmanov Suleimenov Iskakov "
    "Kassymov Akhmetov Baimukhanov Omarov Sarsenbayev Tokhtarov Yessimov Zhumabayev "
    "Kuanyshev Mukhamedzhanov".split(),
)
POST_SOVIET_NAMES = (
    "Alexander Sergei Dmitry Andrei Mikhail Vladimir Igor Oleg Nikolai Yuri Bakyt "
    "Rustam Farrukh Davron".split(),
    "Elena Olga Tatiana Natalia Irina Anna Gulnora Nargiza".split(),
    "Ivanov Petrov Smirnov Kuznetsov Volkov Sokolov Morozov Lebedev Kozlov Novikov "
    "Orlov Pavlov Zaitsev Fedorov Rahimov Saidov Nazarov Karimov Atayev".split(),
)
POST_SOVIET = {"RU", "BY", "UA", "KG", "TJ", "TM", "MD", "MN", "GE", "AM"}


@dataclass(frozen=True)
class TopicText:
    field: str  # "in the field of {field}"
    subjects: tuple[str, ...]  # "Agreement ... on {subject}"
    ru: str  # "о сотрудничестве в области {ru}"


TOPIC_TEXTS = {
    "politics": TopicText(
        "political dialogue",
        (
            "strategic partnership",
            "friendship and cooperation",
            "political consultations between the foreign ministries",
            "allied relations",
        ),
        "политического диалога",
    ),
    "trade": TopicText(
        "trade",
        (
            "trade and economic cooperation",
            "customs cooperation and mutual assistance in customs matters",
            "the mutual recognition of conformity assessment",
            "the development of bilateral trade",
        ),
        "торговли",
    ),
    "economy": TopicText(
        "economy and investment",
        (
            "the mutual promotion and protection of investments",
            "the avoidance of double taxation and the prevention of fiscal evasion",
            "industrial cooperation",
            "economic cooperation",
        ),
        "экономики и инвестиций",
    ),
    "business": TopicText(
        "small and medium-sized business",
        (
            "support for small and medium-sized enterprises",
            "the establishment of a joint business council",
            "cooperation between business communities",
        ),
        "предпринимательства",
    ),
    "science": TopicText(
        "science and technology",
        (
            "scientific and technical cooperation",
            "joint research programmes",
            "cooperation in the exploration and use of outer space",
        ),
        "науки и технологий",
    ),
    "education": TopicText(
        "education",
        (
            "cooperation in the field of education",
            "the mutual recognition of education documents and academic degrees",
            "student and teacher exchanges",
        ),
        "образования",
    ),
    "youth-sport": TopicText(
        "youth policy and sport",
        ("cooperation in youth policy", "cooperation in physical culture and sport"),
        "молодёжной политики и спорта",
    ),
    "media": TopicText(
        "mass media",
        (
            "cooperation in the field of mass media",
            "the exchange of news and information",
        ),
        "средств массовой информации",
    ),
    "culture": TopicText(
        "culture and tourism",
        (
            "cultural and humanitarian cooperation",
            "the mutual establishment of cultural centres",
            "cooperation in tourism",
        ),
        "культуры и туризма",
    ),
    "transport": TopicText(
        "transport and transit",
        (
            "international road transport",
            "air services",
            "international combined transport",
            "the development of the Trans-Caspian International Transport Route",
        ),
        "транспорта и транзита",
    ),
    "telecommunications": TopicText(
        "telecommunications and digital development",
        (
            "cooperation in information and communication technologies",
            "the laying of a fibre-optic communication line",
        ),
        "связи и цифрового развития",
    ),
    "energy": TopicText(
        "energy",
        (
            "cooperation in the oil and gas sector",
            "cooperation in renewable energy",
            "the transit of energy resources",
        ),
        "энергетики",
    ),
    "agriculture": TopicText(
        "agriculture",
        ("cooperation in agriculture", "veterinary and phytosanitary cooperation"),
        "сельского хозяйства",
    ),
    "health": TopicText(
        "health care",
        (
            "cooperation in health care and medical science",
            "sanitary and epidemiological welfare of the population",
        ),
        "здравоохранения",
    ),
    "security": TopicText(
        "security and defence",
        (
            "military and military-technical cooperation",
            "cooperation in combating terrorism and extremism",
            "mutual legal assistance in criminal matters",
            "the readmission of persons residing without authorisation",
        ),
        "безопасности",
    ),
    "diaspora": TopicText(
        "diaspora relations",
        (
            "cooperation with compatriots abroad",
            "the support of diaspora organisations",
        ),
        "работы с диаспорой",
    ),
}
GENERIC_TOPIC = TopicText("mutual interest", ("cooperation",), "взаимного интереса")

TOPIC_WEIGHTS = {
    "politics": 8, "trade": 10, "economy": 10, "business": 7, "science": 6,
    "education": 7, "youth-sport": 4, "media": 4, "culture": 7, "transport": 8,
    "telecommunications": 4, "energy": 8, "agriculture": 5, "health": 5,
    "security": 4, "diaspora": 2,
}  # fmt: skip
STATE_TOPICS = {"politics": 6, "security": 2, "economy": 1, "trade": 1}
FOCUSES = (
    "exchanges of delegations and experts",
    "joint projects",
    "the exchange of information and experience",
    "a joint working group",
    "joint events and exhibitions",
    "the training of specialists",
    "a plan of joint measures",
    "regular consultations",
)


@dataclass(frozen=True)
class BodyTemplate:
    key: str
    kind: str
    name: str  # "{country}" stands for the country's name
    topics: tuple[str, ...]
    position: str  # the position of the body's usual signatory
    parent: str | None = None
    presence: float = 1.0  # chance a partner country has such a body in the demo
    former: tuple[str, ...] = ()  # names it may have had before
    heads: str | None = None  # share the signatories of another template


BODY_TEMPLATES = (
    BodyTemplate(
        "state", BodyKind.STATE, "{country}",
        ("politics", "security", "economy", "trade", "transport"), "President",
        heads="president",
    ),
    BodyTemplate(
        "president", BodyKind.HEAD_OF_STATE, "President of {country}",
        ("politics", "security", "culture", "diaspora", "energy"), "President",
    ),
    BodyTemplate(
        "government", BodyKind.GOVERNMENT, "Government of {country}",
        ("trade", "economy", "transport", "energy", "agriculture", "health",
         "education", "science", "culture", "telecommunications", "security"),
        "Prime Minister",
    ),
    BodyTemplate(
        "parliament", BodyKind.PARLIAMENT, "Parliament of {country}", ("politics",),
        "Speaker of Parliament", presence=0.6,
    ),
    BodyTemplate(
        "mfa", BodyKind.MINISTRY, "Ministry of Foreign Affairs of {country}",
        ("politics", "diaspora", "security"), "Minister of Foreign Affairs",
        "government", former=("Ministry of External Affairs",),
    ),
    BodyTemplate(
        "economy", BodyKind.MINISTRY, "Ministry of Economy of {country}",
        ("economy", "business"), "Minister of Economy", "government", 0.9,
        ("Ministry of Economy and Budget Planning", "Ministry of National Economy"),
    ),
    BodyTemplate(
        "trade", BodyKind.MINISTRY, "Ministry of Trade of {country}",
        ("trade", "business"), "Minister of Trade", "government", 0.7,
        ("Ministry of Trade and Integration", "Ministry of Industry and Trade"),
    ),
    BodyTemplate(
        "education", BodyKind.MINISTRY, "Ministry of Education of {country}",
        ("education",), "Minister of Education", "government", 0.9,
        ("Ministry of Education and Science",),
    ),
    BodyTemplate(
        "science", BodyKind.MINISTRY,
        "Ministry of Science and Higher Education of {country}",
        ("science", "education"), "Minister of Science and Higher Education",
        "government", 0.6, ("Ministry of Education and Science",),
    ),
    BodyTemplate(
        "culture", BodyKind.MINISTRY, "Ministry of Culture of {country}",
        ("culture",), "Minister of Culture", "government", 0.9,
        ("Ministry of Culture and Sports", "Ministry of Culture and Information"),
    ),
    BodyTemplate(
        "sport", BodyKind.MINISTRY, "Ministry of Youth and Sports of {country}",
        ("youth-sport",), "Minister of Youth and Sports", "government", 0.7,
        ("Ministry of Tourism and Sports",),
    ),
    BodyTemplate(
        "information", BodyKind.MINISTRY, "Ministry of Information of {country}",
        ("media",), "Minister of Information", "government", 0.6,
        ("Ministry of Information and Social Development",
         "Ministry of Culture and Information"),
    ),
    BodyTemplate(
        "transport", BodyKind.MINISTRY, "Ministry of Transport of {country}",
        ("transport",), "Minister of Transport", "government", 0.9,
        ("Ministry of Transport and Communications",
         "Ministry of Investment and Development"),
    ),
    BodyTemplate(
        "digital", BodyKind.MINISTRY, "Ministry of Digital Development of {country}",
        ("telecommunications", "science"), "Minister of Digital Development",
        "government", 0.7,
        ("Ministry of Information and Communications",
         "Ministry of Communications and Information Technologies"),
    ),
    BodyTemplate(
        "energy", BodyKind.MINISTRY, "Ministry of Energy of {country}", ("energy",),
        "Minister of Energy", "government", 0.9,
        ("Ministry of Oil and Gas", "Ministry of Energy and Mineral Resources"),
    ),
    BodyTemplate(
        "agriculture", BodyKind.MINISTRY, "Ministry of Agriculture of {country}",
        ("agriculture",), "Minister of Agriculture", "government", 0.9,
    ),
    BodyTemplate(
        "health", BodyKind.MINISTRY, "Ministry of Health of {country}", ("health",),
        "Minister of Health", "government", 0.9,
        ("Ministry of Healthcare and Social Development",),
    ),
    BodyTemplate(
        "defence", BodyKind.MINISTRY, "Ministry of Defence of {country}",
        ("security",), "Minister of Defence", "government", 0.8,
    ),
    BodyTemplate(
        "interior", BodyKind.MINISTRY, "Ministry of Internal Affairs of {country}",
        ("security",), "Minister of Internal Affairs", "government", 0.7,
    ),
    BodyTemplate(
        "justice", BodyKind.MINISTRY, "Ministry of Justice of {country}",
        ("security", "politics"), "Minister of Justice", "government", 0.7,
    ),
    BodyTemplate(
        "investment", BodyKind.AGENCY, "Investment Promotion Agency of {country}",
        ("economy", "business"), "Chief Executive", "economy", 0.6,
        ("National Investment Agency",),
    ),
    BodyTemplate(
        "customs", BodyKind.AGENCY, "State Customs Service of {country}",
        ("trade", "security"), "Head of the Customs Service", "economy", 0.6,
        ("State Customs Committee",),
    ),
    BodyTemplate(
        "space", BodyKind.AGENCY, "National Space Agency of {country}",
        ("science", "telecommunications"), "Chairman", "digital", 0.3,
    ),
    BodyTemplate(
        "tourism", BodyKind.AGENCY, "National Tourism Agency of {country}",
        ("culture", "business"), "Chairman", "culture", 0.5,
    ),
    BodyTemplate(
        "diaspora", BodyKind.AGENCY, "Committee on Diaspora Affairs of {country}",
        ("diaspora", "culture"), "Chairman", "mfa", 0.3,
    ),
    BodyTemplate(
        "statistics", BodyKind.AGENCY, "Statistics Agency of {country}",
        ("economy",), "Chairman", "economy", 0.4,
    ),
    BodyTemplate(
        "academy", BodyKind.ACADEMY, "National Academy of Sciences of {country}",
        ("science",), "President of the Academy", None, 0.7,
    ),
    BodyTemplate(
        "diplomatic_academy", BodyKind.ACADEMY, "Diplomatic Academy of {country}",
        ("education", "politics"), "Rector", "mfa", 0.4,
    ),
    BodyTemplate(
        "chamber", BodyKind.CHAMBER, "Chamber of Commerce and Industry of {country}",
        ("business", "trade"), "Chairman", None, 0.9,
        ("Union of Entrepreneurs and Employers",),
    ),
    BodyTemplate(
        "railways", BodyKind.STATE_COMPANY, "National Railway Company of {country}",
        ("transport",), "Chairman of the Board", "transport", 0.7,
    ),
    BodyTemplate(
        "oil", BodyKind.STATE_COMPANY, "National Oil and Gas Company of {country}",
        ("energy",), "Chairman of the Board", "energy", 0.6,
    ),
    BodyTemplate(
        "airline", BodyKind.STATE_COMPANY, "National Air Carrier of {country}",
        ("transport",), "Chief Executive Officer", "transport", 0.5,
    ),
    BodyTemplate(
        "fund", BodyKind.STATE_COMPANY, "Sovereign Wealth Fund of {country}",
        ("economy", "business"), "Chairman of the Board", "government", 0.4,
    ),
    BodyTemplate(
        "telecom", BodyKind.STATE_COMPANY,
        "National Telecommunications Operator of {country}",
        ("telecommunications",), "Chief Executive Officer", "digital", 0.5,
    ),
    BodyTemplate(
        "news_agency", BodyKind.MEDIA, "National News Agency of {country}",
        ("media",), "Director General", "information", 0.8,
    ),
    BodyTemplate(
        "broadcaster", BodyKind.MEDIA, "National Television and Radio of {country}",
        ("media", "culture"), "Director General", "information", 0.6,
        ("State Television and Radio Company",),
    ),
    BodyTemplate(
        "university", BodyKind.OTHER, "National University of {country}",
        ("education", "science"), "Rector", "education", 0.7,
    ),
    BodyTemplate(
        "medical_university", BodyKind.OTHER, "Medical University of {country}",
        ("health", "education"), "Rector", "health", 0.4,
    ),
    BodyTemplate(
        "youth_council", BodyKind.OTHER, "National Youth Council of {country}",
        ("youth-sport",), "Chairman", None, 0.4,
    ),
    BodyTemplate(
        "culture_foundation", BodyKind.OTHER, "Foundation for Culture of {country}",
        ("culture", "diaspora"), "President of the Foundation", None, 0.3,
    ),
)  # fmt: skip
COMPANY_TOPICS = (
    "business", "energy", "trade", "agriculture", "transport",
    "telecommunications", "health",
)  # fmt: skip
COMPANY_POSITIONS = ("Chief Executive Officer", "Chairman of the Board", "President")

# Which bodies sign which kind of document: (body kinds, match the topic?) by weight.
TOPIC_BODIES = (BodyKind.MINISTRY, BodyKind.AGENCY)
ANY_BODIES = (
    BodyKind.MINISTRY, BodyKind.AGENCY, BodyKind.ACADEMY, BodyKind.CHAMBER,
    BodyKind.STATE_COMPANY, BodyKind.COMPANY, BodyKind.MEDIA, BodyKind.OTHER,
    BodyKind.PARLIAMENT,
)  # fmt: skip
BUSINESS_BODIES = (BodyKind.CHAMBER, BodyKind.STATE_COMPANY, BodyKind.COMPANY)
SIGNING_LEVELS = {
    DocKind.TREATY: ((BodyKind.STATE,), False),
    DocKind.DECLARATION: ((BodyKind.STATE, BodyKind.HEAD_OF_STATE), False),
    DocKind.JOINT_STATEMENT: ((BodyKind.HEAD_OF_STATE, BodyKind.GOVERNMENT), False),
}
GOVERNMENT_SHARE = {
    DocKind.AGREEMENT: 0.6,
    DocKind.PROTOCOL: 0.45,
    DocKind.PROGRAMME: 0.3,
    DocKind.ACTION_PLAN: 0.3,
}

KIND_TITLES = {
    DocKind.TREATY: "Treaty",
    DocKind.AGREEMENT: "Agreement",
    DocKind.PROTOCOL: "Protocol",
    DocKind.MEMORANDUM: "Memorandum of understanding",
    DocKind.JOINT_STATEMENT: "Joint statement",
    DocKind.DECLARATION: "Declaration",
    DocKind.PROGRAMME: "Programme of cooperation",
    DocKind.ACTION_PLAN: "Action plan",
    DocKind.OTHER: "Roadmap",
}
KIND_TITLES_RU = {
    DocKind.TREATY: "Договор",
    DocKind.AGREEMENT: "Соглашение",
    DocKind.PROTOCOL: "Протокол",
    DocKind.MEMORANDUM: "Меморандум о взаимопонимании",
    DocKind.JOINT_STATEMENT: "Совместное заявление",
    DocKind.DECLARATION: "Декларация",
    DocKind.PROGRAMME: "Программа сотрудничества",
    DocKind.ACTION_PLAN: "План действий",
    DocKind.OTHER: "Дорожная карта",
}

# Event kind: (weight, fewest documents, most documents).
EVENT_KINDS = {
    EventKind.STATE_VISIT: (10, 3, 14),
    EventKind.OFFICIAL_VISIT: (16, 2, 10),
    EventKind.WORKING_VISIT: (14, 1, 4),
    EventKind.SUMMIT: (8, 1, 6),
    EventKind.COMMISSION: (18, 3, 16),
    EventKind.COUNCIL_MEETING: (10, 1, 6),
    EventKind.FORUM: (16, 2, 20),
    EventKind.OTHER: (8, 1, 3),
}
SUMMITS = (
    "Organization of Turkic States",
    "Shanghai Cooperation Organisation",
    "Commonwealth of Independent States",
    "Conference on Interaction and Confidence-Building Measures in Asia",
    "Central Asia + partner",
)

VISIT_KINDS = {
    DocKind.TREATY: 4, DocKind.AGREEMENT: 25, DocKind.PROTOCOL: 8,
    DocKind.MEMORANDUM: 35, DocKind.JOINT_STATEMENT: 8, DocKind.DECLARATION: 6,
    DocKind.PROGRAMME: 6, DocKind.ACTION_PLAN: 5, DocKind.OTHER: 3,
}  # fmt: skip
MEETING_KINDS = {
    DocKind.TREATY: 1, DocKind.AGREEMENT: 20, DocKind.PROTOCOL: 12,
    DocKind.MEMORANDUM: 40, DocKind.JOINT_STATEMENT: 6, DocKind.DECLARATION: 3,
    DocKind.PROGRAMME: 8, DocKind.ACTION_PLAN: 6, DocKind.OTHER: 4,
}  # fmt: skip
COMMISSION_KINDS = {
    DocKind.AGREEMENT: 15, DocKind.PROTOCOL: 25, DocKind.MEMORANDUM: 25,
    DocKind.PROGRAMME: 12, DocKind.ACTION_PLAN: 15, DocKind.OTHER: 8,
}  # fmt: skip
FORUM_KINDS = {
    DocKind.AGREEMENT: 6, DocKind.PROTOCOL: 4, DocKind.MEMORANDUM: 70,
    DocKind.PROGRAMME: 5, DocKind.ACTION_PLAN: 5, DocKind.OTHER: 10,
}  # fmt: skip
STANDALONE_KINDS = {
    DocKind.TREATY: 3, DocKind.AGREEMENT: 30, DocKind.PROTOCOL: 15,
    DocKind.MEMORANDUM: 30, DocKind.JOINT_STATEMENT: 2, DocKind.DECLARATION: 2,
    DocKind.PROGRAMME: 8, DocKind.ACTION_PLAN: 6, DocKind.OTHER: 4,
}  # fmt: skip
KINDS_AT_EVENT = {
    EventKind.STATE_VISIT: Weighted(VISIT_KINDS),
    EventKind.OFFICIAL_VISIT: Weighted(VISIT_KINDS),
    EventKind.COMMISSION: Weighted(COMMISSION_KINDS),
    EventKind.FORUM: Weighted(FORUM_KINDS),
}
MEETING_KIND_CHOICE = Weighted(MEETING_KINDS)
STANDALONE_KIND_CHOICE = Weighted(STANDALONE_KINDS)

LEGAL_WEIGHTS = {
    DocKind.TREATY: {
        Legal.IN_FORCE: 60, Legal.SIGNED: 15, Legal.PROVISIONAL: 5,
        Legal.SUSPENDED: 3, Legal.TERMINATED: 7, Legal.SUPERSEDED: 10,
    },
    DocKind.AGREEMENT: {
        Legal.IN_FORCE: 55, Legal.SIGNED: 20, Legal.PROVISIONAL: 5,
        Legal.SUSPENDED: 3, Legal.TERMINATED: 7, Legal.EXPIRED: 4,
        Legal.SUPERSEDED: 6,
    },
    DocKind.PROTOCOL: {
        Legal.IN_FORCE: 60, Legal.SIGNED: 25, Legal.TERMINATED: 5,
        Legal.EXPIRED: 5, Legal.SUPERSEDED: 5,
    },
    DocKind.MEMORANDUM: {
        Legal.SIGNED: 45, Legal.IN_FORCE: 30, Legal.SUSPENDED: 2,
        Legal.TERMINATED: 6, Legal.EXPIRED: 10, Legal.SUPERSEDED: 7,
    },
    DocKind.JOINT_STATEMENT: {Legal.SIGNED: 95, Legal.IN_FORCE: 5},
    DocKind.DECLARATION: {Legal.SIGNED: 85, Legal.IN_FORCE: 15},
    DocKind.PROGRAMME: {
        Legal.IN_FORCE: 45, Legal.SIGNED: 25, Legal.TERMINATED: 5,
        Legal.SUPERSEDED: 5,
    },
    DocKind.ACTION_PLAN: {
        Legal.IN_FORCE: 45, Legal.SIGNED: 25, Legal.TERMINATED: 5,
        Legal.SUPERSEDED: 5,
    },
    DocKind.OTHER: {
        Legal.SIGNED: 70, Legal.IN_FORCE: 20, Legal.EXPIRED: 5,
        Legal.TERMINATED: 5,
    },
}  # fmt: skip
LEGAL_CHOICES = {kind: Weighted(weights) for kind, weights in LEGAL_WEIGHTS.items()}
ENDED = {Legal.TERMINATED, Legal.EXPIRED, Legal.SUPERSEDED}
IN_EFFECT = {Legal.IN_FORCE, Legal.SUSPENDED} | ENDED
FOLLOW_UP_STATEMENT = Weighted({
    FollowUp.NOT_APPLICABLE: 55, FollowUp.UNKNOWN: 20, FollowUp.IN_PROGRESS: 15,
    FollowUp.COMPLETED: 10,
})  # fmt: skip
FOLLOW_UP_RECENT = Weighted({
    FollowUp.UNKNOWN: 30, FollowUp.NOT_STARTED: 25, FollowUp.IN_PROGRESS: 30,
    FollowUp.COMPLETED: 3, FollowUp.STALLED: 4, FollowUp.NOT_APPLICABLE: 3,
})  # fmt: skip
FOLLOW_UP_OLDER = Weighted({
    FollowUp.UNKNOWN: 30, FollowUp.NOT_STARTED: 6, FollowUp.IN_PROGRESS: 22,
    FollowUp.COMPLETED: 22, FollowUp.STALLED: 15, FollowUp.NOT_APPLICABLE: 3,
})  # fmt: skip
FOLLOW_UP_ENDED = Weighted({
    FollowUp.UNKNOWN: 30, FollowUp.COMPLETED: 35, FollowUp.STALLED: 30,
    FollowUp.NOT_APPLICABLE: 5,
})  # fmt: skip

# --- Follow-up: actions and progress updates -----------------------------------------

ActionStatus = models.Action.Status
# What a document's parties undertake ("{field}" is the topic's field). Each document
# takes a few, without repeats, so action titles (and the update titles made from
# them) are unique within the document.
ACTION_TITLES = (
    "Set up a joint working group on {field}",
    "Hold the first meeting of the joint working group",
    "Approve a plan of joint measures in {field}",
    "Exchange lists of contact points",
    "Organise an exchange of expert delegations",
    "Prepare a report on implementation for the intergovernmental commission",
    "Draft a programme of cooperation in {field}",
    "Hold a joint seminar on {field}",
    "Agree the terms of a pilot project",
    "Complete the internal procedures for entry into force",
    "Train specialists under the exchange programme",
    "Publish a joint statement on the results",
)
ACTION_DESCRIPTIONS = (
    "As the document provides; the responsible bodies report to the "
    "intergovernmental commission.",
    "Within the time the document sets; progress is reviewed at the working group's "
    "meetings.",
    "",
)
FOCAL_FIRST_NAMES = KAZAKH_NAMES[0] + KAZAKH_NAMES[1] + POST_SOVIET_NAMES[1]
FOCAL_LAST_NAMES = KAZAKH_NAMES[2] + POST_SOVIET_NAMES[2]
ACTIONS_PER_DOCUMENT = (1, 2, 2, 3, 3, 3, 4, 4, 5)  # three on average
ACTION_DUE_PAST = Weighted({
    ActionStatus.DONE: 52, ActionStatus.IN_PROGRESS: 18, ActionStatus.PLANNED: 10,
    ActionStatus.BLOCKED: 9, ActionStatus.CANCELLED: 11,
})  # fmt: skip
ACTION_DUE_LATER = Weighted({
    ActionStatus.PLANNED: 40, ActionStatus.IN_PROGRESS: 40, ActionStatus.BLOCKED: 8,
    ActionStatus.DONE: 10, ActionStatus.CANCELLED: 2,
})  # fmt: skip
# The statuses a document's actions may have, given its follow-up status.
ACTION_STATUSES_FOR = {
    FollowUp.COMPLETED: {ActionStatus.DONE, ActionStatus.CANCELLED},
    FollowUp.NOT_STARTED: {ActionStatus.PLANNED},
    FollowUp.STALLED: {ActionStatus.BLOCKED, ActionStatus.PLANNED, ActionStatus.DONE},
}
# Share of open actions whose deadline was (re)set around the reference day, so that
# the dashboard has overdue actions and actions due soon whatever the signature date.
RESCHEDULED = 0.3
# How a document's follow-up got to its status, step by step.
DOCUMENT_STEPS = {
    FollowUp.UNKNOWN: (),
    FollowUp.NOT_STARTED: ((FollowUp.UNKNOWN, FollowUp.NOT_STARTED),),
    FollowUp.NOT_APPLICABLE: ((FollowUp.UNKNOWN, FollowUp.NOT_APPLICABLE),),
    FollowUp.IN_PROGRESS: (
        (FollowUp.UNKNOWN, FollowUp.NOT_STARTED),
        (FollowUp.NOT_STARTED, FollowUp.IN_PROGRESS),
    ),
    FollowUp.COMPLETED: (
        (FollowUp.NOT_STARTED, FollowUp.IN_PROGRESS),
        (FollowUp.IN_PROGRESS, FollowUp.COMPLETED),
    ),
    FollowUp.STALLED: (
        (FollowUp.NOT_STARTED, FollowUp.IN_PROGRESS),
        (FollowUp.IN_PROGRESS, FollowUp.STALLED),
    ),
}
DOCUMENT_STEP_TITLES = {
    FollowUp.NOT_STARTED: "Implementation not yet begun, the parties report",
    FollowUp.IN_PROGRESS: "Implementation under way",
    FollowUp.COMPLETED: "The parties report the document fully implemented",
    FollowUp.STALLED: "Implementation stalled, no meetings held",
    FollowUp.NOT_APPLICABLE: "No follow-up: the document sets no obligations",
}
DOCUMENT_NOTES = (
    "Progress reviewed by the intergovernmental commission",
    "Working group meeting held",
    "Ministries exchange information on implementation",
    "Implementation discussed at political consultations",
)
ACTION_STEP_TITLES = {
    ActionStatus.IN_PROGRESS: "Work started: {title}",
    ActionStatus.DONE: "Done: {title}",
    ActionStatus.BLOCKED: "Blocked: {title}",
    ActionStatus.CANCELLED: "Cancelled: {title}",
}

CONFIDENCE = Weighted(
    {Confidence.CONFIRMED: 55, Confidence.REPORTED: 33, Confidence.INFERRED: 12}
)
EVENT_CONFIDENCE = Weighted(
    {Confidence.CONFIRMED: 72, Confidence.REPORTED: 18, Confidence.INFERRED: 10}
)

# Which earlier documents a new one may point to, and how often it does.
RELATION_RULES = {
    DocKind.PROTOCOL: (
        0.6,
        RelKind.AMENDS,
        (DocKind.AGREEMENT, DocKind.TREATY, DocKind.PROTOCOL),
    ),
    DocKind.PROGRAMME: (
        0.5,
        RelKind.IMPLEMENTS,
        (DocKind.AGREEMENT, DocKind.MEMORANDUM, DocKind.TREATY),
    ),
    DocKind.ACTION_PLAN: (
        0.6,
        RelKind.IMPLEMENTS,
        (DocKind.DECLARATION, DocKind.AGREEMENT, DocKind.JOINT_STATEMENT),
    ),
    DocKind.MEMORANDUM: (0.12, RelKind.SUPERSEDES, (DocKind.MEMORANDUM,)),
    DocKind.AGREEMENT: (0.1, RelKind.SUPERSEDES, (DocKind.AGREEMENT,)),
    DocKind.JOINT_STATEMENT: (
        0.2,
        RelKind.REFERS_TO,
        (DocKind.TREATY, DocKind.DECLARATION),
    ),
}
RELATION_EXTRA = 0.05  # any document may refer to, or extend, an earlier one
HISTORY_PER_PAIR = 40  # how many earlier documents of a pair a new one looks back on

NAME_POOL = 60  # people per Faker locale
_FAKERS = {}
SIGNATORY_UNKNOWN = 0.12
POSITION_UNKNOWN = 0.08
DEPUTY_SIGNS = 0.1


# --- Plans ----------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class BodyPlan:
    """A demo body with what documents need to know of it: signatories, old names."""

    body: models.Body
    country: str
    kind: str
    topics: tuple[str, ...]
    position: str
    head_starts: list[datetime.date]
    head_names: list[str]
    former: list[tuple[datetime.date | None, datetime.date, str]]

    def name_on(self, day):
        for valid_from, valid_until, name in self.former:
            if (valid_from is None or valid_from <= day) and day <= valid_until:
                return name
        return self.body.name

    def head_on(self, day):
        index = bisect.bisect_right(self.head_starts, day) - 1
        return self.head_names[max(index, 0)]


@dataclass(slots=True, eq=False)
class EventPlan:
    kind: str
    date: datetime.date
    end_date: datetime.date | None
    host: str
    guest: str
    size: int
    published_documents: int = 0
    event: dict | None = None  # its row (``bulkload.Table.add``)
    sources: list[dict] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class DocumentPlan:
    signed_on: datetime.date
    first: str
    second: str
    event: int | None
    is_published: bool
    tiebreak: float


class DemoError(Exception):
    """The register cannot take a demo as it stands."""


@dataclass
class DemoSummary:
    """What ``build_demo_register`` made: rows per model, and how long it took."""

    seed: int
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0


# --- Public API -----------------------------------------------------------------------


DEMO_MODELS = (
    models.Body,
    models.BodyName,
    models.Source,
    models.Event,
    models.EventCitation,
    models.Document,
    models.Document.topics.through,
    models.DocumentTitle,
    models.DocumentCitation,
    models.Party,
    models.PartyCitation,
    models.Relation,
    models.Action,
    models.Action.responsible_bodies.through,
    models.ProgressUpdate,
)


def demo_querysets():
    """The demo rows of each model, in the order to delete them in.

    Documents go before their parties and titles (foreign keys are checked at
    commit), whose search triggers would otherwise refresh every document about to
    go; those parties and titles are then the ones left without a document.
    """
    documents = models.Document.objects.filter(slug__startswith=DEMO_PREFIX)
    bodies = models.Body.objects.filter(slug__startswith=DEMO_PREFIX)
    events = models.Event.objects.filter(slug__startswith=DEMO_PREFIX)
    remaining = models.Document.objects.values("pk")
    return [
        (
            "progress updates",
            models.ProgressUpdate.objects.filter(document__in=documents),
        ),
        (
            "action sources",
            models.ActionCitation.objects.filter(action__document__in=documents),
        ),
        (
            "responsible bodies",
            models.Action.responsible_bodies.through.objects.filter(
                action__document__in=documents
            ),
        ),
        ("actions", models.Action.objects.filter(document__in=documents)),
        (
            "relations",
            models.Relation.objects.filter(from_document__in=documents)
            | models.Relation.objects.filter(to_document__in=documents),
        ),
        (
            "signature sources",
            models.PartyCitation.objects.filter(party__document__in=documents),
        ),
        (
            "document sources",
            models.DocumentCitation.objects.filter(document__in=documents),
        ),
        (
            "document topics",
            models.Document.topics.through.objects.filter(document__in=documents),
        ),
        ("documents", documents),
        ("parties", models.Party.objects.exclude(document__in=remaining)),
        ("titles", models.DocumentTitle.objects.exclude(document__in=remaining)),
        ("event sources", models.EventCitation.objects.filter(event__in=events)),
        ("events", events),
        ("former names", models.BodyName.objects.filter(body__in=bodies)),
        ("bodies", bodies),
        (
            "sources",
            models.Source.objects.filter(url__startswith=DEMO_SOURCE_PREFIX),
        ),
    ]


def demo_counts():
    """How many demo documents, bodies and events the register holds."""
    return {
        "documents": models.Document.objects.filter(
            slug__startswith=DEMO_PREFIX
        ).count(),
        "bodies": models.Body.objects.filter(slug__startswith=DEMO_PREFIX).count(),
        "events": models.Event.objects.filter(slug__startswith=DEMO_PREFIX).count(),
    }


def delete_demo_register():
    """Delete every demo row, leaving other data alone; returns rows per model.

    A plain ``delete()`` would load every row to send the signals history listens to,
    which takes minutes for a large demo; the demo was saved without history, so it is
    deleted without it too, table by table in one transaction.
    """
    deleted = {}
    with search_triggers_suspended(), transaction.atomic():
        for label, queryset in demo_querysets():
            deleted[label] = queryset._raw_delete(queryset.db)
    return deleted


@contextlib.contextmanager
def search_triggers_suspended():
    """Hold off SQLite's search triggers during a bulk load; refresh the copies after.

    On SQLite the search triggers (``agreements.search``) recompute a document's
    search text for every document, party and title row written, several times per
    document; during a load that is most of the time spent. They are dropped for the
    load and put back after, which refreshes every document's copy in one statement,
    even if the load fails. (If the process is killed, the next ``migrate`` puts them
    back.) PostgreSQL's triggers run once per statement and stay in place.
    """
    if connection.vendor != "sqlite":
        yield
        return
    search.remove_search_triggers(connection)
    try:
        yield
    finally:
        search.install_search_triggers(connection)


@contextlib.contextmanager
def sqlite_tuned_for_load():
    """Statement journals in memory on SQLite while the demo loads; then as before.

    Each INSERT into a table with (deferred) foreign keys keeps a statement journal,
    by default in a temporary file: three million small writes for 10,000
    documents, a fifth of the load's CPU time; ``temp_store = MEMORY`` keeps them
    in memory. SQLite refuses the change inside a transaction (a test's, say): the
    load then runs as it is. Measured and left alone: a larger ``cache_size`` (no
    gain in CPU time at 100,000 documents, 300 MB more memory) and ``synchronous``
    (the fsyncs at each batch's commit take well under a second in all, and a power
    cut during the load must not damage the data beside the demo).
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        temp_store = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA temp_store = {temp_store}")


def build_demo_register(
    *,
    documents: int,
    seed: int,
    batch_size: int = 2000,
    progress: Callable[[str], None] | None = None,
    follow_up: bool = True,
) -> DemoSummary:
    """Add ``documents`` demo documents, with their bodies, events and sources.

    With ``follow_up`` (the default) each document also gets actions and progress
    updates, about three and five on average.
    """
    builder = _Builder(
        documents=documents,
        seed=seed,
        batch_size=batch_size,
        progress=progress,
        follow_up=follow_up,
    )
    # The build makes millions of short-lived objects and no garbage cycles to speak
    # of: collecting less often saves a few per cent.
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        with sqlite_tuned_for_load(), search_triggers_suspended():
            summary = builder.build()
    finally:
        gc.set_threshold(*thresholds)
    if connection.vendor == "postgresql":
        # Fresh statistics, so that the planner knows the tables have grown.
        with connection.cursor() as cursor:
            for model in DEMO_MODELS:
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    summary.seconds = time.perf_counter() - builder.started
    return summary


# --- The builder ----------------------------------------------------------------------


class _Builder:
    def __init__(self, *, documents, seed, batch_size, progress, follow_up=True):
        self.total = documents
        self.follow_up = follow_up
        # Follow-up draws from its own generator, so that it leaves the rest of the
        # register as it was (and the register is the same without follow-up).
        self.follow_up_rng = random.Random(seed * 1_000_003 + 17)
        self.seed = seed
        self.batch_size = batch_size
        self.report = progress
        self.started = time.perf_counter()
        self.rng = random.Random(seed)
        # The factories' own randomness (factory.Faker, fuzzy) follows the seed too.
        factory.random.reseed_random(seed)
        self.fakers = {}
        self.name_pools = {}
        self.summary = DemoSummary(seed=seed)
        self.unseen = {}
        self.source_number = 0
        self.history = defaultdict(lambda: deque(maxlen=HISTORY_PER_PAIR))
        years = range(FIRST_DAY.year, LAST_DAY.year + 1)
        # More documents each year, fewer in the pandemic, 2026 not yet over.
        year_weights = [
            (1 + 0.12 * (year - FIRST_DAY.year))
            * (0.5 if year in (2020, 2021) else 1)
            * (LAST_DAY.month / 12 if year == LAST_DAY.year else 1)
            for year in years
        ]
        self.year_choice = Weighted(dict(zip(years, year_weights, strict=True)))

    # -- helpers

    def choose(self, name, weighted, allowed=None):
        """A weighted pick that still brings out every value early on."""
        rng = self.rng
        unseen = self.unseen.get(name)
        if allowed is not None:
            weighted = weighted.only(allowed)
        if unseen and rng.random() < COVER_EVERY_CHOICE:
            for value in unseen:
                if value in weighted.weights:
                    unseen.remove(value)
                    return value
        value = weighted.pick(rng)
        if unseen and value in unseen:
            unseen.remove(value)
        return value

    def progress(self, message):
        if self.report is not None:
            elapsed = time.perf_counter() - self.started
            self.report(f"{elapsed:6.1f} s  {message}")

    def chance(self, probability):
        return self.rng.random() < probability

    def random_date(self, after=FIRST_DAY):
        year = self.year_choice.pick(self.rng)
        start = max(datetime.date(year, 1, 1), after)
        end = min(datetime.date(year, 12, 31), LAST_DAY)
        if start > end:
            start, end = after, LAST_DAY
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def days_after(self, day, low, high, cap=TODAY):
        result = day + datetime.timedelta(days=self.rng.randint(low, high))
        return max(min(result, cap), day)

    def person(self, code):
        rng = self.rng
        if code == "KZ" or code in POST_SOVIET:
            men, women, surnames = KAZAKH_NAMES if code == "KZ" else POST_SOVIET_NAMES
            surname = rng.choice(surnames)
            if rng.random() < 0.25:
                if surname.endswith(("ov", "ev", "in")):
                    surname += "a"
                return f"{rng.choice(women)} {surname}"
            return f"{rng.choice(men)} {surname}"
        locale = NAME_LOCALES.get(code, DEFAULT_NAME_LOCALE)
        if locale not in self.name_pools:
            # Faker is slow per name; a pool per locale is plenty for signatories.
            fake = self.faker(locale)
            self.name_pools[locale] = [
                f"{fake.first_name()} {fake.last_name()}" for _ in range(NAME_POOL)
            ]
        return rng.choice(self.name_pools[locale])

    def faker(self, locale):
        if locale not in self.fakers:
            # Making a Faker takes a tenth of a second; reuse it, seeded afresh.
            if locale not in _FAKERS:
                _FAKERS[locale] = Faker(locale)
            fake = _FAKERS[locale]
            fake.seed_instance(self.seed)
            self.fakers[locale] = fake
        return self.fakers[locale]

    def city(self, code):
        cities = CITIES.get(code)
        if not cities:
            return ""
        return cities[0] if self.chance(0.7) else self.rng.choice(cities)

    def country_phrase(self, code):
        """'the United Kingdom' in a sentence; ``plain`` drops the article."""
        return self.phrases[code]

    def country_plain(self, code):
        return self.phrases[code].removeprefix("the ")

    def new_source(self, *, code, title, day):
        self.source_number += 1
        publisher, domain = self.publisher(code)
        path_title = slugify(title)[:60].rstrip("-")
        published_on = self.days_after(day, 0, 3) if self.chance(0.95) else None
        accessed_on = self.days_after(published_on or day, 20, 900)
        return self.tables["sources"].add(
            url=(
                f"{DEMO_SOURCE_PREFIX}{domain}/{day.year}/{day.month:02}/"
                f"{day.day:02}/{self.source_number}-{path_title}"
            ),
            publisher=publisher,
            title=title,
            published_on=published_on,
            accessed_on=accessed_on,
        )

    def publisher(self, code):
        roll = self.rng.random()
        lower = code.lower()
        name = self.country_phrase(code)
        if roll < 0.45:
            plain = self.country_plain(code)
            return f"{plain} National News Agency", f"news-{lower}.example"
        if roll < 0.7:
            return f"Ministry of Foreign Affairs of {name}", f"mfa-{lower}.example"
        if roll < 0.85:
            return f"Office of the President of {name}", f"president-{lower}.example"
        return self.rng.choice(
            (
                ("Central Asia Daily", "central-asia-daily.example"),
                ("Caspian Business Review", "caspian-review.example"),
                ("Eurasia Wire", "eurasia-wire.example"),
            )
        )

    # -- the build

    def build(self):
        self.started = time.perf_counter()
        self.countries = models.Country.objects.in_bulk(field_name="code")
        self.phrases = {
            code: COUNTRY_NAMES.get(code)
            or country.name.split(" (")[0].split(",")[0].strip()
            for code, country in self.countries.items()
        }
        self.topics = {topic.slug: topic for topic in models.Topic.objects.all()}
        if not self.countries or not self.topics:
            raise DemoError(
                "The register has no countries or no topics: run `manage.py migrate`."
            )
        topic_weights = {
            slug: TOPIC_WEIGHTS.get(slug, 2) for slug in sorted(self.topics)
        }
        self.topic_choice = Weighted(topic_weights)
        self.state_topic_choice = Weighted(
            {slug: w for slug, w in STATE_TOPICS.items() if slug in self.topics}
            or topic_weights
        )
        self.unseen = {
            "document kind": list(DocKind.values),
            "legal status": list(Legal.values),
            "follow-up": list(FollowUp.values),
            "event kind": list(EventKind.values),
            "confidence": list(Confidence.values),
        }
        self.tables = self.make_tables()
        # The summary lists the tables in this order.
        self.summary.counts.update(dict.fromkeys(self.counted(), 0))
        self.pick_countries()
        self.build_bodies()
        self.progress(
            f"{self.summary.counts['bodies']:,} bodies in {len(self.included)} "
            "countries"
        )
        self.plan_register()
        self.build_events()
        self.progress(f"{len(self.events):,} events; now {self.total:,} documents")
        self.build_documents()
        self.summary.seconds = time.perf_counter() - self.started
        return self.summary

    def make_tables(self):
        """A ``bulkload.Table`` per demo model, with the fields each row sets."""

        def table(model, factory_class, *per_row):
            return bulkload.Table(
                connection, model, factory_class=factory_class, per_row=per_row
            )

        return {
            # Bodies and their former names are few: built one by one, with their
            # factories' lazy attributes (a body's website follows its slug).
            "bodies": table(models.Body, None),
            "former names": table(models.BodyName, None),
            "sources": table(
                models.Source,
                factories.SourceFactory,
                "url",
                "publisher",
                "title",
                "published_on",
                "accessed_on",
            ),
            "events": table(
                models.Event,
                factories.EventFactory,
                "title",
                "slug",
                "kind",
                "date",
                "end_date",
                "city",
                "country_id",
                "description",
                "documents_reported",
                "is_published",
            ),
            "event sources": table(
                models.EventCitation,
                factories.EventCitationFactory,
                "event_id",
                "source_id",
                "confidence",
                "claim",
            ),
            "documents": table(
                models.Document,
                factories.DocumentFactory,
                "title",
                "slug",
                "kind",
                "event_id",
                "event_confidence",
                "signed_on",
                "signed_city",
                "signed_country_id",
                "summary",
                "legal_status",
                "entered_into_force_on",
                "ended_on",
                "valid_from",
                "valid_until",
                "validity_note",
                "follow_up_status",
                "is_published",
                "created_at",
            ),
            "parties": table(
                models.Party,
                factories.PartyFactory,
                "document_id",
                "body_id",
                "order",
                "signatory_name",
                "signatory_position",
            ),
            "signature sources": table(
                models.PartyCitation,
                factories.PartyCitationFactory,
                "party_id",
                "source_id",
                "claim",
                "confidence",
            ),
            "document sources": table(
                models.DocumentCitation,
                factories.DocumentCitationFactory,
                "document_id",
                "source_id",
                "claim",
                "confidence",
            ),
            "titles": table(
                models.DocumentTitle,
                factories.DocumentTitleFactory,
                "document_id",
                "language",
                "title",
                "is_official",
                "source_id",
            ),
            "document topics": table(
                models.Document.topics.through, None, "document_id", "topic_id"
            ),
            "relations": table(
                models.Relation,
                factories.RelationFactory,
                "from_document_id",
                "kind",
                "to_document_id",
                "confidence",
                "source_id",
                "note",
            ),
            "actions": table(
                models.Action,
                factories.ActionFactory,
                "document_id",
                "slug",
                "title",
                "description",
                "clause",
                "focal_person",
                "contact_email",
                "due_on",
                "status",
                "completed_on",
                "created_at",
            ),
            "responsible bodies": table(
                models.Action.responsible_bodies.through, None, "action_id", "body_id"
            ),
            "progress updates": table(
                models.ProgressUpdate,
                factories.ProgressUpdateFactory,
                "document_id",
                "action_id",
                "happened_on",
                "date_precision",
                "title",
                "text",
                "status_before",
                "status_after",
                "source_id",
                "confidence",
                "created_at",
            ),
        }

    def counted(self):
        labels = [
            "bodies",
            "former names",
            "sources",
            "events",
            "event sources",
            "documents",
            "published documents",
            "parties",
            "signature sources",
            "document sources",
            "titles",
            "document topics",
            "relations",
        ]
        if self.follow_up:
            labels += ["actions", "responsible bodies", "progress updates"]
        return labels

    def take(self, label):
        """The rows of a table waiting to be written, counted."""
        rows = self.tables[label].take()
        self.summary.counts[label] += len(rows)
        if label == "documents":
            self.summary.counts["published documents"] += sum(
                row["is_published"] for row in rows
            )
        return rows

    def write(self, *labels):
        """Write the rows of these tables now, on this connection."""
        for label in labels:
            self.tables[label].write(self.take(label))

    def pick_countries(self):
        """The countries in the demo: more of them for a bigger register."""
        wanted = max(15, math.isqrt(self.total))
        frequent = [code for code in PARTNER_WEIGHTS if code in self.countries]
        others = sorted(set(self.countries) - set(frequent) - TERRITORIES - {"KZ"})
        self.rng.shuffle(others)
        hub = ["KZ"] if "KZ" in self.countries else []
        self.included = (hub + frequent + others)[:wanted]
        self.hub = self.included[0]
        partners = {
            code: PARTNER_WEIGHTS.get(code, OTHER_PARTNER_WEIGHT)
            for code in self.included[1:]
        }
        self.partner_choice = Weighted(partners)
        self.second_hub = "AZ" if "AZ" in partners else self.included[1]
        self.any_choice = Weighted({self.hub: 10, **partners})

    def pick_pair(self):
        roll = self.rng.random()
        if roll < 0.55:
            return self.hub, self.partner_choice.pick(self.rng)
        if roll < 0.7:
            first = self.second_hub
        else:
            first = self.any_choice.pick(self.rng)
        while True:
            second = self.any_choice.pick(self.rng)
            if second != first:
                return first, second

    # -- bodies

    def build_bodies(self):
        rng = self.rng
        self.bodies_by = defaultdict(list)  # (country, kind) -> [BodyPlan]
        plans = []
        used_slugs = set()
        for code in self.included:
            main = code in (self.hub, self.second_hub)
            frequent = code in PARTNER_WEIGHTS
            name = self.country_phrase(code)
            by_key = {}
            heads_by_key = {}
            for template in BODY_TEMPLATES:
                presence = template.presence if frequent else template.presence * 0.4
                if not main and template.presence < 1 and not self.chance(presence):
                    continue
                heads_key = template.heads or template.key
                if heads_key not in heads_by_key:
                    heads_by_key[heads_key] = self.plan_heads(code)
                slug = f"{DEMO_PREFIX}{code.lower()}-" + (
                    "state"
                    if template.key == "state"
                    else slugify(template.name.replace(" of {country}", ""))
                )
                parent = by_key.get(template.parent) or (
                    by_key.get("government") if template.parent else None
                )
                plan = self.plan_body(
                    code=code,
                    name=template.name.format(
                        country=self.country_plain(code)
                        if template.key == "state"
                        else name
                    ),
                    short_name=self.acronym(template),
                    slug=slug,
                    kind=template.kind,
                    topics=template.topics,
                    position=template.position,
                    heads=heads_by_key[heads_key],
                    parent=parent if parent and self.chance(0.85) else None,
                )
                used_slugs.add(slug)
                by_key[template.key] = plan
                plans.append(plan)
                if template.former and self.chance(0.5 if main else 0.25):
                    self.plan_former_names(plan, template, name)
            companies = rng.randint(6, 12) if main else rng.randint(1, 4)
            if not frequent:
                companies = rng.randint(0, 1)
            fake = self.faker(NAME_LOCALES.get(code, DEFAULT_NAME_LOCALE))
            for _ in range(companies):
                company = fake.company()
                slug = f"{DEMO_PREFIX}{code.lower()}-{slugify(company)}"[:110]
                if not slugify(company) or slug in used_slugs:
                    continue
                used_slugs.add(slug)
                plans.append(
                    self.plan_body(
                        code=code,
                        name=company,
                        short_name="",
                        slug=slug,
                        kind=BodyKind.COMPANY,
                        topics=tuple(rng.sample(COMPANY_TOPICS, 2)),
                        position=rng.choice(COMPANY_POSITIONS),
                        heads=self.plan_heads(code),
                        parent=None,
                    )
                )
        with transaction.atomic():
            self.write("bodies", "former names")
        for plan in plans:
            self.bodies_by[plan.country, plan.kind].append(plan)

    def plan_body(
        self, *, code, name, short_name, slug, kind, topics, position, heads, parent
    ):
        extra = {}
        if self.chance(0.2):
            extra["website"] = ""  # unknown; otherwise the factory derives it
        description = ""
        if self.chance(0.3):
            description = (
                f"{models.Body.Kind(kind).label.capitalize()} of "
                f"{self.country_phrase(code)}."
            )
        body = factories.BodyFactory.build(
            name=name,
            short_name=short_name,
            slug=slug,
            country=self.countries[code],
            kind=kind,
            parent=parent.body if parent else None,
            description=description,
            **extra,
        )
        self.tables["bodies"].add_instance(body)
        return BodyPlan(
            body=body,
            country=code,
            kind=kind,
            topics=topics,
            position=position,
            head_starts=heads[0],
            head_names=heads[1],
            former=[],
        )

    def plan_heads(self, code):
        """Who led a body over the years: two to six people, in turn."""
        count = self.rng.randint(2, 6)
        starts = sorted(
            {FIRST_DAY}
            | {self.random_date(datetime.date(1996, 1, 1)) for _ in range(count - 1)}
        )
        return starts, [self.person(code) for _ in starts]

    def plan_former_names(self, plan, template, country):
        """One or two earlier names, the latest ending the day before the rename."""
        rng = self.rng
        count = min(len(template.former), rng.choice((1, 1, 2)))
        names = rng.sample(template.former, count)
        renamed = self.random_date(datetime.date(2000, 1, 1))
        for name in names:
            valid_until = renamed - datetime.timedelta(days=1)
            valid_from = (
                None
                if self.chance(0.4)
                else valid_until - datetime.timedelta(days=rng.randint(700, 4000))
            )
            full_name = f"{name} of {country}"
            plan.former.append((valid_from, valid_until, full_name))
            self.tables["former names"].add_instance(
                factories.BodyNameFactory.build(
                    body=plan.body,
                    name=full_name,
                    short_name=self.acronym(name),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    note=rng.choice(("", "", "Renamed in a government reorganisation")),
                )
            )
            if valid_from is None:
                break
            renamed = valid_from

    @staticmethod
    def acronym(template_or_name):
        if isinstance(template_or_name, BodyTemplate):
            if template_or_name.kind not in TOPIC_BODIES + (BodyKind.ACADEMY,):
                return ""
            name = template_or_name.name.replace(" of {country}", "")
        else:
            name = template_or_name
        skip = {"of", "and", "the", "on", "for"}
        return "".join(word[0] for word in name.split() if word not in skip).upper()

    def pick_body(self, code, kinds, topic, exclude=(), like=None):
        """A body of ``code`` of one of ``kinds``, working on ``topic`` if any does.

        ``like`` is the other side's kind: a ministry signs with a ministry if it can.
        """
        candidates = [
            plan
            for kind in kinds
            for plan in self.bodies_by.get((code, kind), ())
            if plan not in exclude
        ]
        matching = [plan for plan in candidates if topic in plan.topics]
        for group in (matching, candidates):
            alike = [plan for plan in group if plan.kind == like]
            if alike or group:
                return self.rng.choice(alike or group)
        for kind in (BodyKind.GOVERNMENT, BodyKind.STATE, BodyKind.MINISTRY):
            for plan in self.bodies_by.get((code, kind), ()):
                if plan not in exclude:
                    return plan
        return None

    # -- events and the plan of documents

    def plan_register(self):
        """Decide every event and every document's date, countries and event.

        Done up front because an event's reported count depends on its documents and
        relations need the documents in the order they were signed.
        """
        rng = self.rng
        event_kind_choice = Weighted(
            {kind: w for kind, (w, _, _) in EVENT_KINDS.items()}
        )
        target = round(self.total * EVENT_SHARE)
        events = []
        planned = 0
        while planned < target:
            kind = self.choose("event kind", event_kind_choice)
            _, low, high = EVENT_KINDS[kind]
            size = min(rng.randint(low, high), target - planned)
            day = self.random_date()
            first, second = self.pick_pair()
            host, guest = (first, second) if self.chance(0.55) else (second, first)
            end_date = None
            long_event = kind in (
                EventKind.SUMMIT,
                EventKind.FORUM,
                EventKind.COMMISSION,
            )
            if (long_event and self.chance(0.5)) or self.chance(0.15):
                end_date = min(day + datetime.timedelta(rng.randint(1, 2)), LAST_DAY)
                end_date = end_date if end_date > day else None
            events.append(EventPlan(kind, day, end_date, host, guest, size))
            planned += size
        documents = []
        for index, event in enumerate(events):
            for _ in range(event.size):
                day = event.date
                if event.end_date and self.chance(0.3):
                    day += datetime.timedelta(
                        rng.randint(0, (event.end_date - event.date).days)
                    )
                first, second = (
                    (event.host, event.guest)
                    if self.chance(0.5)
                    else (event.guest, event.host)
                )
                published = self.chance(PUBLISHED_SHARE)
                event.published_documents += published
                documents.append(
                    DocumentPlan(day, first, second, index, published, rng.random())
                )
        for _ in range(self.total - planned):
            first, second = self.pick_pair()
            documents.append(
                DocumentPlan(
                    self.random_date(),
                    first,
                    second,
                    None,
                    self.chance(PUBLISHED_SHARE),
                    rng.random(),
                )
            )
        documents.sort(key=lambda plan: (plan.signed_on, plan.tiebreak))
        self.events = events
        self.plans = documents

    def build_events(self):
        rng = self.rng
        ordinals = Counter()
        order = sorted(range(len(self.events)), key=lambda i: self.events[i].date)
        for number, index in enumerate(order, start=1):
            plan = self.events[index]
            pair = tuple(sorted((plan.host, plan.guest)))
            ordinals[pair, plan.kind] += 1
            city = self.city(plan.host)
            title = self.event_title(plan, ordinals[pair, plan.kind], city)
            reported = None
            if self.chance(0.6):
                recorded = plan.published_documents
                roll = rng.random()
                if roll < 0.5:
                    reported = recorded
                elif roll < 0.85:
                    reported = recorded + rng.randint(1, 5)
                else:
                    reported = max(recorded - rng.randint(1, 2), 0)
            kind_slug = plan.kind.replace("_", "-")
            plan.event = self.tables["events"].add(
                title=title,
                slug=(
                    f"{DEMO_PREFIX}{kind_slug}-{plan.host.lower()}-"
                    f"{plan.guest.lower()}-{plan.date.isoformat()}-{number}"
                ),
                kind=plan.kind,
                date=plan.date,
                end_date=plan.end_date,
                city=city,
                country_id=self.countries[plan.host].pk,
                description=(
                    f"Talks in {city or self.country_plain(plan.host)}; the sides "
                    f"reviewed {rng.choice(FOCUSES)}."
                    if self.chance(0.4)
                    else ""
                ),
                documents_reported=reported,
                is_published=self.chance(0.95),
            )
            for count in range(1 if self.chance(0.6) else 2):
                source = self.new_source(
                    code=plan.host if count == 0 else plan.guest,
                    title=(
                        f"{title}: {reported} documents signed" if reported else title
                    ),
                    day=plan.date,
                )
                plan.sources.append(source)
                claims = ["date and venue"]
                if reported is not None:
                    claims.append("documents reported")
                for claim in claims:
                    self.tables["event sources"].add(
                        event_id=plan.event["id"],
                        source_id=source["id"],
                        confidence=self.choose("confidence", CONFIDENCE),
                        claim=claim,
                    )
        with transaction.atomic():
            self.write("sources", "events", "event sources")

    def event_title(self, plan, ordinal, city):
        rng = self.rng
        host, guest = self.country_phrase(plan.host), self.country_phrase(plan.guest)
        pair = f"{self.country_plain(plan.host)}–{self.country_plain(plan.guest)}"
        place = city or host
        nth = ordinal_text(ordinal)
        match plan.kind:
            case EventKind.STATE_VISIT:
                return f"State visit of the President of {guest} to {host}"
            case EventKind.OFFICIAL_VISIT:
                leader = rng.choice(("President", "Prime Minister"))
                return f"Official visit of the {leader} of {guest} to {host}"
            case EventKind.WORKING_VISIT:
                leader = rng.choice(
                    ("President", "Prime Minister", "Minister of Foreign Affairs")
                )
                return f"Working visit of the {leader} of {guest} to {host}"
            case EventKind.SUMMIT:
                return f"{pair} talks at the {rng.choice(SUMMITS)} summit in {place}"
            case EventKind.COMMISSION:
                return f"{nth} meeting of the {pair} intergovernmental commission"
            case EventKind.COUNCIL_MEETING:
                council = rng.choice(("business council", "interregional council"))
                return f"{nth} meeting of the {pair} {council}"
            case EventKind.FORUM:
                forum = rng.choice(("business forum", "investment forum"))
                return f"{pair} {forum} in {place}"
        return rng.choice(
            (
                f"Visit of a government delegation of {guest} to {host}",
                f"Days of the culture of {guest} in {host}",
            )
        )

    # -- documents

    def build_documents(self):
        self.reported = 0
        with bulkload.batch_writer(connection) as write:
            for start in range(0, len(self.plans), self.batch_size):
                batch = self.plans[start : start + self.batch_size]
                write(self.build_batch(batch, start))

    def build_batch(self, plans, offset):
        """Plan a batch of documents; returns the function that writes it."""
        superseded = []  # documents of earlier batches to mark superseded
        new_entries = []
        for number, plan in enumerate(plans, start=offset + 1):
            self.plan_document(plan, number, superseded, new_entries)
        # Later batches need only the ids of these documents, not their rows.
        for entry in new_entries:
            entry[0] = entry[0]["id"]
        # On PostgreSQL, parties and titles go before their documents (foreign keys
        # are checked at commit), so that the search trigger fills in each
        # document's copy once, as it is inserted, rather than again after the
        # parties' and the titles' statements. (SQLite's triggers are off.)
        labels = [
            "sources",
            "parties",
            "titles",
            "documents",
            "signature sources",
            "document sources",
            "document topics",
            "relations",
        ]
        if self.follow_up:
            labels += ["actions", "responsible bodies", "progress updates"]
        rows = {label: self.take(label) for label in labels}
        done = offset + len(plans)

        def write():
            for label, table_rows in rows.items():
                self.tables[label].write(table_rows)
            if superseded:
                models.Document.objects.bulk_update(
                    superseded, ["legal_status", "ended_on"], batch_size=self.batch_size
                )
            self.report_progress(done)

        return write

    def report_progress(self, done):
        total = len(self.plans)
        percent = done * 100 // total
        if percent // 10 > self.reported or done == total:
            self.reported = percent // 10
            self.progress(f"{percent:3}%  {done:,}/{total:,} documents")

    def plan_document(self, plan, number, superseded, new_entries):
        """Add document ``number`` and its parties, sources... to the tables."""
        rng = self.rng
        day = plan.signed_on
        event_plan = self.events[plan.event] if plan.event is not None else None
        if event_plan is None:
            kind_choice = STANDALONE_KIND_CHOICE
        else:
            kind_choice = KINDS_AT_EVENT.get(event_plan.kind, MEETING_KIND_CHOICE)
        kind = self.choose("document kind", kind_choice)
        topic, signers = self.pick_signers(plan, kind, event_plan)
        text = TOPIC_TEXTS.get(topic, GENERIC_TOPIC)
        history = self.history[tuple(sorted((plan.first, plan.second)))]
        relation = self.pick_relation(history, kind, day)

        # Title: names as the bodies were called on the day of signing.
        names = [self.title_name(signer, day) for signer in signers]
        between = " and ".join((", ".join(names[:-1]), names[-1]))
        subject = rng.choice(text.subjects)
        validity = self.plan_validity(kind, day)
        title = self.document_title(kind, between, subject, text, relation, validity)

        legal_status, entered, ended, valid_from, valid_until, note = self.plan_status(
            kind, day, validity
        )
        if kind in (DocKind.JOINT_STATEMENT, DocKind.DECLARATION):
            follow_up = FOLLOW_UP_STATEMENT
        elif legal_status in ENDED:
            follow_up = FOLLOW_UP_ENDED
        elif (TODAY - day).days < 730:
            follow_up = FOLLOW_UP_RECENT
        else:
            follow_up = FOLLOW_UP_OLDER
        follow_up_status = self.choose("follow-up", follow_up)

        if event_plan is not None:
            signed_city = event_plan.event["city"]
            signed_country = event_plan.event["country_id"]
            event_confidence = EVENT_CONFIDENCE.pick(rng)
        else:
            host = plan.first if self.chance(0.6) else plan.second
            signed_city = self.city(host)
            signed_country = self.countries[host].pk
            event_confidence = ""
            if self.chance(0.05):  # the place was not reported
                signed_city, signed_country = "", None
        created = datetime.datetime.combine(
            self.days_after(day, 0, 90), datetime.time(9), tzinfo=datetime.UTC
        )
        summary = ""
        if self.chance(0.9):
            focus = rng.sample(FOCUSES, 2)
            summary = (
                f"{KIND_TITLES[kind]} on {subject}; it provides for {focus[0]} "
                f"and {focus[1]}."
            )
        kind_slug = kind.replace("_", "-")
        document = self.tables["documents"].add(
            title=title,
            slug=(
                f"{DEMO_PREFIX}{kind_slug}-{plan.first.lower()}-"
                f"{plan.second.lower()}-{day.isoformat()}-{number}"
            ),
            kind=kind,
            event_id=event_plan.event["id"] if event_plan else None,
            event_confidence=event_confidence,
            signed_on=day,
            signed_city=signed_city,
            signed_country_id=signed_country,
            summary=summary,
            legal_status=legal_status,
            entered_into_force_on=entered,
            ended_on=ended,
            valid_from=valid_from,
            valid_until=valid_until,
            validity_note=note,
            follow_up_status=follow_up_status,
            is_published=plan.is_published,
            created_at=created,
        )
        entry = [document, day, kind, legal_status, subject]
        history.append(entry)
        new_entries.append(entry)

        # Topics: the main one and sometimes one or two more.
        chosen = [topic] if topic in self.topics else []
        for _ in range(rng.choice((0, 0, 1, 2))):
            extra = self.topic_choice.pick(rng)
            if extra not in chosen:
                chosen.append(extra)
        for slug in chosen:
            self.tables["document topics"].add(
                document_id=document["id"], topic_id=self.topics[slug].pk
            )

        sources = self.add_sources(document, plan, event_plan, kind, subject)
        self.add_parties(document, signers, sources)
        if self.follow_up:
            self.add_follow_up(document, signers, text)
        if relation is not None:
            self.add_relation(document, relation, sources, superseded)
        # A Russian title for some, as Adilet-style registers keep them.
        if self.chance(0.25):
            self.tables["titles"].add(
                document_id=document["id"],
                language=models.DocumentTitle.Language.RUSSIAN,
                title=f"{KIND_TITLES_RU[kind]} о сотрудничестве в области {text.ru}",
                is_official=self.chance(0.7),
                source_id=None,
            )

    # -- follow-up

    def add_follow_up(self, document, signers, text):
        """A few actions and the dated updates that took them to their statuses.

        Every date lies between the signature and ``TODAY``; a done action's
        completion date is its last update's; the document's last status change
        leaves it at its follow-up status. Draws only from ``self.follow_up_rng``.
        """
        rng = self.follow_up_rng
        signed = document["signed_on"]
        bodies = [signer.body for signer in signers]
        allowed = ACTION_STATUSES_FOR.get(document["follow_up_status"])
        titles = rng.sample(ACTION_TITLES, rng.choice(ACTIONS_PER_DOCUMENT))
        updates = []  # (day, title, action, before, after)
        for number, template in enumerate(titles, start=1):
            title = template.format(field=text.field)
            due = signed + datetime.timedelta(days=rng.randint(30, 900))
            weights = ACTION_DUE_PAST if due <= TODAY else ACTION_DUE_LATER
            status = (weights.only(allowed) if allowed else weights).pick(rng)
            if status in models.Action.OPEN_STATUSES and rng.random() < RESCHEDULED:
                due = max(signed, TODAY + datetime.timedelta(rng.randint(-90, 60)))
            steps = self.action_steps(status, signed, due)
            person = f"{rng.choice(FOCAL_FIRST_NAMES)} {rng.choice(FOCAL_LAST_NAMES)}"
            action = self.tables["actions"].add(
                document_id=document["id"],
                slug=f"{number}-{slug_of(title)}"[:120].rstrip("-"),
                title=title,
                description=rng.choice(ACTION_DESCRIPTIONS),
                clause=f"Article {rng.randint(2, 9)}" if rng.random() < 0.6 else "",
                focal_person=person,
                contact_email=(
                    f"{slug_of(person).replace('-', '.')}@{bodies[0].slug}.example.org"
                ),
                due_on=due if rng.random() < 0.92 else None,
                status=status,
                completed_on=steps[-1][0] if status == ActionStatus.DONE else None,
                created_at=datetime.datetime.combine(
                    signed, datetime.time(10), tzinfo=datetime.UTC
                ),
            )
            responsible = rng.sample(bodies, 2 if rng.random() < 0.35 else 1)
            for body in responsible:
                self.tables["responsible bodies"].add(
                    action_id=action["id"], body_id=body.pk
                )
            for day, before, after in steps:
                step_title = ACTION_STEP_TITLES[after].format(title=title)
                updates.append((day, step_title, action, before, after))

        status = document["follow_up_status"]
        steps = DOCUMENT_STEPS.get(status, ())
        days = self.dates_between(signed, TODAY, len(steps))
        for day, (before, after) in zip(days, steps, strict=True):
            updates.append((day, DOCUMENT_STEP_TITLES[after], None, before, after))
        # Notes without a change of status, dated after the last change.
        last = days[-1] if days else signed
        notes = rng.sample(DOCUMENT_NOTES, rng.choice((0, 0, 0, 1)))
        for note, day in zip(
            notes, self.dates_between(last, TODAY, len(notes)), strict=True
        ):
            updates.append((day, note, None, status, status))

        for day, title, action, before, after in updates:
            precision = models.DatePrecision.DAY
            # Now and then a note is dated only by its month (not a change of status,
            # which would then read as out of order).
            if before == after and rng.random() < 0.3 and day.replace(day=1) >= signed:
                day, precision = day.replace(day=1), models.DatePrecision.MONTH
            self.tables["progress updates"].add(
                document_id=document["id"],
                action_id=action["id"] if action else None,
                happened_on=day,
                date_precision=precision,
                title=title,
                text="",
                status_before=before,
                status_after=after,
                source_id=None,
                confidence=CONFIDENCE.pick(rng),
                created_at=datetime.datetime.combine(
                    day, datetime.time(12), tzinfo=datetime.UTC
                ),
            )

    def action_steps(self, status, signed, due):
        """The (day, before, after) updates that took an action to ``status``."""
        rng = self.follow_up_rng
        if status == ActionStatus.PLANNED:
            return []
        if status == ActionStatus.IN_PROGRESS:
            path = [ActionStatus.IN_PROGRESS]
        elif status != ActionStatus.BLOCKED and rng.random() < 0.5:
            path = [status]
        else:
            path = [ActionStatus.IN_PROGRESS, status]
        end = TODAY
        if status == ActionStatus.DONE:
            # Done around its deadline, never after the reference day.
            late = datetime.timedelta(rng.randint(-60, 45))
            end = min(TODAY, max(signed, due + late))
        steps, before = [], ActionStatus.PLANNED
        for day, after in zip(
            self.dates_between(signed, end, len(path)), path, strict=True
        ):
            steps.append((day, before, after))
            before = after
        return steps

    def dates_between(self, start, end, count):
        """``count`` days in ``[start, end]``, in order."""
        span = max((end - start).days, 0)
        return sorted(
            start + datetime.timedelta(self.follow_up_rng.randint(0, span))
            for _ in range(count)
        )

    def pick_signers(self, plan, kind, event_plan):
        """The topic, and the bodies that sign: their level follows the kind."""
        rng = self.rng
        if kind in SIGNING_LEVELS:
            topic = self.state_topic_choice.pick(rng)
            kinds = (rng.choice(SIGNING_LEVELS[kind][0]),)
        else:
            topic = self.topic_choice.pick(rng)
            if self.chance(GOVERNMENT_SHARE.get(kind, 0)):
                kinds = (BodyKind.GOVERNMENT,)
            elif kind in (DocKind.MEMORANDUM, DocKind.OTHER):
                forum = event_plan is not None and event_plan.kind == EventKind.FORUM
                kinds = BUSINESS_BODIES if forum and self.chance(0.7) else ANY_BODIES
            else:
                kinds = TOPIC_BODIES
        first = self.pick_body(plan.first, kinds, topic)
        second = self.pick_body(plan.second, kinds, topic, like=first.kind)
        signers = [first, second]
        if self.chance(THIRD_PARTY_SHARE):
            code = rng.choice((plan.first, plan.second, self.any_choice.pick(rng)))
            third = self.pick_body(code, kinds, topic, exclude=signers)
            if third is not None:
                signers.append(third)
        return topic, signers

    def pick_relation(self, history, kind, day):
        """(relation kind, earlier document of the same pair), or None."""
        if not history:
            return None
        relation = None
        probability, relation_kind, target_kinds = RELATION_RULES.get(
            kind, (0, None, ())
        )
        if self.chance(probability):
            relation = self.pick_target(history, day, relation_kind, target_kinds)
        if relation is None and self.chance(RELATION_EXTRA):
            relation = self.pick_target(
                history,
                day,
                self.rng.choice((RelKind.REFERS_TO, RelKind.EXTENDS)),
                tuple(DocKind.values),
            )
        return relation

    def add_sources(self, document, plan, event_plan, kind, subject):
        """The event's report, and often a report of this document alone.

        Returns ``[(source, claim, confidence)]``; the confidence of the event's
        report follows how sure the document's place in the event is.
        """
        rng = self.rng
        sources = []
        if event_plan is not None and event_plan.sources and self.chance(0.9):
            sources.append(
                (
                    event_plan.sources[0],
                    "signing",
                    document["event_confidence"] or Confidence.REPORTED,
                )
            )
        if self.chance(0.85 if event_plan is None else 0.35):
            own = self.new_source(
                code=rng.choice((plan.first, plan.second)),
                title=(
                    f"{capfirst(self.country_phrase(plan.first))} and "
                    f"{self.country_phrase(plan.second)} sign "
                    f"{KIND_TITLES[kind].lower()} on {subject}"
                ),
                day=document["signed_on"],
            )
            sources.append((own, rng.choice(("signing", "text")), None))
            if self.chance(0.2):
                sources.append((own, "date", None))
        for source, claim, confidence in sources:
            self.tables["document sources"].add(
                document_id=document["id"],
                source_id=source["id"],
                claim=claim,
                confidence=confidence or self.choose("confidence", CONFIDENCE),
            )
        return sources

    def add_parties(self, document, signers, sources):
        """Parties and their signatories, as far as the sources name them."""
        day = document["signed_on"]
        for order, signer in enumerate(signers, start=1):
            name, position = signer.head_on(day), signer.position
            if self.chance(DEPUTY_SIGNS) and signer.kind != BodyKind.STATE:
                name, position = self.person(signer.country), f"Deputy {position}"
            if self.chance(SIGNATORY_UNKNOWN):
                name = ""
                position = "" if self.chance(0.5) else position
            elif self.chance(POSITION_UNKNOWN):
                position = ""
            party = self.tables["parties"].add(
                document_id=document["id"],
                body_id=signer.body.pk,
                order=order,
                signatory_name=name,
                signatory_position=position,
            )
            if name and sources and self.chance(0.15):
                self.tables["signature sources"].add(
                    party_id=party["id"],
                    source_id=sources[-1][0]["id"],
                    claim="signatory",
                    confidence=self.choose("confidence", CONFIDENCE),
                )

    def add_relation(self, document, relation, sources, superseded):
        """The link to an earlier document; one superseded ends that day.

        The earlier document is still a row waiting to be written if it is of this
        batch, or only its id if it was written with an earlier batch.
        """
        day = document["signed_on"]
        relation_kind, target = relation
        target_document = target[0]
        earlier_batch = isinstance(target_document, int)
        if relation_kind == RelKind.SUPERSEDES:
            # The older document ends the day the new one is signed.
            target[3] = Legal.SUPERSEDED
            if earlier_batch:
                superseded.append(
                    models.Document(
                        pk=target_document, legal_status=Legal.SUPERSEDED, ended_on=day
                    )
                )
            else:
                target_document["legal_status"] = Legal.SUPERSEDED
                target_document["ended_on"] = day
        self.tables["relations"].add(
            from_document_id=document["id"],
            kind=relation_kind,
            to_document_id=target_document if earlier_batch else target_document["id"],
            confidence=self.choose("confidence", CONFIDENCE),
            source_id=sources[-1][0]["id"] if sources and self.chance(0.5) else None,
            note="",
        )

    def pick_target(self, history, day, relation_kind, target_kinds):
        """An earlier document of the pair, signed before ``day``, to point to."""
        candidates = [
            entry
            for entry in history
            if entry[1] < day
            and entry[2] in target_kinds
            and (
                relation_kind != RelKind.SUPERSEDES
                or entry[3] in (Legal.SIGNED, Legal.IN_FORCE)
            )
        ]
        if not candidates:
            return None
        return relation_kind, self.rng.choice(candidates)

    def title_name(self, signer, day):
        name = signer.name_on(day)
        if signer.kind == BodyKind.STATE:
            return self.country_phrase(signer.country)
        if signer.kind == BodyKind.COMPANY:
            return name
        return f"the {name}"

    def plan_validity(self, kind, day):
        """(valid_from, valid_until, note) for documents concluded for a term."""
        rng = self.rng
        if kind in (DocKind.PROGRAMME, DocKind.ACTION_PLAN):
            first_year = day.year + (1 if self.chance(0.4) else 0)
            last_year = first_year + rng.randint(1, 4)
            return (
                datetime.date(first_year, 1, 1),
                datetime.date(last_year, 12, 31),
                f"for {first_year}-{last_year} in the title",
            )
        if kind in (DocKind.MEMORANDUM, DocKind.AGREEMENT) and self.chance(0.3):
            years = rng.choice((3, 5, 5, 10))
            renewed = self.chance(0.5)
            note = f"for {years} years" + (
                ", extended automatically for further periods" if renewed else ""
            )
            return years, renewed, note
        return None

    def plan_status(self, kind, day, validity):
        """Legal status and the dates that go with it, always in a valid order."""
        rng = self.rng
        age_days = (TODAY - day).days
        allowed = set(LEGAL_WEIGHTS[kind])
        if age_days < 365:
            allowed -= ENDED
        if age_days < 180:
            allowed.discard(Legal.SUSPENDED)
        legal_status = self.choose("legal status", LEGAL_CHOICES[kind], allowed)
        entered = None
        if legal_status in IN_EFFECT and kind not in (
            DocKind.JOINT_STATEMENT,
            DocKind.DECLARATION,
        ):
            if kind in (DocKind.TREATY, DocKind.AGREEMENT):
                entered = self.days_after(day, 30, 700)
            elif self.chance(0.6):
                entered = day  # "enters into force on the date of signature"
            else:
                entered = self.days_after(day, 0, 180)
            if self.chance(0.1):
                entered = None  # in force, but since when was not reported
        valid_from = valid_until = None
        note = ""
        if validity is not None:
            if isinstance(validity[0], datetime.date):
                valid_from, valid_until, note = validity
                # Most programmes that ran their term are recorded as expired.
                lapsed = valid_until < TODAY and self.chance(0.8)
                if lapsed and legal_status in (Legal.SIGNED, Legal.IN_FORCE):
                    legal_status = Legal.EXPIRED
            else:
                years, renewed, note = validity
                valid_from = entered or day
                valid_until = add_years(valid_from, years) - datetime.timedelta(1)
                lapsed = valid_until < TODAY and not renewed
                if lapsed and legal_status in (Legal.SIGNED, Legal.IN_FORCE):
                    legal_status = Legal.EXPIRED
        ended = None
        if legal_status == Legal.EXPIRED and valid_until and valid_until < TODAY:
            ended = valid_until
        elif legal_status in ENDED:
            start = (entered or day) + datetime.timedelta(days=180)
            start = min(start, TODAY)
            ended = start + datetime.timedelta(
                days=rng.randint(0, max((TODAY - start).days, 0))
            )
        return legal_status, entered, ended, valid_from, valid_until, note

    def document_title(self, kind, between, subject, text, relation, validity):
        rng = self.rng
        field_text = text.field
        target = ""
        if relation is not None:
            _, entry = relation
            target_kind = KIND_TITLES[entry[2]]
            target = f"the {target_kind} of {long_date(entry[1])} on {entry[4]}"
        period = ""
        if validity and isinstance(validity[0], datetime.date):
            period = f" for {validity[0].year}-{validity[1].year}"
        match kind:
            case DocKind.TREATY:
                return f"Treaty between {between} on {subject}"
            case DocKind.AGREEMENT:
                return f"Agreement between {between} on {subject}"
            case DocKind.PROTOCOL:
                if target:
                    return f"Protocol between {between} on amendments to {target}"
                return f"Protocol between {between} on {subject}"
            case DocKind.MEMORANDUM:
                return (
                    f"Memorandum of understanding between {between} on cooperation "
                    f"in the field of {field_text}"
                )
            case DocKind.JOINT_STATEMENT:
                return f"Joint statement of {between}" + (
                    f" on {subject}" if self.chance(0.5) else ""
                )
            case DocKind.DECLARATION:
                return f"Declaration on {subject} between {between}"
            case DocKind.PROGRAMME:
                return (
                    f"Programme of cooperation between {between} in the field of "
                    f"{field_text}{period}"
                )
            case DocKind.ACTION_PLAN:
                if target:
                    return (
                        f"Action plan{period} between {between} to implement {target}"
                    )
                return f"Action plan{period} between {between} on {subject}"
        return rng.choice(
            (
                f"Roadmap for cooperation in the field of {field_text} between "
                f"{between}",
                f"Minutes of the talks between {between} on {subject}",
            )
        )


def ordinal_text(number):
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
