"""Review before publishing, and no lost edits.

- ``publish_document`` and ``publish_event`` permissions, and a **Publishers** group:
  every permission the Editors group has (as 0002 and 0005 set it) plus those two.
  Editors keep creating and changing records; only Publishers (and superusers) make
  them public or withdraw them.
- Who published a document or event and when (``published_by``, ``published_at``),
  empty while it is unpublished (a named check constraint). Records published before
  this migration keep empty fields: who published them was not recorded.
- A new event is a draft, as a new document already was (``is_published`` default
  False); fixtures and factories name the flag, so they load unchanged.
- ``version`` on documents, events and bodies, for the admin's optimistic locking.

The group step is idempotent (get_or_create, add) and reversible (the group goes;
the permissions go with the Meta option that declared them).
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

PUBLISH_PERMISSIONS = ("publish_document", "publish_event")


def create_publishers(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    app_config = apps.get_app_config("agreements")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    publishers, _ = Group.objects.get_or_create(name="Publishers")
    publishers.permissions.add(
        *editors.permissions.all(),
        *Permission.objects.filter(
            content_type__app_label="agreements", codename__in=PUBLISH_PERMISSIONS
        ),
    )


def remove_publishers(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Publishers").delete()
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="agreements", codename__in=PUBLISH_PERMISSIONS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0005_editors_followup"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="document",
            options={
                "ordering": ("-signed_on", "title"),
                "permissions": [
                    ("publish_document", "Can publish and unpublish documents")
                ],
                "verbose_name": "document",
                "verbose_name_plural": "documents",
            },
        ),
        migrations.AlterModelOptions(
            name="event",
            options={
                "ordering": ("-date", "title"),
                "permissions": [("publish_event", "Can publish and unpublish events")],
                "verbose_name": "event",
                "verbose_name_plural": "events",
            },
        ),
        migrations.AddField(
            model_name="body",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Goes up by one with each save from the admin or a bulk action.",
                verbose_name="version",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was last made public; empty while unpublished.",
                null=True,
                verbose_name="published at",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The publisher who last made it public; empty while unpublished.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="published by",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Goes up by one with each save from the admin or a bulk action.",
                verbose_name="version",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was last made public; empty while unpublished.",
                null=True,
                verbose_name="published at",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The publisher who last made it public; empty while unpublished.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="published by",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Goes up by one with each save from the admin or a bulk action.",
                verbose_name="version",
            ),
        ),
        migrations.AddField(
            model_name="historicaldocument",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was last made public; empty while unpublished.",
                null=True,
                verbose_name="published at",
            ),
        ),
        migrations.AddField(
            model_name="historicaldocument",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The publisher who last made it public; empty while unpublished.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="published by",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was last made public; empty while unpublished.",
                null=True,
                verbose_name="published at",
            ),
        ),
        migrations.AddField(
            model_name="historicalevent",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The publisher who last made it public; empty while unpublished.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="published by",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="is_published",
            field=models.BooleanField(
                default=False,
                help_text="Unpublished records are for staff only; publishers publish.",
                verbose_name="published",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="is_published",
            field=models.BooleanField(
                default=False,
                help_text="Unpublished records are for staff only; publishers publish.",
                verbose_name="published",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldocument",
            name="is_published",
            field=models.BooleanField(
                default=False,
                help_text="Unpublished records are for staff only; publishers publish.",
                verbose_name="published",
            ),
        ),
        migrations.AlterField(
            model_name="historicalevent",
            name="is_published",
            field=models.BooleanField(
                default=False,
                help_text="Unpublished records are for staff only; publishers publish.",
                verbose_name="published",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_published", True),
                    models.Q(
                        ("published_at__isnull", True), ("published_by__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="agreements_document_unpublished_has_no_publisher",
                violation_error_message=(
                    "An unpublished record has no publisher and no publication time."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_published", True),
                    models.Q(
                        ("published_at__isnull", True), ("published_by__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="agreements_event_unpublished_has_no_publisher",
                violation_error_message=(
                    "An unpublished record has no publisher and no publication time."
                ),
            ),
        ),
        migrations.RunPython(create_publishers, remove_publishers),
    ]
