"""Reading the text of documents' files, outside the request: ``manage.py
extract_texts`` and the document changelist's action call ``extract``.

PDF through pypdf, DOCX through python-docx, plain text as UTF-8. A PDF whose pages
give (almost) no text is a scan without a text layer: it is marked so, and the
data-quality queue lists it (check ``no-text-layer``).
"""

import io
import logging
from collections import Counter

from django.db.models import F
from django.utils import timezone

from ..models import Attachment
from .validation import extension

logger = logging.getLogger(__name__)

State = Attachment.TextState
#: Fewer letters than this a page, on average: the PDF is taken for a scan (a
#: scan's pages give none, or a few from a stamp; page numbers are not letters).
MIN_LETTERS_PER_PAGE = 5
#: Characters PostgreSQL cannot hold (NUL) or that mark a search's snippet.
_DROPPED = str.maketrans({"\x00": None, "\ue000": None, "\ue001": None})


def extract(attachments):
    """Read the text of each of ``attachments`` (links are marked as such) and store
    it with its state; returns a ``Counter`` of the states reached."""
    reached = Counter()
    for attachment in attachments:
        state, text, pages = _read(attachment)
        updates = {
            "text_state": state,
            "extracted_text": text,
            "extracted_at": timezone.now() if state != State.LINK else None,
            # a bulk write: the row's version moves, so an open form is not lost
            "version": F("version") + 1,
        }
        if pages is not None:
            updates["pages"] = pages
        Attachment.objects.filter(pk=attachment.pk).update(**updates)
        reached[state] += 1
    return reached


def _read(attachment):
    """``(state, text, pages)`` of one attachment."""
    if not attachment.file:
        return State.LINK, "", None
    ext = extension(attachment.file.name)
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read()
        if ext == ".pdf":
            text, pages = pdf_text(data)
            letters = sum(character.isalpha() for character in text)
            if letters < MIN_LETTERS_PER_PAGE * max(pages, 1):
                return State.NO_TEXT_LAYER, "", pages
            return State.DONE, text.translate(_DROPPED), pages
        if ext == ".docx":
            return State.DONE, docx_text(data).translate(_DROPPED), None
        if ext == ".txt":
            return State.DONE, data.decode("utf-8").translate(_DROPPED), None
    except Exception:  # a file the checks let through and the library cannot read
        logger.exception("text extraction failed for attachment %s", attachment.pk)
        return State.FAILED, "", None
    return State.FAILED, "", None


def pdf_text(data):
    """``(text, pages)``: each page's text, pages apart by a blank line."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    texts = [page.extract_text() or "" for page in reader.pages]
    return "\n\n".join(text.strip() for text in texts), len(texts)


def docx_text(data):
    """The paragraphs, then the tables' cells, one a line."""
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(line for line in lines if line.strip())
