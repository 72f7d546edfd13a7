"""The admin at scale (issue 19): search through the public index, counts from the
cache, capped depth, filters and year lists without scans, and query guards at two
sizes of register for every change form."""

from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import models
from agreements.admin import changelists
from agreements.admin.changelists import MAX_PAGES
from tests import factories
from tests.factories import (
    ActionFactory,
    BodyFactory,
    PartyFactory,
    ProgressUpdateFactory,
    bilateral_document,
)
from tests.test_admin import (
    ADMIN_CASES,
    admin_url,
    change_url,
    filter_choices,
)
from tests.test_followup_admin import changelist, listed

pytestmark = pytest.mark.django_db

#: The most queries any change form makes, however large the register.
CHANGE_FORM_MAX_QUERIES = 40


def sql_of(queries):
    return [query["sql"] for query in queries.captured_queries]


# --- Search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        "Tulegenov",  # a signatory's surname
        "tuleg",  # the start of it
        "Baiterek",  # a party's name
        "QIA",  # a party's short name
        "hydrogen",  # a word of the title
        "HYDRO",  # the start of a word, in capitals
        "водород",  # the title in Russian (a DocumentTitle)
        "Z1900000123",  # an official identifier
        "Turkistan",  # the place of signature
        "electrolysers",  # a word of the summary
    ],
)
def test_document_search_finds_names_and_title_words(admin_client, term):
    found = bilateral_document(
        title="Memorandum on green hydrogen",
        signed_city="Turkistan",
        summary="Pilot electrolysers in Mangystau.",
    )
    factories.DocumentIdentifierFactory(document=found, value="Z1900000123")
    factories.DocumentTitleFactory(
        document=found, language="ru", title="Меморандум о зелёном водороде"
    )
    PartyFactory(
        document=found,
        body=BodyFactory(name="Baiterek Holding", short_name="QIA"),
        signatory_name="Nurlan Tulegenov",
        order=3,
    )
    other = bilateral_document(title="Agreement on air services")
    changelist(admin_client, models.Document)  # the filters' choices, cached

    with CaptureQueriesContext(connection) as queries:
        response = changelist(admin_client, models.Document, {"q": term})

    assert listed(response) == [found]
    assert change_url(other) not in response.content.decode()
    # one indexed condition on the document's row: no join over parties, no DISTINCT
    assert not any("DISTINCT" in sql for sql in sql_of(queries))


def test_document_search_with_a_filter_and_bad_input_is_a_page_not_an_error(
    admin_client,
):
    bilateral_document(title="Memorandum on green hydrogen")

    for term in ["\x00", "' OR 1=1 --", "<script>", "x" * 5000, "ä" * 300]:
        response = changelist(
            admin_client, models.Document, {"q": term, "kind__exact": "memorandum"}
        )
        assert response.status_code == HTTPStatus.OK


def test_action_update_and_body_search_run_no_distinct(admin_client):
    body = BodyFactory(name="Ministry of Energy")
    renamed = factories.BodyNameFactory(name="Ministry of Fuel and Power").body
    action = ActionFactory(title="Open a laboratory", responsible_bodies=[body])
    update = ProgressUpdateFactory(action=action, title="Laboratory opened")
    ActionFactory(title="Hold a forum")

    for model, term, found in [
        (models.Action, "Energy", action),
        (models.Action, "laborat", action),
        (models.ProgressUpdate, "laboratory", update),
        (models.Body, "Fuel", renamed),
        (models.Body, "energy", body),
    ]:
        changelist(admin_client, model)  # the filters' choices, cached
        with CaptureQueriesContext(connection) as queries:
            response = changelist(admin_client, model, {"q": term})
        assert listed(response) == [found]
        assert not any("DISTINCT" in sql for sql in sql_of(queries))


def test_action_and_update_search_read_the_documents_words_not_their_texts(
    admin_client,
):
    """The follow-up lists find an action by its document's own words (title,
    parties, signatories); the text of the document's files, which the public
    search reads too, is left out (on SQLite it is read by substring)."""
    document = bilateral_document(title="Agreement on seabed mapping")
    factories.AttachmentFactory(
        document=document, extracted_text="A bathymetric survey of the shelf."
    )
    action = ActionFactory(document=document, title="Exchange the charts")
    update = ProgressUpdateFactory(action=action, title="Charts exchanged")

    for model, found in [(models.Action, action), (models.ProgressUpdate, update)]:
        assert listed(changelist(admin_client, model, {"q": "seabed"})) == [found]
        assert listed(changelist(admin_client, model, {"q": "bathymetric"})) == []
    # the public search and the documents' list still read the texts
    assert listed(changelist(admin_client, models.Document, {"q": "bathymetric"})) == [
        document
    ]


