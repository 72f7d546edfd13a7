"""The demo's countries, their signatory bodies, the people who sign for them and the
outlets that report on them."""

import bisect
import datetime
import math
from collections import defaultdict
from dataclasses import dataclass

from django.utils.text import slugify
from faker import Faker

from agreements import models

from .draws import FIRST_DAY, Weighted, load
from .rows import DEMO_PREFIX, DEMO_SOURCE_PREFIX

BodyKind = models.Body.Kind

OTHER_PARTNER_WEIGHT = 0.3  # a country not in countries.toml's partner weights
NAME_POOL = 60  # people per Faker locale
DEFAULT_NAME_LOCALE = "en_US"
# Bodies whose template name gives them an acronym ("Ministry of Energy": "ME").
ACRONYM_KINDS = (BodyKind.MINISTRY, BodyKind.AGENCY, BodyKind.ACADEMY)
# Making a Faker is slow: one per locale for the process, seeded afresh per demo.
_FAKERS = {}


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


def acronym(name):
    skip = {"of", "and", "the", "on", "for"}
    return "".join(word[0] for word in name.split() if word not in skip).upper()


class Cast:
    """The countries in the demo, their bodies and the people who head them.

    ``plan_bodies()`` makes the bodies (unsaved) and their former names; the bodies
    that answer to another are in ``parents``, to be linked once both have ids.
    """

    def __init__(self, draws, *, seed, countries):
        self.draws = draws
        self.rng = draws.rng
        self.seed = seed
        self.countries = countries  # {code: Country}
        self.data = load("countries")
        names = self.data["names"]
        self.phrases = {
            code: names.get(code) or country.name.split(" (")[0].split(",")[0].strip()
            for code, country in countries.items()
        }
        self.post_soviet = set(self.data["people"]["post_soviet"]["countries"])
        self.fakers = {}
        self.name_pools = {}
        self.source_number = 0
        self.bodies = []
        self.former_names = []
        self.parents = []  # (body, the body it answers to)
        self.bodies_by = defaultdict(list)  # (country, kind) -> [BodyPlan]

    # -- countries

    def country_phrase(self, code):
        """The country as it reads in a sentence: 'the United Kingdom'."""
        return self.phrases[code]

    def country_plain(self, code):
        return self.phrases[code].removeprefix("the ")

    def pick_countries(self, documents):
        """The countries in the demo: more of them for a bigger register."""
        partner_weights = self.data["partner_weights"]
        wanted = max(15, math.isqrt(documents))
        frequent = [code for code in partner_weights if code in self.countries]
        territories = set(self.data["territories"])
        others = sorted(set(self.countries) - set(frequent) - territories - {"KZ"})
        self.rng.shuffle(others)
        hub = ["KZ"] if "KZ" in self.countries else []
        self.included = (hub + frequent + others)[:wanted]
        self.hub = self.included[0]
        partners = {
            code: partner_weights.get(code, OTHER_PARTNER_WEIGHT)
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

    def city(self, code):
        cities = self.data["cities"].get(code)
        if not cities:
            return ""
        return cities[0] if self.draws.chance(0.7) else self.rng.choice(cities)

    def publisher(self, code):
        """``(name, domain)`` of an outlet reporting on ``code``."""
        publishers = load("events")["publishers"]
        roll = self.rng.random()
        for outlet in publishers["national"]:
            if roll < outlet["below"]:
                values = {
                    "country": self.country_phrase(code),
                    "plain": self.country_plain(code),
                    "code": code.lower(),
                }
                return (
                    outlet["name"].format(**values),
                    outlet["domain"].format(**values),
                )
        outlet = self.rng.choice(publishers["regional"])
        return outlet["name"], outlet["domain"]

    def new_source(self, rows, *, code, title, day):
        """A report on ``code``'s side of something on ``day``, added to ``rows``."""
        self.source_number += 1
        publisher, domain = self.publisher(code)
        path_title = slugify(title)[:60].rstrip("-")
        published_on = (
            self.draws.days_after(day, 0, 3) if self.draws.chance(0.95) else None
        )
        accessed_on = self.draws.days_after(published_on or day, 20, 900)
        source = models.Source(
            url=(
                f"{DEMO_SOURCE_PREFIX}{domain}/{day.year}/{day.month:02}/"
                f"{day.day:02}/{self.source_number}-{path_title}"
            ),
            publisher=publisher,
            title=title,
            published_on=published_on,
            accessed_on=accessed_on,
        )
        rows["sources"].append(source)
        return source

    # -- people

    def person(self, code):
        rng = self.rng
        people = self.data["people"]
        if code == "KZ" or code in self.post_soviet:
            names = people["kazakh" if code == "KZ" else "post_soviet"]
            surname = rng.choice(names["surnames"])
            if rng.random() < 0.25:
                if surname.endswith(("ov", "ev", "in")):
                    surname += "a"
                return f"{rng.choice(names['women'])} {surname}"
            return f"{rng.choice(names['men'])} {surname}"
        locale = self.data["name_locales"].get(code, DEFAULT_NAME_LOCALE)
        if locale not in self.name_pools:
            # Faker is slow per name; a pool per locale is plenty for signatories.
            fake = self.faker(locale)
            self.name_pools[locale] = [
                f"{fake.first_name()} {fake.last_name()}" for _ in range(NAME_POOL)
            ]
        return rng.choice(self.name_pools[locale])

    def faker(self, locale):
        if locale not in self.fakers:
            if locale not in _FAKERS:
                _FAKERS[locale] = Faker(locale)
            fake = _FAKERS[locale]
            fake.seed_instance(self.seed)
            self.fakers[locale] = fake
        return self.fakers[locale]

    def plan_heads(self, code):
        """Who led a body over the years: two to six people, in turn."""
        count = self.rng.randint(2, 6)
        starts = sorted(
            {FIRST_DAY}
            | {
                self.draws.random_date(datetime.date(1996, 1, 1))
                for _ in range(count - 1)
            }
        )
        return starts, [self.person(code) for _ in starts]

    # -- bodies

    def plan_bodies(self):
        rng, chance = self.rng, self.draws.chance
        data = load("bodies")
        used_slugs = set()
        for code in self.included:
            main = code in (self.hub, self.second_hub)
            frequent = code in self.data["partner_weights"]
            name = self.country_phrase(code)
            by_key = {}
            heads_by_key = {}
            for template in data["templates"]:
                presence = template.get("presence", 1.0)
                if not main and presence < 1:
                    if not chance(presence if frequent else presence * 0.4):
                        continue
                key = template["key"]
                heads_key = template.get("heads", key)
                if heads_key not in heads_by_key:
                    heads_by_key[heads_key] = self.plan_heads(code)
                short = template["name"].replace(" of {country}", "")
                slug = f"{DEMO_PREFIX}{code.lower()}-" + (
                    "state" if key == "state" else slugify(short)
                )
                parent = template.get("parent")
                parent = by_key.get(parent) or (
                    by_key.get("government") if parent else None
                )
                plan = self.plan_body(
                    code=code,
                    name=template["name"].format(
                        country=self.country_plain(code) if key == "state" else name
                    ),
                    short_name=acronym(short)
                    if template["kind"] in ACRONYM_KINDS
                    else "",
                    slug=slug,
                    kind=BodyKind(template["kind"]),
                    topics=tuple(template["topics"]),
                    position=template["position"],
                    heads=heads_by_key[heads_key],
                    parent=parent if parent and chance(0.85) else None,
                )
                used_slugs.add(slug)
                by_key[key] = plan
                former = template.get("former")
                if former and chance(0.5 if main else 0.25):
                    self.plan_former_names(plan, former, name)
            companies = rng.randint(6, 12) if main else rng.randint(1, 4)
            if not frequent:
                companies = rng.randint(0, 1)
            fake = self.faker(self.data["name_locales"].get(code, DEFAULT_NAME_LOCALE))
            for _ in range(companies):
                company = fake.company()
                slug = f"{DEMO_PREFIX}{code.lower()}-{slugify(company)}"[:110]
                if not slugify(company) or slug in used_slugs:
                    continue
                used_slugs.add(slug)
                self.plan_body(
                    code=code,
                    name=company,
                    short_name="",
                    slug=slug,
                    kind=BodyKind.COMPANY,
                    topics=tuple(rng.sample(data["company_topics"], 2)),
                    position=rng.choice(data["company_positions"]),
                    heads=self.plan_heads(code),
                    parent=None,
                )

    def plan_body(
        self, *, code, name, short_name, slug, kind, topics, position, heads, parent
    ):
        chance = self.draws.chance
        website = "" if chance(0.2) else f"https://{slug}.example.org/"
        description = ""
        if chance(0.3):
            description = load("bodies")["description"].format(
                kind=BodyKind(kind).label.capitalize(),
                country=self.country_phrase(code),
            )
        body = models.Body(
            name=name,
            short_name=short_name,
            slug=slug,
            country_id=self.countries[code].pk,
            kind=kind,
            website=website,
            description=description,
        )
        self.bodies.append(body)
        if parent is not None:
            self.parents.append((body, parent.body))
        plan = BodyPlan(
            body=body,
            country=code,
            kind=kind,
            topics=topics,
            position=position,
            head_starts=heads[0],
            head_names=heads[1],
            former=[],
        )
        self.bodies_by[code, kind].append(plan)
        return plan

    def plan_former_names(self, plan, former, country):
        """One or two earlier names, the latest ending the day before the rename."""
        rng, chance = self.rng, self.draws.chance
        data = load("bodies")
        count = min(len(former), rng.choice((1, 1, 2)))
        names = rng.sample(former, count)
        renamed = self.draws.random_date(datetime.date(2000, 1, 1))
        for name in names:
            valid_until = renamed - datetime.timedelta(days=1)
            valid_from = (
                None
                if chance(0.4)
                else valid_until - datetime.timedelta(days=rng.randint(700, 4000))
            )
            full_name = data["former_name"].format(name=name, country=country)
            plan.former.append((valid_from, valid_until, full_name))
            self.former_names.append(
                models.BodyName(
                    body=plan.body,
                    name=full_name,
                    short_name=acronym(name),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    note=rng.choice(data["former_name_notes"]),
                )
            )
            if valid_from is None:
                break
            renamed = valid_from

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

    def title_name(self, signer, day):
        """The body as a title names it on ``day``."""
        if signer.kind == BodyKind.STATE:
            return self.country_phrase(signer.country)
        name = signer.name_on(day)
        if signer.kind == BodyKind.COMPANY:
            return name
        return f"the {name}"
