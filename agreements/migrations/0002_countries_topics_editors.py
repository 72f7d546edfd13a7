"""Reference data every register needs: ISO countries, base topics, the Editors group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TOPICS = [
    ("politics", "political cooperation"),
    ("trade", "trade"),
    ("economy", "economy and investment"),
    ("business", "business and SMEs"),
    ("science", "science"),
    ("education", "education"),
    ("youth-sport", "youth and sport"),
    ("media", "media and information"),
    ("culture", "culture"),
    ("transport", "transport and transit"),
    ("telecommunications", "telecommunications"),
    ("energy", "energy"),
    ("agriculture", "agriculture"),
    ("health", "health"),
    ("security", "security and defence"),
    ("diaspora", "diaspora"),
]

# The register's models; Editors add, change and view them, never delete.
REGISTER_MODELS = [
    "country",
    "body",
    "bodyname",
    "source",
    "event",
    "eventcitation",
    "topic",
    "document",
    "documenttitle",
    "documentcitation",
    "party",
    "partycitation",
    "relation",
]


def load_countries(apps, schema_editor):
    from django_countries.data import COUNTRIES

    Country = apps.get_model("agreements", "Country")
    existing = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create(
        Country(code=code, name=str(name))
        for code, name in COUNTRIES.items()
        if code not in existing
    )


def load_topics(apps, schema_editor):
    Topic = apps.get_model("agreements", "Topic")
    for slug, name in TOPICS:
        Topic.objects.get_or_create(slug=slug, defaults={"name": name})


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    app_config = apps.get_app_config("agreements")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    codenames = [
        f"{action}_{model}"
        for model in REGISTER_MODELS
        for action in ("add", "change", "view")
    ]
    editors.permissions.set(
        Permission.objects.filter(
            content_type__app_label="agreements", codename__in=codenames
        )
    )


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_countries, migrations.RunPython.noop),
        migrations.RunPython(load_topics, migrations.RunPython.noop),
        migrations.RunPython(create_editors, remove_editors),
    ]
