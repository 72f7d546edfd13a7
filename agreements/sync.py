"""Bring a fixture into a register in use (``manage.py sync_fixture``).

``loaddata`` is for an empty database (``bootstrap``): it writes every row of the
fixture over the register's, so on a register in use it would publish again what a
publisher withdrew, undo staff edits and leave no history. ``sync_fixture`` compares
instead, record by record, matched on natural keys:

- a record the register lacks is added (documents and events as drafts, unless
  ``publish_new``: then those the fixture publishes are published through
  ``services.set_published``, with their history entry);
- a record that differs is reported and kept as the register has it (staff may have
  corrected it), unless ``overwrite``: then the fields that differ are written
  through the model, so django-simple-history records the change with the reason
  "sync_fixture <fixture>", and a versioned record's version moves, so a form
  opened before is refused;
- publication (``is_published``, ``published_by``, ``published_at``) and the
  statuses only ``agreements.followup.record_update`` may change (a document's
  follow-up status, an action's status and completion date) are never changed on
  a record the register has: they are reported when they differ;
- nothing is deleted: what the register has beyond the fixture is its own.

Everything runs in one transaction; without ``apply`` it is rolled back, so a dry run
reports exactly what ``apply`` would write, and writes nothing.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import models, transaction

from .services import bump_version, set_published

#: Publication state: settled by publishers (``agreements.services``) alone.
PUBLICATION_FIELDS = ("is_published", "published_by", "published_at")
#: Statuses only ``record_update`` changes, each with a dated progress update.
STATUS_FIELDS = {
    "agreements.document": ("follow_up_status",),
    "agreements.action": ("status", "completed_on"),
}


class SyncError(Exception):
    """The fixture cannot be brought in (not found, not valid for the register)."""


@dataclass
class SyncReport:
    """What a sync found, record by record (labels are model and natural key)."""

    fixture: str
    applied: bool
    added: list[str] = field(default_factory=list)
    #: (label, [(field, register's value, fixture's value)]) kept as the register has
    differing: list[tuple[str, list]] = field(default_factory=list)
    overwritten: list[tuple[str, list]] = field(default_factory=list)
    #: publication or record_update statuses that differ, always kept
    held: list[tuple[str, list]] = field(default_factory=list)
    #: added records that are documents or events, unpublished
    drafts: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    unchanged: int = 0


def find_fixture(name: str) -> Path:
    """``name`` as a path, or ``<name>.json`` in FIXTURE_DIRS or an app's fixtures/."""
    path = Path(name)
    if path.is_file():
        return path
    filename = name if name.endswith(".json") else f"{name}.json"
    folders = [Path(folder) for folder in settings.FIXTURE_DIRS]
    folders += [Path(config.path) / "fixtures" for config in apps.get_app_configs()]
    for folder in folders:
        if (folder / filename).is_file():
            return folder / filename
    raise SyncError(f"No fixture named {name!r} (looked for {filename} in {folders}).")


def kept_fields(model: type[models.Model]) -> set[str]:
    """Fields a sync never changes on a record the register has."""
    names = {f.name for f in model._meta.concrete_fields}
    return (set(PUBLICATION_FIELDS) & names) | set(
        STATUS_FIELDS.get(model._meta.label_lower, ())
    )


def label(instance: models.Model) -> str:
    key = "/".join(str(part) for part in instance.natural_key())
    return f"{instance._meta.label_lower} {key}"


def _compared(model, present):
    """The fields the fixture gives that staff edit: not the key, not bookkeeping
    (``created_at``, ``updated_at``, ``version`` are not editable)."""
    kept = kept_fields(model)
    return [
        f
        for f in model._meta.concrete_fields
        if f.name in present
        and f.editable
        and f.serialize
        and not f.primary_key
        and f.name not in kept
    ]


def _differences(fields, current, incoming):
    return [
        (f.name, getattr(current, f.attname), getattr(incoming, f.attname))
        for f in fields
        if getattr(current, f.attname) != getattr(incoming, f.attname)
    ]


