"""Follow-up: what happens after a document is signed.

- ``services``: the writes (every status change is a recorded progress update);
- ``selectors``: the reads computed in the database;
- ``reminders`` and ``calendar``: the digests and the iCalendar feed;
- ``views`` and ``urls``: the public dashboard under ``/follow-up/``.

Its models live in ``agreements.models.followup`` (actions, reminders) and
``agreements.models.updates`` (progress updates).
"""
