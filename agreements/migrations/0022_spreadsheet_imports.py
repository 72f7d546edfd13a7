"""Spreadsheet imports are kept: each file checked in the admin, its rows' result and
whether it was imported. Editors and Publishers, who import, see the list."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def _view(apps):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="agreements", codename="view_spreadsheetimport"
    )


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    app_config = apps.get_app_config("agreements")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=("Editors", "Publishers")):
        group.permissions.add(*_view(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=("Editors", "Publishers")):
        group.permissions.remove(*_view(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0021_source_listed_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="SpreadsheetImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "model",
                    models.CharField(
                        editable=False, max_length=100, verbose_name="records"
                    ),
                ),
                (
                    "file_name",
                    models.CharField(
                        editable=False, max_length=255, verbose_name="file"
                    ),
                ),
                ("confirm_data", models.JSONField(default=dict, editable=False)),
                (
                    "checked_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="checked",
                    ),
                ),
                (
                    "imported_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="imported"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("checked", "checked, not yet imported"),
                            ("refused", "refused: rows with errors"),
                            ("imported", "imported"),
                        ],
                        editable=False,
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                (
                    "totals",
                    models.JSONField(default=dict, editable=False, verbose_name="rows"),
                ),
                ("file_errors", models.JSONField(default=list, editable=False)),
                ("rows", models.JSONField(default=list, editable=False)),
                (
                    "user",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="checked by",
                    ),
                ),
            ],
            options={
                "verbose_name": "spreadsheet import",
                "verbose_name_plural": "spreadsheet imports",
                "ordering": ("-checked_at", "-id"),
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
