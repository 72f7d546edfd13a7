"""Builds the demo register: bodies, events, then documents in batches.

Rows are plain model instances written with ``bulk_create``, a batch of documents per
transaction; nothing goes through ``save()``, so django-simple-history records
nothing, which is what a demo wants: no history for rows nobody edited. Everything
random comes from ``random.Random`` generators and Faker instances seeded with the
seed, so a seed always builds the same register.
"""

import datetime
import gc
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from agreements import models

from .cast import Cast
from .documents import DocumentPlanner
from .draws import LAST_DAY, Draws, Weighted, load, weighted
from .followup import FollowUpPlanner
from .rows import DEMO_PREFIX, search_triggers_suspended

EventKind = models.Event.Kind

EVENT_SHARE = 0.72  # documents signed at an event; the rest have no known event
PUBLISHED_SHARE = 0.9
INSERT_ROWS = 1000  # rows per INSERT statement (SQLite takes fewer)

# The tables of a demo, in the order they are written (and counted in the summary).
TABLES = {
    "bodies": models.Body,
    "former names": models.BodyName,
    "sources": models.Source,
    "events": models.Event,
    "event sources": models.EventCitation,
    "documents": models.Document,
    "parties": models.Party,
    "signature sources": models.PartyCitation,
    "document sources": models.DocumentCitation,
    "titles": models.DocumentTitle,
    "document topics": models.Document.topics.through,
    "relations": models.Relation,
    "actions": models.Action,
    "responsible bodies": models.Action.responsible_bodies.through,
    "progress updates": models.ProgressUpdate,
}
FOLLOW_UP_TABLES = ("actions", "responsible bodies", "progress updates")


class DemoError(Exception):
    """The register cannot take a demo as it stands."""


