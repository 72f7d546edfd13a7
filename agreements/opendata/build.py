"""Writing the bulk files, and finding the set in service.

A build writes every file into a new hidden directory under ``OPEN_DATA_ROOT``,
renames it to ``build-<time>-<random>`` once complete, then swaps the symbolic link
``current`` to it (a rename, atomic on POSIX file systems) and removes the earlier
builds. So ``current/`` is always one whole set: a download that started before the
swap goes on reading its (unlinked) file, and a failed build leaves the previous set
in service. The manifest (``manifest.json``) is the list the /data/ page shows: each
file with its rows, bytes, SHA-256 and the time of the build.

The files are read in one transaction (on PostgreSQL a repeatable-read snapshot), so
they agree with one another even while staff edit the register.
"""

import contextlib
import csv
import datetime
import hashlib
import json
import logging
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..exports import neutralised
from .tables import TABLES

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"
JSON_FILE = "register.json"
CURRENT = "current"
#: Frictionless names the package; the name stays the same from build to build.
PACKAGE_NAME = "register-of-signed-bilateral-documents"
#: What the page says of the two files that are not tables.
JSON_TITLE = _("The whole register")
JSON_DESCRIPTION = _(
    "Every table above in one JSON file: an object whose “tables” hold each table's "
    "rows as objects named by column, with null for what is not known."
)
DATAPACKAGE_TITLE = _("Data dictionary")
DATAPACKAGE_DESCRIPTION = _(
    "Every file and column described, as a Frictionless data package: the "
    "dictionary below, for programs."
)
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json"}


def root():
    return Path(settings.OPEN_DATA_ROOT)


def current_dir():
    return root() / CURRENT


def read_manifest():
    """The manifest of the set in service, or ``None`` before the first build."""
    try:
        with (current_dir() / MANIFEST).open(encoding="utf-8") as file:
            return json.load(file)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        logger.exception("the open data manifest is unreadable")
        return None


def _plain(value):
    """A cell as both files write it: dates and times in ISO 8601 (times in UTC, to
    the second), text as it is, ``None`` for unknown."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _describe(path):
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "hash": f"sha256:{digest.hexdigest()}"}


def _write_tables(directory, absolute, created):
    """Each table's CSV file and, in the same pass, its part of the JSON file.

    Returns ``{table name: rows}``."""
    counts = {}
    licence = settings.DATA_LICENCE
    with (directory / JSON_FILE).open("w", encoding="utf-8") as whole:
        head = {
            "name": PACKAGE_NAME,
            "title": str(_("Register of signed bilateral documents")),
            "created": created,
            "licence": {"name": licence["name"], "url": licence["url"]},
        }
        whole.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "tables": {')
        for number, table in enumerate(TABLES):
            names = [column.name for column in table.columns]
            whole.write(f"{', ' if number else ''}{json.dumps(table.name)}: [")
            rows = 0
            # the byte-order mark: spreadsheet programs then read the letters right
            with (directory / table.filename).open(
                "w", encoding="utf-8-sig", newline=""
            ) as file:
                writer = csv.writer(file)
                writer.writerow(names)
                for row in table.rows(absolute):
                    values = [_plain(value) for value in row]
                    writer.writerow([neutralised(value) for value in values])
                    record = {
                        name: None if value == "" else value
                        for name, value in zip(names, values, strict=True)
                    }
                    whole.write(
                        (",\n" if rows else "\n")
                        + json.dumps(record, ensure_ascii=False)
                    )
                    rows += 1
            whole.write("\n]")
            counts[table.name] = rows
        whole.write("}}\n")
    return counts


def _datapackage(directory, counts, created):
    licence = settings.DATA_LICENCE
    resources = []
    for table in TABLES:
        resources.append(
            {
                "name": table.name,
                "path": table.filename,
                "profile": "tabular-data-resource",
                "title": str(table.title),
                "description": str(table.description),
                "format": "csv",
                "mediatype": MEDIA_TYPES["csv"],
                "encoding": "utf-8-sig",
                **_describe(directory / table.filename),
                "schema": table.schema(),
            }
        )
    resources.append(
        {
            "name": "register",
            "path": JSON_FILE,
            "title": str(JSON_TITLE),
            "description": str(JSON_DESCRIPTION),
            "format": "json",
            "mediatype": MEDIA_TYPES["json"],
            "encoding": "utf-8",
            **_describe(directory / JSON_FILE),
        }
    )
    return {
        # a data package, its CSV files tabular resources: a tabular data package
        # may hold tables only, and register.json is not one
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": str(_("Register of signed bilateral documents")),
        "description": str(
            _(
                "The published records of the register. A text cell of a CSV file "
                "that begins with =, +, - or @ starts with an apostrophe ('), so "
                "that spreadsheet programs run no formula; the JSON file holds the "
                "text as recorded."
            )
        ),
        "created": created,
        "licenses": [{"title": licence["name"], "path": licence["url"]}],
        "resources": resources,
    }


def _files(directory, counts, created):
    files = []
    for table in TABLES:
        files.append(
            {
                "name": table.filename,
                "table": table.name,
                "format": "csv",
                "rows": counts[table.name],
                "created": created,
                **_describe(directory / table.filename),
            }
        )
    files.append(
        {
            "name": JSON_FILE,
            "format": "json",
            "rows": sum(counts.values()),
            "created": created,
            **_describe(directory / JSON_FILE),
        }
    )
    files.append(
        {
            "name": DATAPACKAGE,
            "format": "json",
            "rows": None,
            "created": created,
            **_describe(directory / DATAPACKAGE),
        }
    )
    return files


@contextlib.contextmanager
def _snapshot():
    """One consistent read of the register for the whole build."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
                )
        yield


def build(*, base_url="", now=None):
    """Write a new set of files and put it in service; returns its manifest.

    ``base_url`` (``https://register.example.org``) makes the URLs in the files
    absolute; without it they are paths.
    """
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    created = _plain((now or timezone.now()).replace(microsecond=0))
    base = base_url.rstrip("/")

    def absolute(path):
        return f"{base}{path}"

    work = Path(tempfile.mkdtemp(prefix=".building-", dir=directory))
    try:
        with translation.override(settings.LANGUAGE_CODE):
            with _snapshot():
                counts = _write_tables(work, absolute, created)
            package = _datapackage(work, counts, created)
            (work / DATAPACKAGE).write_text(
                json.dumps(package, ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8",
            )
        manifest = {
            "created": created,
            "licence": dict(settings.DATA_LICENCE),
            "files": _files(work, counts, created),
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        # readable by the web server, as static files are
        work.chmod(0o755)
        stamp = created.replace(":", "").replace("-", "").replace("+0000", "Z")
        final = directory / f"build-{stamp}-{secrets.token_hex(4)}"
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    link = directory / f".{CURRENT}-{secrets.token_hex(4)}"
    os.symlink(final.name, link)
    os.replace(link, directory / CURRENT)
    for old in directory.glob("build-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return manifest
