"""The register's read-only JSON API at ``/api/v1/`` (issue 17, docs/api.md):
Django REST framework views of the published records, their OpenAPI 3 schema by
drf-spectacular, and a documentation page served from our own static files.

``serializers`` say what each record gives (the field names are the contract),
``views`` what each address reads, ``pagination`` how lists are walked.
"""
