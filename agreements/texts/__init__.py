"""A document's texts: checking an upload (``validation``), reading its text outside
the request (``extraction``) and serving a published document's files (``views``).
The models are ``agreements.models.texts``."""


def document_texts(document):
    """What a document's page shows of its texts: ``identifiers`` and ``texts``
    (files and links, with their sources; never the extracted text), a query each,
    none for a kind the document was read without (``has_identifiers`` and
    ``has_texts`` from ``selectors.document_sections``)."""
    from ..models import Attachment, DocumentIdentifier

    texts = []
    if getattr(document, "has_texts", True):
        texts = list(Attachment.objects.listed().filter(document=document))
    for text in texts:
        text.document = document  # for its address, without a query
    identifiers = []
    if getattr(document, "has_identifiers", True):
        identifiers = list(
            DocumentIdentifier.objects.filter(document=document).select_related(
                "source"
            )
        )
    return {"identifiers": identifiers, "texts": texts}
