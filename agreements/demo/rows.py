"""How demo rows are recognised, counted and deleted, and the search copies kept right.

Every demo row is marked, so a demo can sit beside real data and be removed again:
bodies, events and documents have slugs starting with ``demo-``, sources have URLs
starting with ``https://demo.``; every other demo row belongs to one of those.
"""

import contextlib

from django.db import connection, transaction

from agreements import models, search

DEMO_PREFIX = "demo-"
DEMO_SOURCE_PREFIX = "https://demo."


def demo_counts():
    """How many demo documents, bodies and events the register holds."""
    return {
        "documents": models.Document.objects.filter(
            slug__startswith=DEMO_PREFIX
        ).count(),
        "bodies": models.Body.objects.filter(slug__startswith=DEMO_PREFIX).count(),
        "events": models.Event.objects.filter(slug__startswith=DEMO_PREFIX).count(),
    }


def _demo_deletes():
    """``(label, model, WHERE clause)`` for each table, children before parents."""
    document, action, party, event, body = (
        model._meta.db_table
        for model in (
            models.Document,
            models.Action,
            models.Party,
            models.Event,
            models.Body,
        )
    )
    documents = f"SELECT id FROM {document} WHERE slug LIKE %(prefix)s"
    of_documents = f"document_id IN ({documents})"
    actions = f"action_id IN (SELECT id FROM {action} WHERE {of_documents})"
    return [
        ("progress updates", models.ProgressUpdate, of_documents),
        ("action sources", models.ActionCitation, actions),
        ("responsible bodies", models.Action.responsible_bodies.through, actions),
        ("actions", models.Action, of_documents),
        (
            "relations",
            models.Relation,
            f"from_document_id IN ({documents}) OR to_document_id IN ({documents})",
        ),
        (
            "signature sources",
            models.PartyCitation,
            f"party_id IN (SELECT id FROM {party} WHERE {of_documents})",
        ),
        ("document sources", models.DocumentCitation, of_documents),
        ("document topics", models.Document.topics.through, of_documents),
        ("parties", models.Party, of_documents),
        ("titles", models.DocumentTitle, of_documents),
        ("documents", models.Document, "slug LIKE %(prefix)s"),
        (
            "event sources",
            models.EventCitation,
            f"event_id IN (SELECT id FROM {event} WHERE slug LIKE %(prefix)s)",
        ),
        ("events", models.Event, "slug LIKE %(prefix)s"),
        (
            "former names",
            models.BodyName,
            f"body_id IN (SELECT id FROM {body} WHERE slug LIKE %(prefix)s)",
        ),
        ("bodies", models.Body, "slug LIKE %(prefix)s"),
        ("sources", models.Source, "url LIKE %(source_prefix)s"),
    ]


def delete_demo_register():
    """Delete every demo row, leaving other data alone; returns rows per table.

    ``QuerySet.delete()`` would load every row to send the signals history listens
    to, far too slow for a large demo; the demo was saved without history, so
    it is deleted without it too: one ``DELETE`` per table, in one transaction.
    """
    prefixes = {"prefix": f"{DEMO_PREFIX}%", "source_prefix": f"{DEMO_SOURCE_PREFIX}%"}
    deleted = {}
    with (
        search_triggers_suspended(),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        for label, model, where in _demo_deletes():
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE {where}", prefixes
            )
            deleted[label] = cursor.rowcount
    return deleted


@contextlib.contextmanager
def search_triggers_suspended():
    """Hold off the search triggers during a bulk write; refresh the copies after.

    The triggers (``agreements.search``) recompute a document's search copy as its
    parties and titles are written, several times per document (SQLite: for every
    row); during a load that is much of the time spent. They are dropped for the load
    and put back after, which refreshes every document's copy in one statement, even
    if the load fails. (If the process is killed, the next ``migrate`` puts them back.)
    Searches made meanwhile may miss documents or fail.

    PostgreSQL cannot rebuild the search index inside a transaction that holds deferred
    foreign-key checks (a test's, say): there the triggers stay on, and keep the copies
    right as rows are written.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        yield
        return
    search.remove_search_triggers(connection)
    try:
        yield
    finally:
        search.install_search_triggers(connection)