@dataclass
class DemoSummary:
    """What ``build_demo_register`` made: rows per table, and how long it took."""

    seed: int
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass(slots=True, eq=False)
class EventPlan:
    kind: str
    date: datetime.date
    end_date: datetime.date | None
    host: str
    guest: str
    size: int
    published_documents: int = 0
    event: models.Event | None = None
    sources: list[models.Source] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class DocumentPlan:
    signed_on: datetime.date
    first: str
    second: str
    event: int | None
    is_published: bool
    tiebreak: float


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
    updates, about three and five on average. Each batch of ``batch_size`` documents
    is written in its own transaction.
    """
    builder = Builder(
        documents=documents,
        seed=seed,
        batch_size=batch_size,
        progress=progress,
        follow_up=follow_up,
    )
    # The load makes millions of short-lived objects and hardly any reference cycles:
    # collecting garbage less often makes it markedly faster.
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        with search_triggers_suspended():
            summary = builder.build()
    finally:
        gc.set_threshold(*thresholds)
    # Including the refresh of the search copies.
    summary.seconds = time.perf_counter() - builder.started
    return summary


class Builder:
    def __init__(self, *, documents, seed, batch_size, progress, follow_up):
        self.total = documents
        self.seed = seed
        self.batch_size = batch_size
        self.report = progress
        self.follow_up = follow_up
        self.started = time.perf_counter()
        self.summary = DemoSummary(seed=seed)
        self.text = load("events")
        self.event_kinds = {
            EventKind(kind): spec for kind, spec in self.text["kinds"].items()
        }
        self.confidence = weighted(
            load("documents")["confidence"]["document"], models.Confidence
        )

    def progress(self, message):
        if self.report is not None:
            elapsed = time.perf_counter() - self.started
            self.report(f"{elapsed:6.1f} s  {message}")

    def build(self):
        countries = models.Country.objects.in_bulk(field_name="code")
        topics = {topic.slug: topic for topic in models.Topic.objects.all()}
        if not countries or not topics:
            raise DemoError(
                "The register has no countries or no topics: run `manage.py migrate`."
            )
        self.rng = random.Random(self.seed)
        self.draws = Draws(
            self.rng,
            unseen={
                "document kind": list(models.Document.Kind.values),
                "legal status": list(models.Document.LegalStatus.values),
                "follow-up": list(models.Document.FollowUpStatus.values),
                "event kind": list(EventKind.values),
                "confidence": list(models.Confidence.values),
            },
        )
        self.chance = self.draws.chance
        self.cast = Cast(self.draws, seed=self.seed, countries=countries)
        self.documents = DocumentPlanner(self.draws, cast=self.cast, topics=topics)
        self.follow_ups = None
        if self.follow_up:
            # Its own generator, so that the rest of the register is the same with or
            # without follow-up, and follow-up can wait until the documents have ids.
            self.follow_ups = FollowUpPlanner(random.Random(self.seed * 1_000_003 + 17))
        labels = [label for label in TABLES if label not in FOLLOW_UP_TABLES]
        labels.insert(labels.index("documents") + 1, "published documents")
        if self.follow_up:
            labels += FOLLOW_UP_TABLES
        self.summary.counts.update(dict.fromkeys(labels, 0))

        self.cast.pick_countries(self.total)
        self.cast.plan_bodies()
        with transaction.atomic():
            self.write_bodies()
        self.progress(
            f"{self.summary.counts['bodies']:,} bodies in "
            f"{len(self.cast.included)} countries"
        )
        self.plan_register()
        with transaction.atomic():
            self.write(self.build_events())
        self.progress(f"{len(self.events):,} events; now {self.total:,} documents")
        self.build_documents()
        return self.summary

    def write(self, rows):
        """Save ``rows`` (``{table label: [unsaved instances]}``) and count them."""
        for label, model in TABLES.items():
            if rows.get(label):
                model.objects.bulk_create(rows[label], batch_size=INSERT_ROWS)
                self.summary.counts[label] += len(rows[label])
        self.summary.counts["published documents"] += sum(
            document.is_published for document in rows.get("documents", ())
        )

    def write_bodies(self):
        self.write({"bodies": self.cast.bodies})
        # A parent is linked once it has an id.
        for body, parent in self.cast.parents:
            body.parent = parent
        children = [body for body, _parent in self.cast.parents]
        models.Body.objects.bulk_update(children, ["parent"], batch_size=INSERT_ROWS)
        self.write({"former names": self.cast.former_names})

    # -- events and the plan of documents

    def plan_register(self):
        """Decide every event and every document's date, countries and event.

        Done up front because an event's reported count depends on its documents and
        relations need the documents in the order they were signed.
        """
        rng, chance, cast = self.rng, self.chance, self.cast
        event_kind_choice = Weighted(
            {kind: spec["weight"] for kind, spec in self.event_kinds.items()}
        )
        target = round(self.total * EVENT_SHARE)
        events = []
        planned = 0
        while planned < target:
            kind = self.draws.choose("event kind", event_kind_choice)
            spec = self.event_kinds[kind]
            size = min(rng.randint(spec["fewest"], spec["most"]), target - planned)
            day = self.draws.random_date()
            first, second = cast.pick_pair()
            host, guest = (first, second) if chance(0.55) else (second, first)
            end_date = None
            long_event = kind in (
                EventKind.SUMMIT,
                EventKind.FORUM,
                EventKind.COMMISSION,
            )
            if (long_event and chance(0.5)) or chance(0.15):
                end_date = min(day + datetime.timedelta(rng.randint(1, 2)), LAST_DAY)
                end_date = end_date if end_date > day else None
            events.append(EventPlan(kind, day, end_date, host, guest, size))
            planned += size
        documents = []
        for index, event in enumerate(events):
            for _ in range(event.size):
                day = event.date
                if event.end_date and chance(0.3):
                    day += datetime.timedelta(
                        rng.randint(0, (event.end_date - event.date).days)
                    )
                first, second = (
                    (event.host, event.guest)
                    if chance(0.5)
                    else (event.guest, event.host)
                )
                published = chance(PUBLISHED_SHARE)
                event.published_documents += published
                documents.append(
                    DocumentPlan(day, first, second, index, published, rng.random())
                )
        for _ in range(self.total - planned):
            first, second = cast.pick_pair()
            documents.append(
                DocumentPlan(
                    self.draws.random_date(),
                    first,
                    second,
                    None,
                    chance(PUBLISHED_SHARE),
                    rng.random(),
                )
            )
        documents.sort(key=lambda plan: (plan.signed_on, plan.tiebreak))
        self.events = events
        self.plans = documents

    def build_events(self):
        rng, chance = self.rng, self.chance
        rows = defaultdict(list)
        ordinals = Counter()
        order = sorted(range(len(self.events)), key=lambda i: self.events[i].date)
        for number, index in enumerate(order, start=1):
            plan = self.events[index]
            pair = tuple(sorted((plan.host, plan.guest)))
            ordinals[pair, plan.kind] += 1
            city = self.cast.city(plan.host)
            title = self.event_title(plan, ordinals[pair, plan.kind], city)
            reported = None
            if chance(0.6):
                recorded = plan.published_documents
                roll = rng.random()
                if roll < 0.5:
                    reported = recorded
                elif roll < 0.85:
                    reported = recorded + rng.randint(1, 5)
                else:
                    reported = max(recorded - rng.randint(1, 2), 0)
            kind_slug = plan.kind.replace("_", "-")
            description = ""
            if chance(0.4):
                description = self.text["description"].format(
                    place=city or self.cast.country_plain(plan.host),
                    focus=rng.choice(load("topics")["focuses"]),
                )
            plan.event = models.Event(
                title=title,
                slug=(
                    f"{DEMO_PREFIX}{kind_slug}-{plan.host.lower()}-"
                    f"{plan.guest.lower()}-{plan.date.isoformat()}-{number}"
                ),
                kind=plan.kind,
                date=plan.date,
                end_date=plan.end_date,
                city=city,
                country_id=self.cast.countries[plan.host].pk,
                description=description,
                documents_reported=reported,
                is_published=chance(0.95),
            )
            rows["events"].append(plan.event)
            for count in range(1 if chance(0.6) else 2):
                source = self.cast.new_source(
                    rows,
                    code=plan.host if count == 0 else plan.guest,
                    title=(
                        self.text["report_title"].format(title=title, count=reported)
                        if reported
                        else title
                    ),
                    day=plan.date,
                )
                plan.sources.append(source)
                claims = ["date and venue"]
                if reported is not None:
                    claims.append("documents reported")
                for claim in claims:
                    rows["event sources"].append(
                        models.EventCitation(
                            event=plan.event,
                            source=source,
                            confidence=self.draws.choose("confidence", self.confidence),
                            claim=claim,
                        )
                    )
        return rows

    def event_title(self, plan, ordinal, city):
        host = self.cast.country_phrase(plan.host)
        template = self.text["titles"][plan.kind]
        picks = self.text["title_picks"].get(plan.kind)
        pick = self.rng.choice(picks) if picks else ""
        if isinstance(template, list):
            template = self.rng.choice(template)
        return template.format(
            host=host,
            guest=self.cast.country_phrase(plan.guest),
            pair=(
                f"{self.cast.country_plain(plan.host)}–"
                f"{self.cast.country_plain(plan.guest)}"
            ),
            place=city or host,
            nth=ordinal_text(ordinal),
            pick=pick,
        )

    # -- documents

    def build_documents(self):
        total = len(self.plans)
        reported = 0
        for start in range(0, total, self.batch_size):
            rows = defaultdict(list)
            superseded = []  # documents of earlier batches a new one supersedes
            signed = []  # (document, signatory bodies, field) for the follow-up
            plans = self.plans[start : start + self.batch_size]
            for number, plan in enumerate(plans, start=start + 1):
                event_plan = self.events[plan.event] if plan.event is not None else None
                signed.append(
                    self.documents.add(
                        rows,
                        superseded,
                        plan=plan,
                        event_plan=event_plan,
                        number=number,
                    )
                )
            with transaction.atomic():
                self.write(rows)
                models.Document.objects.bulk_update(
                    superseded, ["legal_status", "ended_on"], batch_size=INSERT_ROWS
                )
                if self.follow_ups is not None:
                    rows = defaultdict(list)
                    for document, bodies, field_name in signed:
                        self.follow_ups.add(
                            rows, document=document, bodies=bodies, field=field_name
                        )
                    self.write(rows)
            done = start + len(plans)
            percent = done * 100 // total
            if percent // 10 > reported or done == total:
                reported = percent // 10
                self.progress(f"{percent:3}%  {done:,}/{total:,} documents")


def ordinal_text(number):
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
