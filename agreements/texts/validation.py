"""What an upload must be before it is stored: one of the accepted kinds, within the
size limit, and its content what its extension says.

Each check reads the file as uploaded (in memory or in Django's temporary file),
never what the browser claims its type is. A DOCX is a zip: its members' declared
sizes are checked before anything is decompressed, and reading stops at them.
"""

import posixpath
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: The extensions accepted, and the content type each is served with.
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    ".txt": "text/plain; charset=utf-8",
}
#: A DOCX whose members would unpack to more than this is refused.
DOCX_MAX_UNPACKED = 200 * 1024 * 1024
#: ... or one of whose large members is compressed more than this (XML text
#: compresses about 10x; a bomb's filler, thousands of times).
DOCX_MAX_RATIO = 100
DOCX_RATIO_FROM = 1024 * 1024
DOCX_MAX_MEMBERS = 5000


@dataclass(frozen=True)
class Upload:
    """What an accepted file is."""

    content_type: str
    size: int
    pages: int | None = None


def max_size():
    return settings.ATTACHMENT_MAX_MB * 1024 * 1024


def extension(name):
    return posixpath.splitext(name or "")[1].lower()


def check_upload(uploaded):
    """The ``Upload`` facts of an acceptable file; ``ValidationError`` otherwise."""
    ext = extension(uploaded.name)
    if ext not in CONTENT_TYPES:
        raise ValidationError(
            _("Only PDF, DOCX and plain text (.txt) files are accepted."),
            code="extension",
        )
    if uploaded.size > max_size():
        raise ValidationError(
            _("The file is %(size)s; the most accepted is %(limit)s.")
            % {
                "size": filesizeformat(uploaded.size),
                "limit": filesizeformat(max_size()),
            },
            code="size",
        )
    uploaded.seek(0)
    try:
        pages = {".pdf": _check_pdf, ".docx": _check_docx, ".txt": _check_txt}[ext](
            uploaded
        )
    finally:
        uploaded.seek(0)
    return Upload(content_type=CONTENT_TYPES[ext], size=uploaded.size, pages=pages)


def _not_what_it_says(kind):
    return ValidationError(
        _("The file's content is not %(kind)s, as its extension says.")
        % {"kind": kind},
        code="content",
    )


def _check_pdf(uploaded):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not uploaded.read(1024).lstrip().startswith(b"%PDF-"):
        raise _not_what_it_says("PDF")
    uploaded.seek(0)
    try:
        reader = PdfReader(uploaded)
        if reader.is_encrypted:
            raise ValidationError(
                _("The PDF is encrypted or password-protected: upload an open copy."),
                code="encrypted",
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
        raise ValidationError(
            _("The PDF is damaged and cannot be read."), code="corrupt"
        ) from None
    if not pages:
        raise ValidationError(_("The PDF has no pages."), code="corrupt")
    return pages


def _check_docx(uploaded):
    if not zipfile.is_zipfile(uploaded):
        raise _not_what_it_says("DOCX")
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "word/document.xml" not in names:
                raise _not_what_it_says("DOCX")
            unpacked = sum(member.file_size for member in members)
            ratios = (
                member.file_size / max(member.compress_size, 1)
                for member in members
                if member.file_size > DOCX_RATIO_FROM
            )
            if (
                len(members) > DOCX_MAX_MEMBERS
                or unpacked > DOCX_MAX_UNPACKED
                or max(ratios, default=0) > DOCX_MAX_RATIO
            ):
                raise ValidationError(
                    _(
                        "The DOCX would unpack to far more than its size (a “zip "
                        "bomb”): it is refused."
                    ),
                    code="zip_bomb",
                )
    except zipfile.BadZipFile:
        raise ValidationError(
            _("The DOCX is damaged and cannot be read."), code="corrupt"
        ) from None
    return None


def _check_txt(uploaded):
    data = uploaded.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The text file is not UTF-8 text: save it as UTF-8 and upload it again."),
            code="content",
        ) from None
    if "\x00" in text:
        raise _not_what_it_says(_("plain text"))
    return None
