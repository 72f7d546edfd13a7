"""Search: a folded copy of each document's searched words, kept by triggers.

See ``agreements.search`` for why triggers (bulk_create and loaddata skip ``save()``)
and why SQLite and PostgreSQL fold case differently. On PostgreSQL this also makes the
GIN index ``agreements_doc_search`` over the weighted ``search_vector``; on SQLite the
triggers come with the ``post_migrate`` hook in ``agreements.search``.
"""

import django.contrib.postgres.search
from django.db import migrations, models


def install(apps, schema_editor):
    # SQLite: installed after migrate (a post_migrate hook), never while migrations
    # run, since a table rebuilt by a later migration could not be renamed while
    # another table's trigger names it. See agreements.search.
    if schema_editor.connection.vendor == "postgresql":
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
