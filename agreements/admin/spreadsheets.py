"""Spreadsheets in and out of the admin (django-import-export), for documents,
events, bodies and sources: CSV or XLSX, a template with the columns to download,
and an export straight to a file with the list's filters kept (the library's
field-choice page has inline scripts and styles that the CSP refuses).

An import is checked first (the library's dry run, all or nothing). Its result is kept
as a ``SpreadsheetImport`` and shown on a page of its own, a page of rows at a time,
errors first: the page a 1,000-row file leads to reads one record, however many rows
it lists, and can be reloaded without checking the file again. Its "Import" button
imports the file that was checked, once, and only for the person who checked it.
"""

import logging

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import RowResult

from ..models import SpreadsheetImport

FORMATS = {"csv": CSV, "xlsx": XLSX}

logger = logging.getLogger(__name__)

#: the column that names a row's record on the result page, the first a file has
RECORD_COLUMNS = ("title", "name_en_gb", "title_en_gb", "url", "slug")

#: a row that looks like a record already in the register (``agreements.imports``)
DUPLICATE = "duplicate"

#: a row's result, in the order the result page offers them
STATUSES = (
    ("error", _("errors")),
    (DUPLICATE, _("duplicates")),
    ("new", _("new")),
    ("update", _("changed")),
    ("skip", _("unchanged")),
)


def _changed_columns(headers, diff):
    """The columns the library's diff of an existing record marks as changed."""
    return [
        header
        for header, html in zip(headers, diff or (), strict=False)
        if "<ins" in str(html) or "<del" in str(html)
    ]


def _row_errors(row_result, invalid):
    """``(status, [[column, message], ...])`` of a row the import refuses."""
    if invalid is not None:
        errors = getattr(invalid.error, "error_dict", {})
        codes = {e.code for field_errors in errors.values() for e in field_errors}
        listed = [
            ["" if column == NON_FIELD_ERRORS else column, message]
            for column, field_messages in invalid.error_dict.items()
            for message in field_messages
        ]
        return (DUPLICATE if codes == {DUPLICATE} else "error"), listed
    for error in row_result.errors:
        logger.warning("spreadsheet import: row failed", exc_info=error.error)
    return "error", [["", str(error.error)] for error in row_result.errors]


def result_rows(result, *, saved=False):
    """The library's ``Result`` as the rows ``SpreadsheetImport`` keeps; ``saved``:
    the import's own (its new records exist, and are linked), not the check's."""
    headers = list(result.diff_headers)
    record_column = next((c for c in RECORD_COLUMNS if c in headers), None)
    invalid = {row.number: row for row in result.invalid_rows}
    rows = []
    # every row is in ``result.rows``, in the file's order (our resources report
    # skipped rows); the first line of the file is its header
    for number, row_result in enumerate(result.rows, start=1):
        status, errors, changes = row_result.import_type, [], []
        record = row_result.object_repr or ""
        if not row_result.is_valid():
            status, errors = _row_errors(row_result, invalid.get(number))
            values = invalid[number].values if number in invalid else ()
            if not record and record_column and values:
                record = str(values[headers.index(record_column)] or "")
        elif row_result.is_update():
            changes = _changed_columns(headers, row_result.diff)
        linked = [RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP]
        if saved:
            linked.append(RowResult.IMPORT_TYPE_NEW)
        existing = row_result.import_type in linked
        rows.append(
            {
                "number": number,
                "line": number + 1,
                "status": status,
                "record": record,
                "object_id": row_result.object_id if existing else None,
                "changes": changes,
                "errors": errors,
            }
        )
    return rows


def row_totals(rows):
    totals = dict.fromkeys([status for status, _label in STATUSES], 0)
    for row in rows:
        totals[row["status"]] = totals.get(row["status"], 0) + 1
    return totals