def _m2m_differences(current, m2m_data):
    found = []
    for name, pks in m2m_data.items():
        related = getattr(current, name)
        stored = set(related.values_list("pk", flat=True))
        if stored != set(pks):
            named = related.model._default_manager.filter(pk__in=set(pks))
            found.append(
                (name, sorted(map(str, related.all())), sorted(map(str, named)))
            )
    return found


class _Sync:
    def __init__(self, *, report, reason, overwrite, publish_new):
        self.report = report
        self.reason = reason
        self.overwrite = overwrite
        self.publish_new = publish_new
        self.to_publish = {}

    def record(self, entry, item):
        incoming = item.object
        model = type(incoming)
        if not hasattr(incoming, "natural_key"):
            raise SyncError(f"{model._meta.label_lower} has no natural key.")
        if incoming.pk is None:
            self.add(model, incoming, item.m2m_data)
            return
        current = model._default_manager.select_for_update().get(pk=incoming.pk)
        present = set(entry["fields"])
        changes = _differences(_compared(model, present), current, incoming)
        changes += _m2m_differences(current, item.m2m_data)
        kept = kept_fields(model) & present
        held = _differences(
            [f for f in model._meta.concrete_fields if f.name in kept],
            current,
            incoming,
        )
        if held:
            self.report.held.append((label(current), held))
        if not changes:
            self.report.unchanged += 1
        elif not self.overwrite:
            self.report.differing.append((label(current), changes))
        else:
            self.write(model, current, incoming, changes, item.m2m_data)
            self.report.overwritten.append((label(current), changes))

    def add(self, model, incoming, m2m_data):
        names = {f.name for f in model._meta.concrete_fields}
        if "is_published" in names:
            if self.publish_new and incoming.is_published:
                self.to_publish.setdefault(model, []).append(incoming)
            incoming.is_published = False
            incoming.published_by = None
            incoming.published_at = None
        incoming.full_clean()
        incoming._change_reason = self.reason
        incoming.save()
        for name, pks in m2m_data.items():
            getattr(incoming, name).set(pks)
        self.report.added.append(label(incoming))
        if "is_published" in names:
            self.report.drafts.append(label(incoming))

    def write(self, model, current, incoming, changes, m2m_data):
        fields = {f.name: f for f in model._meta.concrete_fields}
        for name, _stored, _incoming in changes:
            if name in fields:
                attname = fields[name].attname
                setattr(current, attname, getattr(incoming, attname))
        current.full_clean()
        # django-simple-history's documented way to give a save its reason.
        current._change_reason = self.reason
        current.save()
        for name, _stored, _incoming in changes:
            if name in m2m_data:
                getattr(current, name).set(m2m_data[name])
        if "version" in fields:
            bump_version(model=model, pk=current.pk)

    def publish(self):
        for model, records in self.to_publish.items():
            set_published(
                records=model._default_manager.filter(pk__in=[r.pk for r in records]),
                published=True,
                user=None,
            )
            published = [label(record) for record in records]
            self.report.published += published
            self.report.drafts = [d for d in self.report.drafts if d not in published]


def sync_fixture(
    *, path: Path, apply: bool, overwrite: bool = False, publish_new: bool = False
) -> SyncReport:
    """Compare the fixture at ``path`` with the register and, with ``apply``, add
    what is missing and (with ``overwrite``) write what differs (see module doc)."""
    report = SyncReport(fixture=path.stem, applied=apply)
    sync = _Sync(
        report=report,
        reason=f"sync_fixture {path.stem}",
        overwrite=overwrite,
        publish_new=publish_new,
    )
    text = path.read_text()
    entries = json.loads(text)
    try:
        with transaction.atomic():
            pending = []
            items = serializers.deserialize(
                "json", text, handle_forward_references=True
            )
            for entry, item in zip(entries, items, strict=True):
                if item.deferred_fields:  # refers to a record further on
                    pending.append(entry)
                else:
                    sync.record(entry, item)
            for entry in pending:
                (item,) = serializers.deserialize("json", json.dumps([entry]))
                sync.record(entry, item)
            sync.publish()
            if not apply:
                transaction.set_rollback(True)
    except SyncError:
        raise
    except Exception as error:  # invalid for this register: nothing is written
        raise SyncError(f"{path.name}: {error}") from error
    return report
