"""The demo's documents: kind, signatories, title, statuses, sources and relations."""

import datetime
from collections import defaultdict, deque
from dataclasses import dataclass

from django.utils.text import capfirst

from agreements import models
from agreements.text import normalised

from .draws import TODAY, Weighted, load, weighted
from .rows import DEMO_PREFIX

DocKind = models.Document.Kind
Legal = models.Document.LegalStatus
FollowUp = models.Document.FollowUpStatus
BodyKind = models.Body.Kind
EventKind = models.Event.Kind
RelKind = models.Relation.Kind
Confidence = models.Confidence

THIRD_PARTY_SHARE = 0.06
SIGNATORY_UNKNOWN = 0.12
POSITION_UNKNOWN = 0.08
DEPUTY_SIGNS = 0.1
RELATION_EXTRA = 0.05  # any document may refer to, or extend, an earlier one
HISTORY_PER_PAIR = 40  # how many earlier documents of a pair a new one looks back on

# Which bodies sign which kind of document.
TOPIC_BODIES = (BodyKind.MINISTRY, BodyKind.AGENCY)
ANY_BODIES = (
    BodyKind.MINISTRY, BodyKind.AGENCY, BodyKind.ACADEMY, BodyKind.CHAMBER,
    BodyKind.STATE_COMPANY, BodyKind.COMPANY, BodyKind.MEDIA, BodyKind.OTHER,
    BodyKind.PARLIAMENT,
)  # fmt: skip
BUSINESS_BODIES = (BodyKind.CHAMBER, BodyKind.STATE_COMPANY, BodyKind.COMPANY)
SIGNING_LEVELS = {
    DocKind.TREATY: (BodyKind.STATE,),
    DocKind.DECLARATION: (BodyKind.STATE, BodyKind.HEAD_OF_STATE),
    DocKind.JOINT_STATEMENT: (BodyKind.HEAD_OF_STATE, BodyKind.GOVERNMENT),
}
GOVERNMENT_SHARE = {
    DocKind.AGREEMENT: 0.6,
    DocKind.PROTOCOL: 0.45,
    DocKind.PROGRAMME: 0.3,
    DocKind.ACTION_PLAN: 0.3,
}
ENDED = {Legal.TERMINATED, Legal.EXPIRED, Legal.SUPERSEDED}
IN_EFFECT = {Legal.IN_FORCE, Legal.SUSPENDED} | ENDED


@dataclass(slots=True, eq=False)
class Earlier:
    """A document a later one of the same pair may amend, implement or supersede."""

    document: models.Document
    signed_on: datetime.date
    kind: str
    legal_status: str
    subject: str


