"""The admin's search of actions and progress updates on PostgreSQL: trigram indexes
over the columns it reads (an action's titles and descriptions in every language, an
update's title), in the form Django's ``icontains`` asks, as 0023 made for sources.

A word found nowhere read every action by substring (300,563 at the bench's size:
0.5 s) and every update with its action's titles (528,627: 0.9 s). With these
indexes the search first asks which rows hold the word, through the indexes, and
stops at a few thousand; a word held by no more than that is then looked up by id
(``agreements.admin.changelists.search_words``).

Without ``pg_trgm`` (0023 could not create it) the indexes are left out, with a
warning; the search works as before.
"""

import warnings

from django.db import migrations

LANGUAGES = ("en_gb", "ru", "kk", "az")
INDEXES = {
    "agreements_action": [f"title_{code}" for code in LANGUAGES]
    + [f"description_{code}" for code in LANGUAGES],
    "agreements_progressupdate": ["title"],
}


def index_name(table, column):
    return f"{table.removeprefix('agreements_')}_{column}_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            warnings.warn(
                "pg_trgm is not installed; the admin's search of actions and "
                "progress updates works without its indexes, more slowly.",
                stacklevel=1,
            )
            return
    for table, columns in INDEXES.items():
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {index_name(table, column)} ON {table} "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )
        schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in INDEXES.items():
        for column in columns:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(table, column)}")


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0023_source_search_trigrams"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
