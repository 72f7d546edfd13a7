"""The staff's daily tool: every record of the register, edited where it belongs.

A document is edited on one page with its parties, relations, sources, titles and
actions; signature sources are edited on the party's own page, linked from the document.
Choices that grow with the data (bodies, events, documents, sources) are autocompletes,
and list filters offer only values that occur, never all 249 countries.

Follow-up statuses (a document's, an action's) are read-only on their forms: they change
only by recording a progress update, through ``agreements.followup`` (the progress
update add page, "mark done" and the "set follow-up status" bulk actions), so each
change is a dated entry naming who recorded it.

Review before publishing: the "published" flag of documents and events is read-only
for anyone without the publish permission (Editors), and ``services.set_publication``
keeps it as stored whatever they post, on the add and change forms (reverting to a
past version is refused for every model);
the publish and unpublish bulk actions are offered to publishers only and refused to
others. No lost edits: documents, events and bodies are edited with optimistic locking
(``VersionedAdminMixin``).
"""

from . import documents, followup, quality, register, texts, updates  # noqa: F401
