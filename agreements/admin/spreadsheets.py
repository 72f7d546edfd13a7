"""Spreadsheets in and out of the admin (django-import-export), for documents,
events, bodies and sources: CSV or XLSX, a template with the columns to download,
and an export straight to a file with the list's filters kept (the library's
field-choice page has inline scripts and styles that the CSP refuses)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.urls import path
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

FORMATS = {"csv": CSV, "xlsx": XLSX}


class SpreadsheetMixin(ImportExportMixin):
    formats = [CSV, XLSX]
    import_template_name = "admin/agreements/import.html"
    #: what the import page says about the rows, above the form
    import_help = ""

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["import_help"] = self.import_help
        context["template_url_name"] = self._template_url_name()
        return context

    def _template_url_name(self):
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_import_template"

    def get_urls(self):
        return [
            path(
                "import-template.<str:extension>",
                self.admin_site.admin_view(self.import_template_view),
                name=self._template_url_name(),
            ),
            *super().get_urls(),
        ]

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
