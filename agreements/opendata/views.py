"""/data/, the page for reuse, and the bulk files it lists."""

import datetime
import mimetypes

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ..views import RegisterMixin, crumbs
from . import build
from .tables import TABLES

#: What the page says of each file, by name.
DESCRIPTIONS = {
    **{table.filename: (table.title, table.description) for table in TABLES},
    build.JSON_FILE: (build.JSON_TITLE, build.JSON_DESCRIPTION),
    build.DATAPACKAGE: (build.DATAPACKAGE_TITLE, build.DATAPACKAGE_DESCRIPTION),
}


def _moment(text):
    try:
        return datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


class OpenDataView(RegisterMixin, TemplateView):
    """What the last build left (its manifest), the data dictionary, the licence."""

    template_name = "agreements/open_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        manifest = build.read_manifest()
        files = []
        for file in (manifest or {}).get("files", ()):
            title, description = DESCRIPTIONS.get(file.get("name"), ("", ""))
            files.append(
                {
                    **file,
                    "title": title or file.get("name"),
                    "description": description,
                    "created": _moment(file.get("created")),
                }
            )
        context.update(
            files=files,
            built=_moment((manifest or {}).get("created")),
            tables=TABLES,
            licence=settings.DATA_LICENCE,
            breadcrumbs=crumbs((_("Open data"), None)),
        )
        return context


def download(request, name):
    """A file of the set in service, if the manifest lists it (nothing else under
    the directory is ever served)."""
    manifest = build.read_manifest()
    listed = {file["name"]: file for file in (manifest or {}).get("files", ())}
    file = listed.get(name)
    if file is None:
        raise Http404(_("There is no such file."))
    path = build.current_dir() / name
    try:
        handle = path.open("rb")
    except OSError as error:
        raise Http404(_("There is no such file.")) from error
    modified = path.stat().st_mtime
    etag = f'"{file.get("hash", "").removeprefix("sha256:")}"'
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(
        handle,
        as_attachment=name != build.DATAPACKAGE,
        filename=name,
        content_type=f"{content_type}; charset=utf-8",
    )
    response["Last-Modified"] = http_date(modified)
    response["ETag"] = etag
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(modified), response=response
    )
    if conditional is not response:
        handle.close()
    return conditional
