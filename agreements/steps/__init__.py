"""Each party's legal life (issue 16): its steps, and the document's status from them.

- ``status``: how the legal status follows from the parties' steps and the document's
  rule of entry into force (pure functions), and the services that store it when a
  step is recorded, changed or deleted;
- ``selectors``: the per-party table of the public page and the admin's summary;
- ``queries``: the public list's ``?party_status=`` filter and the data-quality
  queue's "status contradicts steps" check.

The steps themselves are ``agreements.models.PartyStep``.
"""