class SpreadsheetMixin(ImportExportMixin):
    formats = [CSV, XLSX]
    import_template_name = "admin/agreements/import.html"
    #: what the import page says about the rows, above the form
    import_help = ""
    #: rows a page of a dry run's result lists
    result_per_page = 50

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["import_help"] = self.import_help
        context["template_url_name"] = self._template_url_name()
        return context

    def _template_url_name(self):
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_import_template"

    def _result_url_name(self):
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_import_result"

    def get_urls(self):
        return [
            path(
                "import-template.<str:extension>",
                self.admin_site.admin_view(self.import_template_view),
                name=self._template_url_name(),
            ),
            path(
                "import/<int:pk>/",
                self.admin_site.admin_view(self.import_result_view),
                name=self._result_url_name(),
            ),
            *super().get_urls(),
        ]

    # --- Import: the check, its result, the confirmation ---------------------------

    def import_action(self, request, **kwargs):
        """The library's import page and dry run; a file it checked is kept as a
        ``SpreadsheetImport`` and the browser is sent to its result."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if request.method != "POST" or result is None:
            return response
        run = self._keep_dry_run(request, context["form"], result)
        return HttpResponseRedirect(
            reverse(f"admin:{self._result_url_name()}", args=[run.pk])
        )

    def _keep_dry_run(self, request, import_form, result):
        rows = result_rows(result)
        confirm = self.get_confirm_form_initial(request, import_form)
        refused = bool(result.base_errors) or any(
            row["status"] in ("error", DUPLICATE) for row in rows
        )
        if refused:
            self._temporary_file(confirm).remove()  # it can't be imported
        return SpreadsheetImport.objects.create(
            model=self.model._meta.label_lower,
            file_name=confirm["original_file_name"][:255],
            confirm_data={key: str(value) for key, value in confirm.items()},
            user=request.user,
            state=(
                SpreadsheetImport.State.REFUSED
                if refused
                else SpreadsheetImport.State.CHECKED
            ),
            totals=row_totals(rows),
            file_errors=[str(error.error) for error in result.base_errors],
            rows=rows,
        )

    def _temporary_file(self, confirm):
        """The library's temporary storage of the file a check kept."""
        formats = self.get_import_formats()
        input_format = formats[int(confirm["format"])](encoding=self.from_encoding)
        return self.get_tmp_storage_class()(
            name=confirm["import_file_name"],
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )

    def import_result_view(self, request, pk):
        """A checked file's rows, a page at a time, errors first; a POST imports it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        run = get_object_or_404(
            SpreadsheetImport.objects.select_related("user"),
            pk=pk,
            model=self.model._meta.label_lower,
        )
        if request.method == "POST":
            return self._confirm(request, run)
        statuses = [
            (status, label, run.totals.get(status, 0)) for status, label in STATUSES
        ]
        problems = run.totals.get("error", 0) + run.totals.get(DUPLICATE, 0)
        shown = request.GET.get("status", "problems" if problems else "")
        if shown == "problems":
            rows = [r for r in run.rows if r["status"] in ("error", DUPLICATE)]
        elif shown in run.totals:
            rows = [r for r in run.rows if r["status"] == shown]
        else:
            shown, rows = "", run.rows
        page = Paginator(rows, self.result_per_page).get_page(request.GET.get("page"))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Result of the check: %(file)s") % {"file": run.file_name},
            "opts": opts,
            "run": run,
            "statuses": statuses,
            "problems": problems,
            "shown": shown,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "can_import": run.confirmable and run.user_id == request.user.pk,
            "change_url_name": f"admin:{opts.app_label}_{opts.model_name}_change",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/agreements/import_result.html", context)

    def _confirm(self, request, run):
        """Import the file ``run`` checked: once, by the person who checked it."""
        here = reverse(f"admin:{self._result_url_name()}", args=[run.pk])
        with transaction.atomic():
            run = SpreadsheetImport.objects.select_for_update().get(pk=run.pk)
            if run.user_id != request.user.pk:
                raise PermissionDenied
            if not run.confirmable:
                messages.error(
                    request, gettext("This file is not waiting to be imported.")
                )
                return HttpResponseRedirect(here)
            # the library's confirmation reads the file the check kept
            request.POST = QueryDict(mutable=True)
            request.POST.update(run.confirm_data)
            request.spreadsheet_import = run
            try:
                return self.process_import(request)
            except FileNotFoundError:
                run.state = SpreadsheetImport.State.REFUSED
                run.file_errors = [
                    gettext("The file is no longer on the server: upload it again.")
                ]
                run.save(update_fields=["state", "file_errors"])
                messages.error(request, run.file_errors[0])
                return HttpResponseRedirect(here)

    def process_result(self, result, request):
        """After the confirmed import: the record of the check says so; rows that the
        register no longer accepts (it changed since the check) import nothing."""
        run = getattr(request, "spreadsheet_import", None)
        if run is None:
            return super().process_result(result, request)
        refused = result.has_errors() or result.has_validation_errors()
        rows = result_rows(result, saved=not refused)
        run.rows, run.totals = rows, row_totals(rows)
        run.file_errors = [str(error.error) for error in result.base_errors]
        if refused:
            run.state = SpreadsheetImport.State.REFUSED
            run.save()
            messages.error(
                request,
                gettext(
                    "Nothing was imported: the register changed since the check, "
                    "and these rows are no longer accepted."
                ),
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self._result_url_name()}", args=[run.pk])
            )
        run.state = SpreadsheetImport.State.IMPORTED
        run.imported_at = timezone.now()
        run.save()
        return super().process_result(result, request)

    def export_action(self, request):
        """The list's records (its filters kept) as CSV or, with
        ``file_format=xlsx``, XLSX, straight away."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        extension = request.GET.pop("file_format", ["csv"])[-1]
        if extension not in FORMATS:
            return HttpResponseBadRequest("file_format: csv or xlsx")
        file_format = FORMATS[extension]()
        queryset = self.get_export_queryset(request)
        data = self.get_export_data(file_format, request, queryset, encoding="utf-8")
        response = HttpResponse(data, content_type=file_format.get_content_type())
        name = self.get_export_filename(request, queryset, file_format)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def import_template_view(self, request, extension):
        """An empty spreadsheet with the import's columns."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if extension not in FORMATS:
            raise Http404
        file_format = FORMATS[extension]()
        (resource_class,) = self.get_import_resource_classes(request)
        empty = resource_class().export(self.model._default_manager.none())
        response = HttpResponse(
            file_format.export_data(empty), content_type=file_format.get_content_type()
        )
        name = self.model._meta.verbose_name_plural.replace(" ", "-")
        response["Content-Disposition"] = (
            f'attachment; filename="{name}-template.{extension}"'
        )
        return response


@admin.register(SpreadsheetImport)
class SpreadsheetImportAdmin(admin.ModelAdmin):
    """Every file checked for import: who, when, what it held and whether it was
    imported, each with its rows' result. Only the import writes it; deleting old
    ones takes the delete permission (superusers have it)."""

    list_display = ("file_name", "records", "user", "checked_at", "state", "rows_link")
    list_filter = ("state", "model")
    list_select_related = ("user",)
    search_fields = ("file_name",)
    show_full_result_count = False
    fields = readonly_fields = (
        "file_name",
        "records",
        "user",
        "checked_at",
        "state",
        "imported_at",
        "rows_link",
    )

    def get_queryset(self, request):
        # the list and the record's page say how many rows, not which
        return super().get_queryset(request).defer("rows", "confirm_data")

    @admin.display(description=_("records"), ordering="model")
    def records(self, run):
        try:
            model = apps.get_model(run.model)
        except LookupError:
            return run.model
        return capfirst(model._meta.verbose_name_plural)

    @admin.display(description=_("rows"))
    def rows_link(self, run):
        totals = (
            ", ".join(
                f"{label}: {run.totals[status]}"
                for status, label in STATUSES
                if run.totals.get(status)
            )
            or "0"
        )
        name = f"admin:{run.model.replace('.', '_')}_import_result"
        try:
            url = reverse(name, args=[run.pk])
        except NoReverseMatch:  # records the admin no longer imports
            return totals
        return format_html('<a href="{}">{}</a>', url, totals)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # deleting one (an old check, say) is left to those given the permission