@pytest.fixture
def follow_up():
    """An action and its update, found by different words, beside others."""
    document = bilateral_document(title="Agreement on seabed mapping")
    action = ActionFactory(
        document=document,
        title="Open a laboratory",
        description="Buy the microscopes",
        responsible_bodies=[BodyFactory(name="Ministry of Energy")],
        title_ru="Открыть лабораторию энергетики",
    )
    update = ProgressUpdateFactory(action=action, title="Laboratory opened")
    other = ActionFactory(title="Hold a forum")
    ProgressUpdateFactory(action=other, title="Forum held")
    return action, update


ON_POSTGRES = connection.vendor == "postgresql"


@pytest.mark.parametrize(
    "model, term, finds",
    [
        (models.Action, "laborat", True),  # its title
        (models.Action, "microscopes", True),  # its description
        (models.Action, "seabed", True),  # its document's words
        (models.Action, "energy", True),  # a responsible body's name
        (models.Action, "laboratory energy", True),  # two words, both needed
        (models.Action, "laboratory forum", False),
        (models.ProgressUpdate, "opened", True),  # its title
        (models.ProgressUpdate, "laborat", True),  # its action's title
        (models.ProgressUpdate, "seabed", True),  # its document's words
        (models.ProgressUpdate, "nowhere", False),
        # icontains folds Cyrillic case on PostgreSQL, not on SQLite (LIKE folds
        # ASCII only); there the index, which folds every script, offers the row
        # and the test refuses it, as every row's test would
        (models.Action, "ЭНЕРГЕТИКИ", ON_POSTGRES),
    ],
)
def test_a_word_looked_up_by_id_finds_what_testing_every_row_finds(
    admin_client, follow_up, monkeypatch, model, term, finds
):
    """A word held by few rows is looked up by their ids, read through indexes
    (``search_words``' ``holders``: trigram indexes on both databases); the rows
    are those the list finds by testing each row, as it does for a common word."""
    action, update = follow_up
    expected = [action if model is models.Action else update] if finds else []
    with CaptureQueriesContext(connection) as queries:
        response = changelist(admin_client, model, {"q": term})
    assert listed(response) == expected
    assert any("UNION ALL" in sql for sql in sql_of(queries))

    monkeypatch.setattr(changelists, "FEW_MATCHES", -1)  # every word row by row
    with CaptureQueriesContext(connection) as queries:
        response = changelist(admin_client, model, {"q": term})
    assert listed(response) == expected
    assert not any("UNION ALL" in sql for sql in sql_of(queries))


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's trigram indexes")
def test_the_follow_up_texts_are_read_through_their_trigram_indexes():
    """Migration 0024: the columns the actions' and updates' searches read."""
    with connection.cursor() as cursor:
        # (a tiny table would be scanned; the point is that the indexes serve it)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    fields = [
        f"{name}_{code}"
        for name in ("title", "description")
        for code in ("en_gb", "ru", "kk", "az")
    ]
    plan = models.Action.objects.filter(
        changelists.contains_any(fields, "laboratory")
    ).explain()
    for field in fields:
        assert f"action_{field}_trgm" in plan
    plan = models.ProgressUpdate.objects.filter(title__icontains="opened").explain()
    assert "progressupdate_title_trgm" in plan


# --- Counts, deep pages ---------------------------------------------------------------


def test_a_filtered_changelist_counts_once_until_the_register_changes(admin_client):
    for _ in range(3):
        bilateral_document(kind=models.Document.Kind.MEMORANDUM)
    params = {"kind__exact": "memorandum"}

    changelist(admin_client, models.Document, params)
    with CaptureQueriesContext(connection) as again:
        response = changelist(admin_client, models.Document, params)
    assert response.context["cl"].result_count == 3
    assert not any("COUNT(" in sql for sql in sql_of(again))

    bilateral_document(kind=models.Document.Kind.MEMORANDUM)
    with CaptureQueriesContext(connection) as changed:
        response = changelist(admin_client, models.Document, params)
    assert response.context["cl"].result_count == 4
    assert any("COUNT(" in sql for sql in sql_of(changed))


def test_the_body_list_counts_documents_without_grouping_every_party(admin_client):
    busy = BodyFactory(name="Busy Zanzibar ministry")
    BodyFactory(name="Idle Zanzibar ministry")
    for _ in range(3):
        PartyFactory(body=busy, document=bilateral_document())

    with CaptureQueriesContext(connection) as queries:
        response = changelist(admin_client, models.Body, {"q": "Zanzibar"})

    counts = {body.name: body.documents_count for body in listed(response)}
    assert counts == {"Busy Zanzibar ministry": 3, "Idle Zanzibar ministry": 0}
    # the count is a subquery per body listed, grouped on the parties' body index;
    # the list itself is not grouped
    assert not any('GROUP BY "agreements_body"' in sql for sql in sql_of(queries))


