"""A published document's files, served through Django (never from MEDIA_ROOT or
the bucket directly), so a draft's file answers 404 like the draft itself."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from ..models import Attachment
from .validation import CONTENT_TYPES, extension

#: Shown in the browser; anything else is downloaded.
INLINE = {".pdf", ".txt"}


def attachment_file(request, slug, pk, filename):
    attachment = get_object_or_404(
        Attachment.objects.select_related("document")
        .defer("extracted_text", "search_vector")
        .exclude(file=""),
        pk=pk,
        document__slug=slug,
        document__is_published=True,
    )
    if attachment.filename != filename:
        raise Http404("No such file.")
    ext = extension(filename)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the storage.") from None
    response = FileResponse(
        handle,
        as_attachment=ext not in INLINE,
        filename=filename,
        content_type=CONTENT_TYPES.get(ext, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
