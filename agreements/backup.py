"""Backup and restore of the register (``backup_register``, ``restore_register``).

A backup is one Django JSON fixture that ``loaddata`` reads, holding:

- every model of the ``agreements`` app: the register, the follow-up, the reminder log
  and the change history that django-simple-history keeps for them;
- the user accounts (with password hashes: keep backups private), the groups and their
  permissions, and the admin's log of actions.

Left out: sessions, django-axes' login attempts, content types and permissions
(``migrate`` recreates them).

Why rows keep their ids: history records and the admin's log point at the records they
describe by id, and those may be long deleted, so they cannot be rewritten as natural
keys. A restore therefore goes into an empty database, where every id is free. Only
references that differ between databases are written as natural keys: content types and
permissions (created by ``migrate``), and countries, topics and groups, which data
migrations create and which the dump carries without ids, so that a restore matches them
by code, slug or name.
"""

import datetime

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db.models import Prefetch

from agreements.models import Country, Topic

#: Rows that migrations create: dumped without ids, matched by natural key on restore.
MERGED_MODELS = (Country, Topic, Group)
#: Rows that migrations create and the dump leaves out: referenced by natural key.
REFERENCED_MODELS = (ContentType, Permission)


def backup_models():
    """Every model a backup holds, in an order ``loaddata`` can follow."""
    register = [
        model
        for model in apps.get_app_config("agreements").get_models()
        if model._meta.managed and not model._meta.proxy
    ]
    app_list = [
        (apps.get_app_config("agreements"), register),
        (apps.get_app_config("auth"), [Group, get_user_model()]),
        (apps.get_app_config("admin"), [LogEntry]),
    ]
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def occupied_models():
    """``{verbose name plural: count}`` of the backed-up tables that hold rows.

    Countries, topics and groups do not count: migrations fill them.
    """
    occupied = {}
    for model in backup_models():
        if model in MERGED_MODELS:
            continue
        count = model._default_manager.count()
        if count:
            occupied[str(model._meta.verbose_name_plural)] = count
    return occupied


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder stops at milliseconds, which would
    change every timestamp (history dates, created_at) on a round trip."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return (
                text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
            )
        return super().default(o)


class BackupSerializer(JSONSerializer):
    """Django's JSON serializer, with natural keys only where ids differ between
    databases (see the module docstring).

    Natural keys come from an in-memory map of the few small tables that use them, so
    a reference costs no query, and a history record that points at a row deleted
    since keeps the bare id instead of failing.
    """

    def start_serialization(self):
        super().start_serialization()
        self.natural_keys = {
            model: {
                obj.pk: obj.natural_key()
                for obj in model._default_manager.all()
                .select_related(*(["content_type"] if model is Permission else []))
                .iterator()
            }
            for model in (*MERGED_MODELS, *REFERENCED_MODELS)
        }

    def get_dump_object(self, obj):
        data = {"model": str(obj._meta)}
        if obj._meta.concrete_model not in MERGED_MODELS:
            data["pk"] = self._value_from_field(obj, obj._meta.pk)
        data["fields"] = self._current
        return data

    def _reference(self, model, pk):
        if pk is None:
            return None
        return self.natural_keys.get(model, {}).get(pk, pk)

    def handle_fk_field(self, obj, field):
        value = getattr(obj, field.attname)
        self._current[field.name] = self._reference(field.remote_field.model, value)

    def handle_m2m_field(self, obj, field):
        if not field.remote_field.through._meta.auto_created:
            return  # an explicit through model is dumped on its own
        model = field.remote_field.model
        pks = sorted(related.pk for related in getattr(obj, field.name).all())
        self._current[field.name] = [self._reference(model, pk) for pk in pks]


def backup_objects(model):
    """The rows of ``model``, many-to-many ids prefetched, streamed in chunks."""
    m2m = [
        Prefetch(field.name, queryset=field.remote_field.model.objects.only("pk"))
        for field in model._meta.many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    queryset = model._base_manager.order_by(model._meta.pk.name)
    return queryset.prefetch_related(*m2m).iterator(chunk_size=2000)


def write_backup(stream):
    """Serialize every backed-up model to ``stream``; ``{model label: rows}``."""
    counts = {}

    def objects():
        for model in backup_models():
            counts[model._meta.label] = 0
            for obj in backup_objects(model):
                counts[model._meta.label] += 1
                yield obj

    BackupSerializer().serialize(objects(), stream=stream, cls=ExactJSONEncoder)
    return counts
