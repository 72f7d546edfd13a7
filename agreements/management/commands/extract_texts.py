"""Read the text of documents' files (PDF, DOCX, plain text) outside the request.

By default the files waiting for it (every new upload); ``--all`` reads every file
again; ``--document`` (repeatable) reads the files of the documents with those
slugs. Prints how many files reached each state; a PDF without a text layer then
shows in the data-quality queue (``no-text-layer``).

    manage.py extract_texts
    manage.py extract_texts --document agreement-on-air-services
"""

import time

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Attachment, Document
from agreements.texts.extraction import extract


class Command(BaseCommand):
    help = "Read the text of documents' files: those waiting, or all, or a document's."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="Read every file again.")
        which.add_argument(
            "--document",
            action="append",
            metavar="SLUG",
            help="Read the files of this document (repeatable).",
        )

    def handle(self, *args, **options):
        attachments = Attachment.objects.files().defer(
            "extracted_text", "search_vector"
        )
        if options["document"]:
            slugs = set(options["document"])
            known = set(
                Document.objects.filter(slug__in=slugs).values_list("slug", flat=True)
            )
            if unknown := sorted(slugs - known):
                raise CommandError(f"No document with the slug {', '.join(unknown)}.")
            attachments = attachments.filter(document__slug__in=slugs)
        elif not options["all"]:
            attachments = attachments.waiting()
        started = time.monotonic()
        reached = extract(attachments.order_by("pk").iterator(chunk_size=100))
        seconds = time.monotonic() - started
        total = sum(reached.values())
        self.stdout.write(f"{total} file(s) read in {seconds:.1f} s.")
        for state, label in Attachment.TextState.choices:
            if reached[state]:
                self.stdout.write(f"  {label}: {reached[state]}")
