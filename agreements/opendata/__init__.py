"""Bulk data: the whole register, published records only, as files for reuse.

``manage.py build_open_data`` (a cron job) writes one CSV file a table
(``tables.TABLES``), the same rows in one JSON file, and a Frictionless data package
(``datapackage.json``) that describes every column, into a new directory beside the
previous one, then points ``OPEN_DATA_ROOT/current`` at it (``build``): a visitor
never downloads a half-built set. ``/data/`` lists what is there, with the data
dictionary and the licence (``views``); the files are served from disk at
``/data/files/<name>``, never built on request.
"""
