"""Backup and restore: dump, flush, restore gives the same register, history included;
a restore never mixes with existing data and loads all or nothing."""

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from agreements.models import (
    Action,
    Country,
    Document,
    Party,
    ProgressUpdate,
    Topic,
)
from tests.factories import ProgressUpdateFactory, TopicFactory, bilateral_document

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
User = get_user_model()

#: Models whose ids differ between databases; compared by natural key.
NATURAL = (Country, Topic, Group, ContentType, Permission)


def compared_models():
    """Everything a backup promises to keep (see agreements.backup)."""
    return [
        *apps.get_app_config("agreements").get_models(),
        User,
        Group,
        LogEntry,
    ]


def reference(model, pk):
    if pk is None or model not in NATURAL:
        return pk
    obj = model._base_manager.filter(pk=pk).first()
    return obj.natural_key() if obj is not None else ("missing", pk)


def canonical():
    """Every row of every kept model, ids of natural-key models replaced by keys."""
    snapshot = {}
    for model in compared_models():
        rows = []
        for obj in model._base_manager.all():
            row = {}
            for field in model._meta.concrete_fields:
                if field.primary_key and model in NATURAL:
                    continue
                value = field.value_from_object(obj)
                if field.is_relation:
                    value = reference(field.related_model, value)
                row[field.attname] = value
            for field in model._meta.many_to_many:
                row[field.name] = sorted(
                    reference(field.related_model, related.pk)
                    for related in getattr(obj, field.name).all()
                )
            rows.append(row)
        snapshot[model._meta.label] = sorted(rows, key=repr)
    return snapshot


def flush():
    """``manage.py flush``, inside the test's transaction."""
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with foreign-key checks still pending (deferred
        # to commit, which a test never reaches): run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def register():
    """The real package and its follow-up, plus what staff add over the years."""
    call_command("loaddata", "kz_az_2023", "kz_az_2023_followup", verbosity=0)
    editor = User.objects.create_user("editor", "editor@example.org", "pw-12345678")
    editor.groups.add(Group.objects.get(name="Editors"))
    editor.user_permissions.add(Permission.objects.get(codename="view_logentry"))
    topic = TopicFactory(slug="space", name="Space")
    document = bilateral_document(countries=("KZ", "TR"), title="Space agreement")
    document.topics.add(topic)
    document.title = "Agreement on cooperation in space"
    document.save()  # a change in the history
    gone = bilateral_document(countries=("AZ", "UZ"), title="Withdrawn draft")
    Party.objects.filter(document=gone).first().delete()  # history of a deleted row
    ProgressUpdateFactory(document=document, recorded_by=editor)
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Document),
        object_id=str(document.pk),
        object_repr=str(document),
        action_flag=CHANGE,
        change_message="Changed title.",
    )
    Country.objects.filter(code="TR").update(name="Türkiye (edited)")
    return document


