"""Factories for the follow-up models (to be merged into ``tests/factories.py``).

Dates follow the document's signature, so a factory-made action or update never
breaks the "not before the signature" rules, whatever date the document has.
"""

import datetime

import factory

from agreements import models
from tests.factories import BodyFactory, DocumentFactory, SourceFactory


class ActionFactory(factory.django.DjangoModelFactory):
    """A planned action due 90 days after signature, with one responsible body.

    ``responsible_bodies=[...]`` sets the bodies; ``done=True`` makes it done on its
    due date. Status changes in the code go through ``record_update``: the factory
    sets them directly only to arrange a test.
    """

    class Meta:
        model = models.Action

    document = factory.SubFactory(DocumentFactory)
    slug = factory.Sequence(lambda n: f"action-{n}")
    title = factory.Sequence(lambda n: f"Hold joint working group meeting No. {n}")
    description = "Convene the working group the document sets up."
    focal_person = factory.Sequence(lambda n: f"Focal Person {n}")
    contact_email = factory.Sequence(lambda n: f"focal{n}@ministry.example.org")
    due_on = factory.LazyAttribute(
        lambda o: o.document.signed_on + datetime.timedelta(days=90)
    )
    status = models.Action.Status.PLANNED
    completed_on = None

    class Params:
        done = factory.Trait(
            status=models.Action.Status.DONE,
            completed_on=factory.LazyAttribute(
                lambda o: o.due_on or o.document.signed_on
            ),
        )

    @factory.post_generation
    def responsible_bodies(self, create, extracted, **kwargs):
        if not create:
            return
        self.responsible_bodies.set(extracted if extracted else [BodyFactory()])


class ActionCitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActionCitation

    action = factory.SubFactory(ActionFactory)
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.CONFIRMED
    claim = "due date"


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    """A document update, or an action update when ``action=`` is given.

    Arranges a row for a test; code records updates through ``record_update``.
    """

    class Meta:
        model = models.ProgressUpdate

    action = None
    document = factory.Maybe(
        "action",
        yes_declaration=factory.SelfAttribute("action.document"),
        no_declaration=factory.SubFactory(DocumentFactory),
    )
    happened_on = factory.LazyAttribute(
        lambda o: o.document.signed_on + datetime.timedelta(days=30)
    )
    title = factory.Sequence(lambda n: f"Working group meeting No. {n} held")
    text = "The working group met and agreed its work plan."
    status_before = factory.Maybe(
        "action",
        yes_declaration=models.Action.Status.PLANNED,
        no_declaration=models.Document.FollowUpStatus.NOT_STARTED,
    )
    status_after = factory.Maybe(
        "action",
        yes_declaration=models.Action.Status.IN_PROGRESS,
        no_declaration=models.Document.FollowUpStatus.IN_PROGRESS,
    )
    source = factory.SubFactory(SourceFactory)
    confidence = models.Confidence.CONFIRMED


class ReminderLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReminderLog

    recipient = factory.Sequence(lambda n: f"focal{n}@ministry.example.org")
    sent_on = datetime.date(2026, 11, 2)
