"""The demo's follow-up: a document's actions and the updates that record progress."""

import datetime
import functools

from django.utils.text import slugify

from agreements import models

from .draws import TODAY, load, weighted

ActionStatus = models.Action.Status
FollowUp = models.Document.FollowUpStatus

# Share of open actions whose deadline was (re)set around the reference day, so that
# the dashboard has overdue actions and actions due soon whatever the signature date.
RESCHEDULED = 0.3

# Action titles and focal people repeat a lot: each is slugified once.
slug_of = functools.lru_cache(maxsize=8192)(slugify)


class FollowUpPlanner:
    """Adds a document's actions, their responsible bodies and its progress updates.

    Every date lies between the signature and ``TODAY``; a done action's completion
    date is its last update's; the document's last status change leaves it at its
    follow-up status. Draws from its own generator, so that the rest of the register
    is the same with or without follow-up.
    """

    def __init__(self, rng):
        self.rng = rng
        data = self.data = load("followup")
        self.due_past = weighted(data["action_status"]["due_past"], ActionStatus)
        self.due_later = weighted(data["action_status"]["due_later"], ActionStatus)
        self.statuses_for = {
            FollowUp(status): {ActionStatus(value) for value in values}
            for status, values in data["action_statuses_for"].items()
        }
        self.confidence = weighted(
            load("documents")["confidence"]["document"], models.Confidence
        )
        people = load("countries")["people"]
        kazakh, post_soviet = people["kazakh"], people["post_soviet"]
        self.first_names = kazakh["men"] + kazakh["women"] + post_soviet["women"]
        self.last_names = kazakh["surnames"] + post_soviet["surnames"]

    def add(self, rows, *, document, bodies, field):
        """Add the follow-up of ``document`` to ``rows``.

        The document is saved already; ``bodies`` are its signatories, ``field`` the
        field of its topic.
        """
        rng, data = self.rng, self.data
        signed = document.signed_on
        allowed = self.statuses_for.get(document.follow_up_status)
        titles = rng.sample(data["titles"], rng.choice(data["per_document"]))
        updates = []  # (day, title, action, before, after)
        for number, template in enumerate(titles, start=1):
            title = template.format(field=field)
            due = signed + datetime.timedelta(days=rng.randint(30, 900))
            weights = self.due_past if due <= TODAY else self.due_later
            status = (weights.only(allowed) if allowed else weights).pick(rng)
            if status in models.Action.OPEN_STATUSES and rng.random() < RESCHEDULED:
                due = max(signed, TODAY + datetime.timedelta(rng.randint(-90, 60)))
            steps = self.action_steps(status, signed, due)
            person = f"{rng.choice(self.first_names)} {rng.choice(self.last_names)}"
            action = models.Action(
                document_id=document.pk,
                slug=f"{number}-{slug_of(title)}"[:120].rstrip("-"),
                title=title,
                description=rng.choice(data["descriptions"]),
                clause=(
                    clause := f"Article {rng.randint(2, 9)}"
                    if rng.random() < 0.6
                    else ""
                ),
                focal_person=person,
                contact_email=(
                    f"{slug_of(person).replace('-', '.')}@{bodies[0].slug}.example.org"
                ),
                due_on=(due := due if rng.random() < 0.92 else None),
                due_kind=self.date_kind(number, due, clause),
                basis=self.basis(number, clause),
                status=status,
                completed_on=steps[-1][0] if status == ActionStatus.DONE else None,
                created_at=datetime.datetime.combine(
                    signed, datetime.time(10), tzinfo=datetime.UTC
                ),
            )
            rows["actions"].append(action)
            for body in rng.sample(bodies, 2 if rng.random() < 0.35 else 1):
                rows["responsible bodies"].append(
                    models.Action.responsible_bodies.through(
                        action=action, body_id=body.pk
                    )
                )
            for day, before, after in steps:
                step_title = data["action_step_titles"][after].format(title=title)
                updates.append((day, step_title, action, before, after))

        status = document.follow_up_status
        steps = data["document_steps"].get(status, ())
        days = self.dates_between(signed, TODAY, len(steps))
        for day, (before, after) in zip(days, steps, strict=True):
            title = data["document_step_titles"][after]
            updates.append((day, title, None, before, after))
        # Notes without a change of status, dated after the last change.
        last = days[-1] if days else signed
        notes = rng.sample(data["document_notes"], rng.choice((0, 0, 0, 1)))
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
            rows["progress updates"].append(
                models.ProgressUpdate(
                    document_id=document.pk,
                    action=action,
                    happened_on=day,
                    date_precision=precision,
                    title=title,
                    status_before=before,
                    status_after=after,
                    confidence=self.confidence.pick(rng),
                    created_at=datetime.datetime.combine(
                        day, datetime.time(12), tzinfo=datetime.UTC
                    ),
                )
            )

    @staticmethod
    def basis(number, clause):
        """Quoted when a clause is named; otherwise mostly reported, every fourth
        linked by the register (no draw from the generator: the rest stays as it
        was)."""
        if clause:
            return models.Basis.QUOTED
        return models.Basis.INFERRED if number % 4 == 0 else models.Basis.REPORTED

    @staticmethod
    def date_kind(number, due, clause):
        """A clause's date is its deadline; others are plans, every third a
        forecast."""
        if due is None:
            return ""
        if clause:
            return models.DateKind.DEADLINE
        return models.DateKind.FORECAST if number % 3 == 0 else models.DateKind.PLAN

    def action_steps(self, status, signed, due):
        """The (day, before, after) updates that took an action to ``status``."""
        rng = self.rng
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
            start + datetime.timedelta(self.rng.randint(0, span)) for _ in range(count)
        )
