"""Search: a folded copy of each document's searched words, kept by triggers.

See ``agreements.search`` for why triggers (bulk_create and loaddata skip ``save()``)
and why SQLite and PostgreSQL fold case differently. On PostgreSQL this also makes the
weighted ``search_vector`` and its GIN index ``agreements_doc_search``.
"""

import django.contrib.postgres.search
from django.db import migrations, models


def install(apps, schema_editor):
    from agreements.search import install_search_triggers

    install_search_triggers(schema_editor.connection)


def remove(apps, schema_editor):
    from agreements.search import remove_search_triggers

    remove_search_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_countries_topics_editors"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="search_text",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                serialize=False,
                verbose_name="search text",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, serialize=False, verbose_name="search vector"
            ),
        ),
        migrations.RunPython(install, remove, elidable=False),
    ]