def test_the_topic_list_counts_documents_once_until_the_register_changes(
    admin_client,
):
    trade, idle = factories.TopicFactory(), factories.TopicFactory()
    for _ in range(2):
        bilateral_document(topics=[trade])

    changelist(admin_client, models.Topic)
    with CaptureQueriesContext(connection) as again:
        response = changelist(admin_client, models.Topic)
    counts = {topic: topic.documents_count for topic in listed(response)}
    assert (counts[trade], counts[idle]) == (2, 0)
    # read from the cache: no GROUP BY over every document's topics at every view
    assert not any("GROUP BY" in sql for sql in sql_of(again))

    bilateral_document(topics=[trade, idle])
    response = changelist(admin_client, models.Topic)
    counts = {topic: topic.documents_count for topic in listed(response)}
    assert (counts[trade], counts[idle]) == (3, 1)


def test_the_sources_list_reads_its_order_from_an_index(admin_client):
    """The sources' list (by publisher, newest first) walks ``agreements_source_listed``
    instead of sorting every source, plain and filtered by a publisher."""
    factories.SourceFactory(publisher="Kazinform")
    factories.SourceFactory(publisher="Trend")
    with CaptureQueriesContext(connection) as queries:
        changelist(admin_client, models.Source)
        changelist(admin_client, models.Source, {"publisher": "Kazinform"})
    listed_sql = [
        sql
        for sql in sql_of(queries)
        if sql.startswith('SELECT "agreements_source"."id"') and "ORDER BY" in sql
    ]
    assert len(listed_sql) == 2
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # as on a big register: neither reading the table whole nor sorting it
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        for sql in listed_sql:
            explain = (
                "EXPLAIN (COSTS OFF)"
                if connection.vendor == "postgresql"
                else "EXPLAIN QUERY PLAN"
            )
            cursor.execute(f"{explain} {sql}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "agreements_source_listed" in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort Key" not in plan, plan


@pytest.mark.skipif(
    ON_POSTGRES, reason="PostgreSQL counts the documents after the limit (1 ms)"
)
def test_the_events_list_by_kind_reads_its_order_from_an_index(admin_client):
    """The events' list filtered by kind walks ``agreements_event_kind_date`` to its
    first rows: sorting every event of the kind, SQLite counted each one's documents
    first."""
    factories.EventFactory(kind=models.Event.Kind.STATE_VISIT)
    with CaptureQueriesContext(connection) as queries:
        changelist(admin_client, models.Event, {"kind__exact": "state_visit"})
    (listed_sql,) = [
        sql
        for sql in sql_of(queries)
        if sql.startswith('SELECT "agreements_event"."id"') and "ORDER BY" in sql
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {listed_sql}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "agreements_event_kind_date" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_pages_past_the_cap_are_refused_with_a_message(admin_client, settings):
    for _ in range(3):
        bilateral_document()
    url = admin_url(models.Document, "changelist")

    response = admin_client.get(url, {"p": str(MAX_PAGES + 1), "kind__exact": "treaty"})

    assert response.status_code == HTTPStatus.FOUND
    assert f"p={MAX_PAGES}" in response.url
    assert "kind__exact=treaty" in response.url
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert f"first {MAX_PAGES} pages" in message
    assert "narrow the list" in message


def test_the_pagination_offers_no_page_past_the_cap(admin_client, monkeypatch):
    from agreements.admin.documents import DocumentAdmin

    monkeypatch.setattr(DocumentAdmin, "max_pages", 2)
    monkeypatch.setattr(DocumentAdmin, "list_per_page", 2)
    for _ in range(7):
        bilateral_document()

    response = changelist(admin_client, models.Document)

    cl = response.context["cl"]
    assert cl.result_count == 7  # the true count is still told
    assert cl.paginator.num_pages == 2
    assert "?p=3" not in response.content.decode()
    assert admin_client.get(admin_url(models.Document, "changelist"), {"p": "3"})[
        "Location"
    ].endswith("p=2")


# --- Filters and years ----------------------------------------------------------------


def test_filter_choices_and_years_are_read_once_until_the_register_changes(
    admin_client,
):
    first = bilateral_document()
    changelist(admin_client, models.Document)

    with CaptureQueriesContext(connection) as again:
        response = changelist(admin_client, models.Document)

    years = [value for value, _label in filter_choices(response, "year of signature")]
    assert years == [str(first.signed_on.year)]
    assert response.context["cl"].date_hierarchy is None
    # no year scan, no scan of the parties' countries, the events or the publishers
    assert not any(
        "django_date_trunc" in sql or "DATE_TRUNC" in sql for sql in sql_of(again)
    )
    assert not any(
        "EXISTS" in sql and "agreements_country" in sql for sql in sql_of(again)
    )

    older = bilateral_document(signed_on=first.signed_on.replace(year=1999))
    response = changelist(admin_client, models.Document)
    years = [value for value, _label in filter_choices(response, "year of signature")]
    assert years == [str(first.signed_on.year), "1999"]
    assert listed(changelist(admin_client, models.Document, {"year": "1999"})) == [
        older
    ]


def test_a_chosen_event_outside_the_recent_ones_is_still_offered(admin_client):
    old = factories.EventFactory(title="Old visit")
    document = bilateral_document(event=old)
    for n in range(25):
        bilateral_document(event=factories.EventFactory(title=f"Visit {n}"))

    response = changelist(admin_client, models.Document, {"event": str(old.pk)})

    assert (str(old.pk), str(old)) in filter_choices(response, "event")
    assert listed(response) == [document]


def test_sources_filter_by_publisher_and_year(admin_client):
    wanted = factories.SourceFactory(publisher="Kazinform")
    factories.SourceFactory(publisher="Trend")
    factories.SourceFactory(
        publisher="Kazinform",
        published_on=wanted.published_on.replace(year=wanted.published_on.year - 2),
    )

    response = changelist(
        admin_client,
        models.Source,
        {"publisher": "Kazinform", "year": str(wanted.published_on.year)},
    )

    assert listed(response) == [wanted]
    assert ("Kazinform", "Kazinform") in filter_choices(response, "publisher")


# --- Change forms: the same number of queries at two sizes of register ----------------


def add_around(record, count):
    """``count`` more rows around ``record``: actions and their updates for a
    document (or the document of a record that has one), parties for a body."""
    document = record if isinstance(record, models.Document) else None
    document = document or getattr(record, "document", None)
    for _ in range(count):
        if document is not None:
            ProgressUpdateFactory(action=ActionFactory(document=document))
        if isinstance(record, models.Body):
            PartyFactory(body=record)


@pytest.mark.parametrize(
    "case", ADMIN_CASES, ids=[case.model.__name__ for case in ADMIN_CASES]
)
def test_change_form_query_count_does_not_grow_with_the_register(
    admin_client, django_assert_max_num_queries, case
):
    record = case.make()
    add_around(record, 1)
    admin_client.get(change_url(record))  # what the process reads once

    with django_assert_max_num_queries(CHANGE_FORM_MAX_QUERIES) as small:
        admin_client.get(change_url(record))
    for _ in range(20):
        case.other()
    add_around(record, 10)
    with django_assert_max_num_queries(CHANGE_FORM_MAX_QUERIES) as large:
        response = admin_client.get(change_url(record))

    assert response.status_code == HTTPStatus.OK
    assert len(large) == len(small)


def test_a_documents_rows_label_their_records_without_a_query_a_row(
    admin_client, django_assert_max_num_queries
):
    """Each row's autocomplete (a citation's source, a relation's document) shows
    the record the row was read with: as many queries with three rows as with
    one, and each box names its own record."""
    document = bilateral_document()
    rows = []

    def add_rows():
        source = factories.SourceFactory(title=f"Report {len(rows)}")
        other = bilateral_document(title=f"Earlier agreement {len(rows)}")
        factories.DocumentCitationFactory(document=document, source=source)
        factories.RelationFactory(from_document=document, to_document=other)
        rows.append((source, other))

    add_rows()
    admin_client.get(change_url(document))  # what the process reads once
    with django_assert_max_num_queries(CHANGE_FORM_MAX_QUERIES) as one:
        admin_client.get(change_url(document))
    add_rows(), add_rows()
    with django_assert_max_num_queries(CHANGE_FORM_MAX_QUERIES) as three:
        response = admin_client.get(change_url(document))

    assert len(three) == len(one)
    content = response.content.decode()
    for source, other in rows:
        assert f'<option value="{source.pk}" selected>{source}</option>' in content
        assert f'<option value="{other.pk}" selected>{other}</option>' in content


def test_a_box_whose_posted_record_differs_from_the_rows_looks_it_up():
    """A refused save shows what was posted: a record the row was not read with
    is read as the admin reads it, and labelled."""
    from django import forms
    from django.contrib import admin

    from agreements.admin.widgets import LoadedAutocompleteSelect

    stored, posted = factories.SourceFactory(), factories.SourceFactory()
    field = forms.ModelChoiceField(
        models.Source.objects.all(),
        widget=LoadedAutocompleteSelect(
            models.DocumentCitation._meta.get_field("source"), admin.site
        ),
    )
    field.widget.loaded = {str(stored.pk): stored}

    assert option_labels(field.widget, [str(stored.pk)]) == [str(stored)]
    assert option_labels(field.widget, [str(posted.pk)]) == [str(posted)]
    assert option_labels(field.widget, [""]) == []


def option_labels(widget, value):
    return [
        option["label"]
        for _group, options, _index in widget.optgroups("source", value)
        for option in options
        if option["value"] != ""
    ]


# --- Widgets --------------------------------------------------------------------------


def test_widgets_render_from_jinja2_and_the_admins_own_templates_still_resolve():
    """Forms' widgets come from Django's Jinja2 copies of its widget templates (a
    changelist's row checkboxes, a form's dozens of boxes); the admin's own widget
    templates, which only the Django engine has, are still found after it."""
    from django.forms.renderers import get_default_renderer
    from django.template.backends.django import Template as DjangoTemplate
    from django.template.backends.jinja2 import Template as Jinja2Template

    renderer = get_default_renderer()
    for name in (
        "django/forms/widgets/checkbox.html",
        "django/forms/widgets/select.html",
        "django/forms/div.html",
    ):
        assert isinstance(renderer.get_template(name), Jinja2Template), name
    wrapper = renderer.get_template("admin/widgets/related_widget_wrapper.html")
    assert isinstance(wrapper, DjangoTemplate)


def test_empty_error_lists_render_nothing_without_a_template(admin_client, monkeypatch):
    """Each field renders its list of errors, nearly always empty: those render as
    nothing without asking for a template; a list with errors still renders."""
    from django.forms.renderers import get_default_renderer
    from django.forms.utils import ErrorDict, ErrorList

    renderer = get_default_renderer()
    asked = []
    get_template = type(renderer).get_template
    monkeypatch.setattr(
        type(renderer),
        "get_template",
        lambda self, name: asked.append(name) or get_template(self, name),
    )
    document = bilateral_document()

    response = admin_client.get(change_url(document))

    assert response.status_code == HTTPStatus.OK
    assert asked, "the form's widgets are rendered through the renderer"
    assert not [name for name in asked if name.startswith("django/forms/errors/")]
    for empty in (ErrorList(renderer=renderer), ErrorDict(renderer=renderer)):
        assert str(empty) == "" and empty.as_ul() == "" and empty.as_text() == ""
    listed = ErrorList(["Enter a date."], renderer=renderer)
    assert str(listed) == '<ul class="errorlist"><li>Enter a date.</li></ul>'
    assert listed.as_text() == "* Enter a date."


def test_a_page_builds_the_admins_list_of_models_once(admin_client):
    """The home page lists the models twice (its body and the navigation beside
    it): one list, built once a request."""
    response = admin_client.get("/admin/")

    assert response.status_code == HTTPStatus.OK
    assert response.context["app_list"]
    assert response.context["app_list"] is response.context["available_apps"]


def test_each_inline_builds_its_template_row_once(admin_client):
    """The row "Add another" copies is asked for five times a page (media, uploads,
    columns, the row, prepopulated fields); it is one form, built once."""
    document = bilateral_document()
    factories.DocumentCitationFactory(document=document)

    response = admin_client.get(change_url(document))

    formsets = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert formsets
    for formset in formsets:
        assert formset.empty_form is formset.empty_form
    assert 'name="citations-__prefix__-source"' in response.content.decode()


def test_without_pg_trgm_the_follow_up_search_migration_warns_and_goes_on():
    """Migration 0024 needs the extension 0023 may not have been allowed to make:
    without it, a warning and no index; the search works as before."""
    import importlib
    import warnings

    migration = importlib.import_module(
        "agreements.migrations.0024_followup_search_trigrams"
    )
    executed = []

    class Cursor:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql, params=None):
            executed.append(sql)

        def fetchone(self):
            return None  # pg_trgm is not installed

    class Editor:
        class connection:  # noqa: N801 (a stand-in for the schema editor's)
            vendor = "postgresql"

            @staticmethod
            def cursor():
                return Cursor()

        def execute(self, sql):
            executed.append(sql)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        migration.create(None, Editor())

    assert not any("CREATE INDEX" in sql for sql in executed)
    assert "pg_trgm is not installed" in str(caught[0].message)