class DocumentPlanner:
    """Adds each document, in the order signed, with its parties, sources, titles,
    topics and relation to an earlier document.

    A relation points to one of the last documents of the same pair of countries;
    one that supersedes an earlier document ends it (``superseded`` collects those
    already written, for an update).
    """

    def __init__(self, draws, *, cast, topics):
        self.draws = draws
        self.rng = draws.rng
        self.chance = draws.chance
        self.cast = cast
        self.topics = topics  # {slug: Topic}
        self.history = defaultdict(lambda: deque(maxlen=HISTORY_PER_PAIR))
        text = self.text = load("documents")
        self.kind_titles = {DocKind(k): v for k, v in text["kind_titles"]["en"].items()}
        topic_data = load("topics")
        topic_weights = {
            slug: topic_data["weights"].get(slug, 2) for slug in sorted(topics)
        }
        self.topic_choice = Weighted(topic_weights)
        self.state_topic_choice = Weighted(
            {s: w for s, w in topic_data["state_weights"].items() if s in topics}
            or topic_weights
        )
        self.topic_texts = topic_data["texts"]
        self.generic_topic = topic_data["generic"]
        self.focuses = topic_data["focuses"]
        mixes = {
            mix: weighted(weights, DocKind) for mix, weights in text["kinds"].items()
        }
        self.standalone_kinds = mixes["standalone"]
        self.kinds_at = {
            EventKind(kind): mixes[spec["documents"]]
            for kind, spec in load("events")["kinds"].items()
        }
        self.legal_choices = {
            DocKind(kind): weighted(weights, Legal)
            for kind, weights in text["legal_status"].items()
        }
        self.follow_up_choices = {
            name: weighted(weights, FollowUp)
            for name, weights in text["follow_up"].items()
        }
        self.relation_rules = {
            DocKind(kind): (
                rule["chance"],
                RelKind(rule["kind"]),
                tuple(DocKind(target) for target in rule["targets"]),
            )
            for kind, rule in text["relations"].items()
        }
        self.confidence = weighted(text["confidence"]["document"], Confidence)
        self.event_confidence = weighted(text["confidence"]["event"], Confidence)

    def add(self, rows, superseded, *, plan, event_plan, number):
        """Add document ``number`` and its parties, sources... to ``rows``.

        Returns the document, its signatory bodies and its topic's field, for its
        follow-up.
        """
        rng, chance, draws = self.rng, self.chance, self.draws
        day = plan.signed_on
        if event_plan is None:
            kind_choice = self.standalone_kinds
        else:
            kind_choice = self.kinds_at[event_plan.kind]
        kind = draws.choose("document kind", kind_choice)
        topic, signers = self.pick_signers(plan, kind, event_plan)
        text = self.topic_texts.get(topic, self.generic_topic)
        history = self.history[tuple(sorted((plan.first, plan.second)))]
        relation = self.pick_relation(history, kind, day)

        # Title: names as the bodies were called on the day of signing.
        names = [self.cast.title_name(signer, day) for signer in signers]
        between = " and ".join((", ".join(names[:-1]), names[-1]))
        subject = rng.choice(text["subjects"])
        validity = self.plan_validity(kind, day)
        title = self.document_title(kind, between, subject, text, relation, validity)

        legal_status, entered, ended, valid_from, valid_until, note = self.plan_status(
            kind, day, validity
        )
        if kind in (DocKind.JOINT_STATEMENT, DocKind.DECLARATION):
            follow_up = "statement"
        elif legal_status in ENDED:
            follow_up = "ended"
        elif (TODAY - day).days < 730:
            follow_up = "recent"
        else:
            follow_up = "older"
        follow_up_status = draws.choose("follow-up", self.follow_up_choices[follow_up])

        if event_plan is not None:
            signed_city = event_plan.event.city
            signed_country = event_plan.event.country_id
            event_confidence = self.event_confidence.pick(rng)
        else:
            host = plan.first if chance(0.6) else plan.second
            signed_city = self.cast.city(host)
            signed_country = self.cast.countries[host].pk
            event_confidence = ""
            if chance(0.05):  # the place was not reported
                signed_city, signed_country = "", None
        created = datetime.datetime.combine(
            draws.days_after(day, 0, 90), datetime.time(9), tzinfo=datetime.UTC
        )
        summary = ""
        if chance(0.9):
            first, second = rng.sample(self.focuses, 2)
            summary = self.text["summary"].format(
                kind=self.kind_titles[kind], subject=subject, first=first, second=second
            )
        kind_slug = kind.replace("_", "-")
        document = models.Document(
            title=title,
            title_key=normalised(title),  # bulk_create sends no pre_save
            slug=(
                f"{DEMO_PREFIX}{kind_slug}-{plan.first.lower()}-"
                f"{plan.second.lower()}-{day.isoformat()}-{number}"
            ),
            kind=kind,
            event=event_plan.event if event_plan else None,
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
        rows["documents"].append(document)
        history.append(Earlier(document, day, kind, legal_status, subject))

        # Topics: the main one and sometimes one or two more.
        chosen = [topic] if topic in self.topics else []
        for _ in range(rng.choice((0, 0, 1, 2))):
            extra = self.topic_choice.pick(rng)
            if extra not in chosen:
                chosen.append(extra)
        for slug in chosen:
            rows["document topics"].append(
                models.Document.topics.through(
                    document=document, topic_id=self.topics[slug].pk
                )
            )

        sources = self.add_sources(rows, document, plan, event_plan, kind, subject)
        self.add_parties(rows, document, signers, sources)
        if relation is not None:
            self.add_relation(rows, document, relation, sources, superseded)
        # A Russian title for some, as Adilet-style registers keep them.
        if chance(0.25):
            rows["titles"].append(
                models.DocumentTitle(
                    document=document,
                    language=models.DocumentTitle.Language.RUSSIAN,
                    title=self.text["russian_title"].format(
                        kind=self.text["kind_titles"]["ru"][kind], field=text["ru"]
                    ),
                    is_official=chance(0.7),
                )
            )
        return document, [signer.body for signer in signers], text["field"]

    def pick_signers(self, plan, kind, event_plan):
        """The topic, and the bodies that sign: their level follows the kind."""
        rng, chance, cast = self.rng, self.chance, self.cast
        if kind in SIGNING_LEVELS:
            topic = self.state_topic_choice.pick(rng)
            kinds = (rng.choice(SIGNING_LEVELS[kind]),)
        else:
            topic = self.topic_choice.pick(rng)
            if chance(GOVERNMENT_SHARE.get(kind, 0)):
                kinds = (BodyKind.GOVERNMENT,)
            elif kind in (DocKind.MEMORANDUM, DocKind.OTHER):
                forum = event_plan is not None and event_plan.kind == EventKind.FORUM
                kinds = BUSINESS_BODIES if forum and chance(0.7) else ANY_BODIES
            else:
                kinds = TOPIC_BODIES
        first = cast.pick_body(plan.first, kinds, topic)
        second = cast.pick_body(plan.second, kinds, topic, like=first.kind)
        signers = [first, second]
        if chance(THIRD_PARTY_SHARE):
            code = rng.choice((plan.first, plan.second, cast.any_choice.pick(rng)))
            third = cast.pick_body(code, kinds, topic, exclude=signers)
            if third is not None:
                signers.append(third)
        return topic, signers

    def pick_relation(self, history, kind, day):
        """``(relation kind, Earlier)`` to an earlier document of the pair, or None."""
        if not history:
            return None
        relation = None
        probability, relation_kind, targets = self.relation_rules.get(
            kind, (0, None, ())
        )
        if self.chance(probability):
            relation = self.pick_target(history, day, relation_kind, targets)
        if relation is None and self.chance(RELATION_EXTRA):
            relation = self.pick_target(
                history,
                day,
                self.rng.choice((RelKind.REFERS_TO, RelKind.EXTENDS)),
                tuple(DocKind.values),
            )
        return relation

    def pick_target(self, history, day, relation_kind, targets):
        """An earlier document of the pair, signed before ``day``, to point to."""
        candidates = [
            earlier
            for earlier in history
            if earlier.signed_on < day
            and earlier.kind in targets
            and (
                relation_kind != RelKind.SUPERSEDES
                or earlier.legal_status in (Legal.SIGNED, Legal.IN_FORCE)
            )
        ]
        if not candidates:
            return None
        return relation_kind, self.rng.choice(candidates)

    def add_sources(self, rows, document, plan, event_plan, kind, subject):
        """The event's report, and often a report of this document alone.

        Returns ``[(source, claim, confidence)]``; the confidence of the event's
        report follows how sure the document's place in the event is.
        """
        rng, chance = self.rng, self.chance
        sources = []
        if event_plan is not None and event_plan.sources and chance(0.9):
            sources.append(
                (
                    event_plan.sources[0],
                    "signing",
                    document.event_confidence or Confidence.REPORTED,
                )
            )
        if chance(0.85 if event_plan is None else 0.35):
            own = self.cast.new_source(
                rows,
                code=rng.choice((plan.first, plan.second)),
                title=self.text["source_title"].format(
                    first=capfirst(self.cast.country_phrase(plan.first)),
                    second=self.cast.country_phrase(plan.second),
                    kind=self.kind_titles[kind].lower(),
                    subject=subject,
                ),
                day=document.signed_on,
            )
            sources.append((own, rng.choice(("signing", "text")), None))
            if chance(0.2):
                sources.append((own, "date", None))
        for source, claim, confidence in sources:
            rows["document sources"].append(
                models.DocumentCitation(
                    document=document,
                    source=source,
                    claim=claim,
                    confidence=confidence
                    or self.draws.choose("confidence", self.confidence),
                )
            )
        return sources

    def add_parties(self, rows, document, signers, sources):
        """Parties and their signatories, as far as the sources name them."""
        chance = self.chance
        day = document.signed_on
        for order, signer in enumerate(signers, start=1):
            name, position = signer.head_on(day), signer.position
            if chance(DEPUTY_SIGNS) and signer.kind != BodyKind.STATE:
                name = self.cast.person(signer.country)
                position = load("bodies")["deputy"].format(position=position)
            if chance(SIGNATORY_UNKNOWN):
                name = ""
                position = "" if chance(0.5) else position
            elif chance(POSITION_UNKNOWN):
                position = ""
            party = models.Party(
                document=document,
                body_id=signer.body.pk,
                order=order,
                signatory_name=name,
                signatory_position=position,
            )
            rows["parties"].append(party)
            if name and sources and chance(0.15):
                rows["signature sources"].append(
                    models.PartyCitation(
                        party=party,
                        source=sources[-1][0],
                        claim="signatory",
                        confidence=self.draws.choose("confidence", self.confidence),
                    )
                )

    def add_relation(self, rows, document, relation, sources, superseded):
        """The link to an earlier document; one superseded ends that day."""
        relation_kind, earlier = relation
        target = earlier.document
        if relation_kind == RelKind.SUPERSEDES:
            earlier.legal_status = Legal.SUPERSEDED
            target.legal_status = Legal.SUPERSEDED
            target.ended_on = document.signed_on
            if target.pk is not None:  # written with an earlier batch
                superseded.append(target)
        rows["relations"].append(
            models.Relation(
                from_document=document,
                kind=relation_kind,
                to_document=target,
                confidence=self.draws.choose("confidence", self.confidence),
                source=sources[-1][0] if sources and self.chance(0.5) else None,
            )
        )

    def plan_validity(self, kind, day):
        """(valid_from, valid_until, note) for documents concluded for a term."""
        rng, chance = self.rng, self.chance
        if kind in (DocKind.PROGRAMME, DocKind.ACTION_PLAN):
            first_year = day.year + (1 if chance(0.4) else 0)
            last_year = first_year + rng.randint(1, 4)
            return (
                datetime.date(first_year, 1, 1),
                datetime.date(last_year, 12, 31),
                self.text["period_note"].format(first=first_year, last=last_year),
            )
        if kind in (DocKind.MEMORANDUM, DocKind.AGREEMENT) and chance(0.3):
            years = rng.choice((3, 5, 5, 10))
            renewed = chance(0.5)
            note = self.text["term_note"].format(years=years)
            return years, renewed, note + (self.text["renewal_note"] if renewed else "")
        return None

    def plan_status(self, kind, day, validity):
        """Legal status and the dates that go with it, always in a valid order."""
        rng, chance, draws = self.rng, self.chance, self.draws
        age_days = (TODAY - day).days
        choices = self.legal_choices[kind]
        allowed = set(choices.weights)
        if age_days < 365:
            allowed -= ENDED
        if age_days < 180:
            allowed.discard(Legal.SUSPENDED)
        legal_status = draws.choose("legal status", choices, allowed)
        entered = None
        if legal_status in IN_EFFECT and kind not in (
            DocKind.JOINT_STATEMENT,
            DocKind.DECLARATION,
        ):
            if kind in (DocKind.TREATY, DocKind.AGREEMENT):
                entered = draws.days_after(day, 30, 700)
            elif chance(0.6):
                entered = day  # "enters into force on the date of signature"
            else:
                entered = draws.days_after(day, 0, 180)
            if chance(0.1):
                entered = None  # in force, but since when was not reported
        valid_from = valid_until = None
        note = ""
        if validity is not None:
            if isinstance(validity[0], datetime.date):
                valid_from, valid_until, note = validity
                # Most programmes that ran their term are recorded as expired.
                lapsed = valid_until < TODAY and chance(0.8)
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
        target = ""
        if relation is not None:
            earlier = relation[1]
            day = earlier.signed_on
            target = self.text["earlier_document"].format(
                kind=self.kind_titles[earlier.kind],
                date=f"{day.day} {self.text['months'][day.month - 1]} {day.year}",
                subject=earlier.subject,
            )
        period = ""
        if validity and isinstance(validity[0], datetime.date):
            period = self.text["period"].format(
                first=validity[0].year, last=validity[1].year
            )
        if target and kind in self.text["titles_to_target"]:
            template = self.text["titles_to_target"][kind]
        elif kind in self.text["titles_on_subject"] and self.chance(0.5):
            template = self.text["titles_on_subject"][kind]
        else:
            template = self.text["titles"][kind]
        if isinstance(template, list):
            template = self.rng.choice(template)
        return template.format(
            between=between,
            subject=subject,
            field=text["field"],
            target=target,
            period=period,
        )


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
