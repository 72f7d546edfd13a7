"""The in-process half of ``make bench`` (``tests/bench.py``): run in a subprocess
whose environment points at one database, it seeds the bench's extra document, lists
the pages to time, and counts each page's queries; each answer is a line of JSON."""

import argparse
import datetime
import io
import json
import math
import sys
import time
import urllib.parse

from bench import (  # noqa: E402  (run as a script from tests/, like bench.py)
    DEEP_PAGE,
    FIFTY_ACTIONS,
    FIFTY_SLUG,
    ROOT,
    SEARCH_WORD,
    SEED,
    STAFF_USERNAME,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "what", choices=("count", "pages", "page", "fifty", "staff", "import")
    )
    parser.add_argument("--documents", type=int, required=True)
    parser.add_argument("--path")
    parser.add_argument(
        "--staff", action="store_true", help="ask for the page signed in as staff"
    )
    args = parser.parse_args()
    probe(args.what, args.documents, args.path, staff=args.staff)


def probe(what, documents, path=None, *, staff=False):
    """Runs in a subprocess with DATABASE_URL set; prints lines of JSON.

    ``count``: the demo documents held; ``pages``: the pages to time; ``page``: the
    queries of one page (and, for the list, its query explained; with ``staff``,
    signed in, asked for twice: cold, then with what it caches); ``staff``: a
    session cookie of the bench's staff user, for the staff pages.
    """
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count

    from agreements import models

    demo = models.Document.objects.filter(slug__startswith="demo-")
    if what == "count":
        emit(demo_documents=demo.count())
        return
    if what == "page":
        probe_page(path, staff=staff)
        return
    if what == "staff":
        emit(cookie=staff_cookie())
        return
    if what == "fifty":
        emit(fifty=add_fifty_actions(), texts=add_texts(), steps=add_five_parties())
        return
    if what == "import":
        emit(**time_import(IMPORT_ROWS))
        return

    from django.db import connection

    published = demo.filter(is_published=True)
    document = (
        published.filter(relations_from__isnull=False, citations__isnull=False)
        .order_by("-signed_on", "slug")
        .first()
    ) or published.order_by("-signed_on", "slug").first()
    # The document with 50 actions (added by prepare), else the demo document with
    # the most.
    busiest = (
        models.Document.objects.filter(slug=FIFTY_SLUG, is_published=True).first()
        or published.annotate(actions_count=Count("actions", distinct=True))
        .filter(actions_count__gt=0)
        .order_by("-actions_count", "slug")
        .first()
    )
    busiest_actions = busiest.actions.count() if busiest else 0
    body = (
        models.Body.objects.filter(slug__startswith="demo-")
        .annotate(documents_count=Count("parties"))
        .order_by("-documents_count", "slug")
        .first()
    )
    event = (
        models.Event.objects.filter(slug__startswith="demo-", is_published=True)
        .annotate(documents_count=Count("documents"))
        .order_by("-documents_count", "slug")
        .first()
    )
    word = SEARCH_WORD
    if not published.filter(title__icontains=word).exists():
        word = (
            next(
                (w for w in document.title.split() if len(w) > 4),
                document.title.split()[0],
            )
            if document
            else "agreement"
        )
    try:
        from agreements.views import DocumentListView

        per_page = DocumentListView.paginate_by or 25
    except (ImportError, AttributeError):
        per_page = 25
    published_count = models.Document.objects.filter(is_published=True).count()
    deep = max(1, min(DEEP_PAGE, math.ceil(published_count / per_page)))

    pages = [
        ("healthz", "/healthz"),
        ("home", "/"),
        ("document list", "/agreements/"),
        (
            "list: country=KZ, kind=memorandum",
            "/agreements/?country=KZ&kind=memorandum",
        ),
        (f"list: search '{word}'", f"/agreements/?q={word}"),
        (f"list: page {deep}", f"/agreements/?page={deep}"),
        ("document", f"/agreements/{document.slug}/" if document else None),
        ("body (most documents)", f"/bodies/{body.slug}/" if body else None),
        ("event (most documents)", f"/events/{event.slug}/" if event else None),
        ("country KZ", "/countries/kz/"),
        ("body list", "/bodies/"),
        ("event list", "/events/"),
        ("follow-up dashboard", "/follow-up/"),
        ("follow-up calendar, KZ", "/follow-up/calendar.ics?country=KZ"),
        # feeds: within 25x uncached, from the page cache when warm (issue 17)
        ("feed: documents", "/feeds/documents/"),
        (
            "feed: documents, KZ memoranda",
            "/feeds/documents/?country=KZ&kind=memorandum",
        ),
        ("feed: follow-up", "/feeds/follow-up/"),
        (
            f"document with {busiest_actions} actions",
            f"/agreements/{busiest.slug}/" if busiest else None,
        ),
        # issue 16: a document with five parties' steps and three texts; a word
        # found only inside the attached texts
        ("document: five parties' steps, three texts", f"/agreements/{FIVE_SLUG}/"),
        (f"list: search in texts '{TEXT_MARKER}'", f"/agreements/?q={TEXT_MARKER}"),
        ("API: document list", "/api/v1/documents/"),
        ("API: document", f"/api/v1/documents/{document.slug}/" if document else None),
    ]
    # the same pages in Russian, side by side with the English ones (target: within
    # 1.2x), and a search in another script (target: within 25x)
    in_russian = {"home", "document list", "document", "country KZ", "body list"}
    pages += [
        (f"{label} (ru)", f"/ru{path}")
        for label, path in pages
        if label in in_russian and path
    ]
    pages.append(
        (
            "list: search across scripts 'Қазақстан'",
            "/agreements/?q=" + urllib.parse.quote("Қазақстан"),
        )
    )
    seen = set()  # the busiest document may be the one already listed
    pages = [
        (label, path)
        for label, path in pages
        if path and not (path in seen or seen.add(path))
    ]

    # the event with the most documents: its package entry page is a staff page
    busiest_event = (
        models.Event.objects.annotate(n=Count("documents"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    # the admin pass's ids and words: a signatory's surname, an event's city, a
    # publisher and a year of its sources
    signatory = (
        models.Party.objects.filter(document=document)
        .exclude(signatory_name="")
        .values_list("signatory_name", flat=True)
        .first()
        if document
        else None
    ) or "minister"
    source = (
        models.Source.objects.exclude(publisher="")
        .filter(published_on__isnull=False)
        .order_by("pk")
        .first()
    )
    quote = urllib.parse.quote
    staff_params = {
        "event": busiest_event or 0,
        "document": document.pk if document else 0,
        "fifty": busiest.pk if busiest else 0,
        "word": quote(word),
        "signatory": quote(signatory.split()[-1]),
        "place": quote(event.city if event and event.city else "Astana"),
        "publisher": quote(source.publisher if source else "Kazinform"),
        "year": source.published_on.year if source else 2023,
        "checked_import": checked_import(),
    }
    emit(
        staff_params=staff_params,
        pages=pages,
        vendor=connection.vendor,
        documents=models.Document.objects.count(),
        published=published_count,
        search_word=word,
        per_page=per_page,
    )


def add_fifty_actions():
    """Add ``FIFTY_SLUG``, a published document with 50 actions and 100 updates, if
    missing; its parties are the demo bodies of Kazakhstan and Azerbaijan with the
    most documents, and its dates lie around today. Returns its action count."""
    import datetime

    from django.db.models import Count
    from django.utils import timezone

    from agreements import models
    from tests.factories import (
        ActionFactory,
        DocumentFactory,
        PartyFactory,
        ProgressUpdateFactory,
    )

    found = models.Document.objects.filter(slug=FIFTY_SLUG).first()
    if found is not None:
        return found.actions.count()
    today = timezone.localdate()
    signed = today - datetime.timedelta(days=700)
    document = DocumentFactory(
        slug=FIFTY_SLUG,
        title="Road map of cooperation between Kazakhstan and Azerbaijan (bench)",
        kind=models.Document.Kind.PROGRAMME,
        signed_on=signed,
        follow_up_status=models.Document.FollowUpStatus.IN_PROGRESS,
    )
    bodies = []
    for order, code in enumerate(("KZ", "AZ"), start=1):
        body = (
            models.Body.objects.filter(country__code=code, slug__startswith="demo-")
            .annotate(n=Count("parties"))
            .order_by("-n", "slug")
            .first()
        )
        PartyFactory(document=document, order=order, **({"body": body} if body else {}))
        bodies.append(document.parties.get(order=order).body)
    statuses = models.Action.Status
    for number in range(FIFTY_ACTIONS):
        due = signed + datetime.timedelta(days=28 * (number + 1))
        done = number % 3 == 0 and due <= today
        action = ActionFactory(
            document=document,
            slug=f"step-{number + 1}",
            title=f"Step {number + 1} of the road map",
            clause=f"Article {number + 1}",
            due_on=due,
            status=statuses.DONE if done else statuses.IN_PROGRESS,
            completed_on=due if done else None,
            responsible_bodies=bodies[: 1 + number % 2],
        )
        for step in range(2):
            ProgressUpdateFactory(
                action=action,
                happened_on=min(today, signed + datetime.timedelta(days=5 + 14 * step)),
                title=f"Step {number + 1}: progress {step + 1}",
            )
    return FIFTY_ACTIONS


#: Issue 16's register: this many demo documents get a signed text of TEXT_WORDS
#: words; one in TEXT_MARKER_EVERY of them holds TEXT_MARKER, a word no title has.
TEXT_DOCUMENTS = 10_000
TEXT_WORDS = 2_000
TEXT_MARKER = "bathymetric"
TEXT_MARKER_EVERY = 100
FIVE_SLUG = "bench-five-parties"


def add_texts():
    """Give ``TEXT_DOCUMENTS`` published demo documents a signed text of
    ``TEXT_WORDS`` words each, its text extracted (the file itself is not written:
    the search reads the text), if not done yet. Returns how many texts there are."""
    import random

    from agreements import models

    texts = models.Attachment.objects.filter(title="bench text")
    held = texts.count()
    if held >= TEXT_DOCUMENTS:
        return held
    rng = random.Random(SEED)
    vocabulary = (
        "the parties shall cooperate in the fields of trade energy transport "
        "culture education science health tourism agriculture customs finance "
        "investment communications information environment water resources "
        "industry technology digital transit logistics standards certification "
        "exchange experts delegations programmes projects joint commission "
        "working group meetings consultations procedures notification provisions "
        "article agreement protocol memorandum annex amendments implementation "
        "competent authorities national legislation territory citizens "
        "enterprises organizations development mutual interest friendship "
        "strategic partnership regional security stability prosperity"
    ).split()
    documents = list(
        models.Document.objects.filter(slug__startswith="demo-", is_published=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:TEXT_DOCUMENTS]
    )
    batch = []
    for number, document in enumerate(documents):
        words = rng.choices(vocabulary, k=TEXT_WORDS)
        if number % TEXT_MARKER_EVERY == 0:
            words[rng.randrange(TEXT_WORDS)] = TEXT_MARKER
        batch.append(
            models.Attachment(
                document_id=document,
                kind=models.Attachment.Kind.SIGNED_TEXT,
                language="en",
                title="bench text",
                file=f"bench/{document}.txt",
                size=len(" ".join(words)),
                content_type="text/plain",
                text_state=models.Attachment.TextState.DONE,
                extracted_text=" ".join(words),
            )
        )
        if len(batch) == 500:
            models.Attachment.objects.bulk_create(batch)
            batch = []
    models.Attachment.objects.bulk_create(batch)
    return texts.count()


def add_five_parties():
    """Add ``FIVE_SLUG``, a published document of five parties with their steps
    (ratification and notification, each sourced) and three texts, if missing, all
    or nothing. Returns its steps' count."""
    import datetime

    from django.db import transaction

    from agreements import models
    from tests.factories import (
        AttachmentFactory,
        DocumentFactory,
        PartyFactory,
        PartyStepFactory,
        SourceFactory,
    )

    found = models.Document.objects.filter(slug=FIVE_SLUG).first()
    if found is not None:
        return models.PartyStep.objects.filter(party__document=found).count()
    with transaction.atomic():
        document = DocumentFactory(
            slug=FIVE_SLUG,
            title="Agreement on the Caspian transit corridor (bench, five parties)",
            kind=models.Document.Kind.AGREEMENT,
            signed_on=datetime.date(2021, 6, 1),
        )
        # its own address: the factory's numbering restarts in every process
        source = SourceFactory(url="https://bench.example.org/five-parties")
        for order, code in enumerate(("KZ", "AZ", "TM", "GE", "TR"), start=1):
            body = models.Body.objects.filter(country__code=code).order_by("pk").first()
            party = PartyFactory(
                document=document, order=order, **({"body": body} if body else {})
            )
            for months, kind in enumerate(
                (models.StepKind.RATIFICATION, models.StepKind.NOTIFICATION), start=1
            ):
                PartyStepFactory(
                    party=party,
                    kind=kind,
                    happened_on=document.signed_on
                    + datetime.timedelta(days=30 * months),
                    source=source,
                )
        for language in ("en", "ru", "kk"):
            AttachmentFactory(document=document, language=language, source=source)
    return models.PartyStep.objects.filter(party__document=document).count()


def bench_staff():
    """The bench's staff user (an Editor: the permissions staff work with), made
    when missing. Not a register table: the register generation does not move."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, created = get_user_model().objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name="Editors"))
    return user


def staff_cookie():
    """A ``Cookie`` header value that signs the bench's staff user in."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(bench_staff())
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def probe_page(path, *, staff=False):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)
    if staff:
        client.force_login(bench_staff())
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    result = {
        "status": response.status_code,
        "queries": len(captured),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if getattr(response, "exc_info", None):
        error = response.exc_info[1]
        result["error"] = f"{type(error).__name__}: {error}"[:200]
    if staff:  # again, with what the first request cached
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        result["queries_warm"] = len(captured)
        result["seconds_warm"] = round(time.perf_counter() - started, 3)
    emit(**result)
    if path == "/agreements/":
        list_sql = [
            query["sql"]
            for query in captured.captured_queries
            if query["sql"].lstrip().upper().startswith("SELECT")
            and '"agreements_document"' in query["sql"].split(" WHERE ")[0]
        ]
        emit(plan=explain_list_query(connection, list_sql))


def emit(**item):
    print(json.dumps(item), flush=True)


def explain_list_query(connection, list_sql):
    # The page's rows (ordered, limited), not its count or the last change.
    rows_sql = [sql for sql in list_sql if " LIMIT " in sql and " ORDER BY " in sql]
    if rows_sql:
        sql, params, origin = max(rows_sql, key=len), (), "as the list page ran it"
    else:
        sql, params, origin = view_list_query()
    plan = ""
    if sql:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            rows = cursor.fetchall()
        plan = "\n".join(" | ".join(str(cell) for cell in row) for row in rows)
        shown = sql if not params else f"{sql}\n-- params: {list(params)}"
        plan = f"-- {origin}\n{shown}\n\n{plan}"
    return plan


def view_list_query():
    """The list view's own first page query, for when the page did not render."""
    try:
        from django.test import RequestFactory

        from agreements.views import DocumentListView

        view = DocumentListView()
        view.setup(RequestFactory().get("/agreements/"))
        queryset = view.get_queryset()[: view.paginate_by or 25]
        sql, params = queryset.query.sql_with_params()
    except Exception as error:  # noqa: BLE001 - the views are still being written
        return None, (), f"no list query: {error}"
    return sql, params, "from DocumentListView.get_queryset(): the page did not render"


#: The spreadsheet the import is timed with: rows of documents with two parties,
#: signed a day apart (so that no row looks like another).
IMPORT_ROWS = 1000
FIRST_DAY = datetime.date(2020, 1, 1)


def import_dataset(rows):
    """A ``rows``-row spreadsheet of new documents with two parties each, named as
    staff would name them (bodies by name and country code), signed a day apart."""
    import tablib

    from agreements.models import Body
    from tests.test_import_export import COLUMNS

    bodies = list(
        Body.objects.select_related("country")
        .order_by("pk")
        .values_list("name_en_gb", "country__code")[:400]
    )
    firsts = [b for b in bodies if b[1] == bodies[0][1]]
    others = [b for b in bodies if b[1] != bodies[0][1]]
    data = tablib.Dataset(headers=COLUMNS)
    for number in range(rows):
        first, second = firsts[number % len(firsts)], others[number % len(others)]
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            title=f"Memorandum on imported cooperation number {number}",
            kind="memorandum",
            signed_on=(FIRST_DAY + datetime.timedelta(days=number)).isoformat(),
            party_1_body=first[0],
            party_1_country=first[1],
            party_2_body=second[0],
            party_2_country=second[1],
            source_url=f"https://example.org/import/{number}",
            source_publisher="Bench",
            source_confidence="reported",
        )
        data.append([row[column] for column in COLUMNS])
    return data


def time_import(rows):
    """Seconds for the dry run and the import of ``import_dataset(rows)`` on this
    register; the import is rolled back afterwards."""
    from django.db import transaction

    from agreements.imports import DocumentResource

    data = import_dataset(rows)
    times = {}
    for name, dry_run in (("dry_run", True), ("import", False)):
        with transaction.atomic():
            started = time.perf_counter()
            result = DocumentResource().import_data(
                data, dry_run=dry_run, use_transactions=True, raise_errors=False
            )
            times[f"{name}_seconds"] = round(time.perf_counter() - started, 1)
            times[f"{name}_invalid"] = len(result.invalid_rows)
            times[f"{name}_errors"] = len(result.row_errors())
            transaction.set_rollback(True)  # the bench register stays as it was
    times["rows"] = rows
    times.update(time_import_page(data))
    return times


#: the name of the file the bench checks in the admin; its result page is timed
CHECKED_FILE = "bench-import.csv"


def time_import_page(data):
    """The admin's import page given the spreadsheet, signed in as the bench's staff
    user: its dry run (the documents are rolled back; the check's result is kept,
    as it is for staff), then the page of its result, with the queries of each."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from agreements.models import SpreadsheetImport

    client = Client()
    client.force_login(bench_staff())
    upload = io.BytesIO(data.export("csv").encode())
    upload.name = CHECKED_FILE
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(
            reverse("admin:agreements_document_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
            HTTP_HOST="localhost",
        )
        seconds = time.perf_counter() - started
    check = {
        "page_seconds": round(seconds, 1),
        "page_status": response.status_code,
        "page_queries": len(queries),
    }
    run = SpreadsheetImport.objects.filter(file_name=CHECKED_FILE).first()
    if response.status_code != 302 or run is None:
        return check
    reset_queries()  # the query log holds 9,000 at most: the dry run filled it
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = client.get(response["Location"], HTTP_HOST="localhost")
        seconds = time.perf_counter() - started
    return {
        **check,
        "page_confirmable": run.state == SpreadsheetImport.State.CHECKED,
        "result_rows": run.row_count,
        "result_status": result.status_code,
        "result_ms": round(seconds * 1000, 1),
        "result_queries": len(queries),
    }


def checked_import():
    """The id of the bench file's check, made (a dry run of ``IMPORT_ROWS`` rows,
    half a minute) when missing."""
    from agreements.models import SpreadsheetImport

    runs = SpreadsheetImport.objects.filter(file_name=CHECKED_FILE)
    if not runs.exists():
        time_import_page(import_dataset(IMPORT_ROWS))
    return runs.values_list("pk", flat=True).first() or 0


if __name__ == "__main__":
    main()