def test_backup_flush_restore_gives_an_identical_register(register, tmp_path):
    path = tmp_path / "register.json"
    call_command("backup_register", output=str(path), verbosity=0)
    before = canonical()
    assert len(before["agreements.Document"]) == Document.objects.count() > 10
    assert before["agreements.HistoricalDocument"]
    assert before["agreements.HistoricalParty"]
    assert before["agreements.Action"] and before["agreements.ProgressUpdate"]

    flush()
    assert not Document.objects.exists() and not Country.objects.exists()
    call_command("restore_register", str(path), verbosity=0)

    after = canonical()
    assert {label: len(rows) for label, rows in after.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    for label in before:
        assert after[label] == before[label], label
    # Still a working register: new rows get fresh ids, history keeps recording.
    document = Document.objects.get(pk=register.pk)
    versions = document.history.count()
    document.title = "Agreement on cooperation in outer space"
    document.save()
    assert document.history.count() == versions + 1
    assert bilateral_document(title="After the restore").pk > register.pk


def test_the_backup_holds_natural_keys_where_ids_differ(register, tmp_path):
    path = tmp_path / "register.json"
    call_command("backup_register", output=str(path), verbosity=0)
    objects = json.loads(path.read_text())
    countries = [o for o in objects if o["model"] == "agreements.country"]
    assert len(countries) == Country.objects.count()
    assert all("pk" not in o for o in countries)
    documents = {o["pk"]: o for o in objects if o["model"] == "agreements.document"}
    for document in Document.objects.exclude(signed_country=None):
        serialized = documents[document.pk]["fields"]["signed_country"]
        assert serialized == [document.signed_country.code]
    document = documents[register.pk]
    assert ["space"] in document["fields"]["topics"]
    editor = next(o for o in objects if o["model"] == "auth.user")
    assert editor["fields"]["groups"] == [["Editors"]]
    assert editor["fields"]["user_permissions"] == [
        ["view_logentry", "admin", "logentry"]
    ]
    assert not any(o["model"].startswith(("sessions.", "axes.")) for o in objects)


def test_restore_refuses_a_database_that_is_not_empty(register, tmp_path):
    path = tmp_path / "register.json"
    call_command("backup_register", output=str(path), verbosity=0)
    before = canonical()
    with pytest.raises(CommandError, match="The database is not empty") as error:
        call_command("restore_register", str(path), verbosity=0)
    assert f"{Document.objects.count()} documents" in str(error.value)
    assert "manage.py flush" in str(error.value)
    assert canonical() == before


def test_restore_refuses_when_only_users_exist(tmp_path, register):
    path = tmp_path / "register.json"
    call_command("backup_register", output=str(path), verbosity=0)
    flush()
    User.objects.create_user("someone")
    with pytest.raises(CommandError, match="1 users"):
        call_command("restore_register", str(path), verbosity=0)
    assert not Document.objects.exists()


def test_a_truncated_backup_fails_clearly_and_loads_nothing(register, tmp_path):
    path = tmp_path / "register.json"
    call_command("backup_register", output=str(path), verbosity=0)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    flush()
    with pytest.raises(CommandError, match="could not be restored; nothing was"):
        call_command("restore_register", str(path), verbosity=0)
    assert not Country.objects.exists() and not Document.objects.exists()


def test_a_backup_that_fails_at_its_last_object_loads_nothing(register, tmp_path):
    # Everything before the bad object is valid: only a transaction undoes it.
    path = tmp_path / "register.json"
    call_command("backup_register", output=str(path), verbosity=0)
    objects = json.loads(path.read_text())
    last_document = max(
        i for i, o in enumerate(objects) if o["model"] == "agreements.document"
    )
    objects[last_document]["fields"]["signed_on"] = "the tenth of April"
    path.write_text(json.dumps(objects))
    flush()
    with pytest.raises(CommandError, match="nothing was loaded") as error:
        call_command("restore_register", str(path), verbosity=0)
    assert "the tenth of April" in str(error.value)
    assert not Country.objects.exists()
    assert not Action.objects.exists() and not ProgressUpdate.objects.exists()
    assert not User.objects.exists()


def test_restore_of_a_missing_or_empty_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore_register", str(tmp_path / "nope.json"), verbosity=0)
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    flush()
    with (
        pytest.raises(CommandError, match="holds no register"),
        # loaddata's own word on it, before the command's
        pytest.warns(RuntimeWarning, match="No fixture data found"),
    ):
        call_command("restore_register", str(empty), verbosity=0)


def test_backup_is_dated_private_and_never_overwritten(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    call_command("loaddata", "kz_az_2023", verbosity=0)
    call_command("backup_register", verbosity=0)
    (path,) = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"register-\d{8}-\d{6}\.json", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_register", output=str(path), verbosity=0)
    with pytest.raises(CommandError, match="must end in .json"):
        call_command("backup_register", output=str(tmp_path / "x.txt"), verbosity=0)
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [path.name]


def test_make_restore_without_a_file_says_how():
    completed = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "restore"],
        cwd=BASE_DIR,
        env={**os.environ, "FILE": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert "usage: make restore FILE=backups/register-" in completed.stderr
