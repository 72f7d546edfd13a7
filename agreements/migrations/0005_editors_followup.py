"""Editors record the follow-up too: they add, change and view actions, their sources
and progress updates, and view the reminders sent (which only the reminder command
writes). Like the register's models in 0002, never delete."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FOLLOW_UP_PERMISSIONS = {
    "action": ("add", "change", "view"),
    "actioncitation": ("add", "change", "view"),
    "progressupdate": ("add", "change", "view"),
    "reminderlog": ("view",),
}


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="agreements",
        codename__in=[
            f"{action}_{model}"
            for model, actions in FOLLOW_UP_PERMISSIONS.items()
            for action in actions
        ],
    )


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    app_config = apps.get_app_config("agreements")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0004_followup"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
