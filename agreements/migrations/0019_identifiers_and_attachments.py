"""A document's official identifiers and its texts (files or links), issue 16.

On PostgreSQL the search triggers then take in the identifiers' values and keep
each attachment's ``search_vector`` with its GIN index: the ``post_migrate`` hook
of ``agreements.search`` re-installs them once these tables exist.
"""

import django.contrib.postgres.search
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import agreements.models.texts


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0018_feed_newest_published"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalAttachment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("signed_text", "signed text"),
                            ("official_translation", "official translation"),
                            ("unofficial_translation", "unofficial translation"),
                            ("annex", "annex"),
                            ("official_publication", "official publication"),
                        ],
                        default="signed_text",
                        max_length=30,
                        verbose_name="kind",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("kk", "Kazakh"),
                            ("ru", "Russian"),
                            ("az", "Azerbaijani"),
                            ("other", "other"),
                        ],
                        max_length=5,
                        verbose_name="language",
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        blank=True,
                        help_text="Optional, e.g. “Annex 2: list of border crossings”.",
                        max_length=300,
                        verbose_name="title",
                    ),
                ),
                (
                    "file",
                    models.TextField(
                        blank=True,
                        help_text="PDF, DOCX or plain text (UTF-8).",
                        max_length=300,
                        verbose_name="file",
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        blank=True,
                        help_text="An official text held elsewhere, recorded without a file.",
                        max_length=500,
                        verbose_name="link",
                    ),
                ),
                (
                    "confidence",
                    models.CharField(
                        choices=[
                            ("confirmed", "confirmed"),
                            ("reported", "reported"),
                            ("inferred", "inferred"),
                        ],
                        default="reported",
                        max_length=10,
                        verbose_name="confidence",
                    ),
                ),
                (
                    "size",
                    models.PositiveBigIntegerField(
                        editable=False, null=True, verbose_name="size"
                    ),
                ),
                (
                    "content_type",
                    models.CharField(
                        blank=True,
                        editable=False,
                        max_length=100,
                        verbose_name="content type",
                    ),
                ),
                (
                    "pages",
                    models.PositiveIntegerField(
                        editable=False, null=True, verbose_name="pages"
                    ),
                ),
                (
                    "text_state",
                    models.CharField(
                        choices=[
                            ("waiting", "waiting for extraction"),
                            ("done", "text extracted"),
                            ("no_text_layer", "no text layer"),
                            ("failed", "extraction failed"),
                            ("link", "link, no file"),
                        ],
                        default="waiting",
                        editable=False,
                        max_length=20,
                        verbose_name="text",
                    ),
                ),
                (
                    "extracted_at",
                    models.DateTimeField(
                        editable=False, null=True, verbose_name="extracted"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="created",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.document",
                        verbose_name="document",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.source",
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical text or file",
                "verbose_name_plural": "historical texts and files",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalDocumentIdentifier",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("national_register", "national register number"),
                            ("official_publication", "official publication reference"),
                            ("unts", "UNTS registration number"),
                            ("other", "other identifier"),
                        ],
                        max_length=30,
                        verbose_name="kind",
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        max_length=200, verbose_name="number or reference"
                    ),
                ),
                (
                    "issuer",
                    models.CharField(
                        blank=True,
                        help_text="Who gave the number, e.g. “Adilet (Ministry of Justice)”.",
                        max_length=200,
                        verbose_name="issuer",
                    ),
                ),
                (
                    "url",
                    models.URLField(blank=True, max_length=500, verbose_name="link"),
                ),
                (
                    "confidence",
                    models.CharField(
                        choices=[
                            ("confirmed", "confirmed"),
                            ("reported", "reported"),
                            ("inferred", "inferred"),
                        ],
                        default="reported",
                        max_length=10,
                        verbose_name="confidence",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.document",
                        verbose_name="document",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.source",
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical official identifier",
                "verbose_name_plural": "historical official identifiers",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Attachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("signed_text", "signed text"),
                            ("official_translation", "official translation"),
                            ("unofficial_translation", "unofficial translation"),
                            ("annex", "annex"),
                            ("official_publication", "official publication"),
                        ],
                        default="signed_text",
                        max_length=30,
                        verbose_name="kind",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("kk", "Kazakh"),
                            ("ru", "Russian"),
                            ("az", "Azerbaijani"),
                            ("other", "other"),
                        ],
                        max_length=5,
                        verbose_name="language",
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        blank=True,
                        help_text="Optional, e.g. “Annex 2: list of border crossings”.",
                        max_length=300,
                        verbose_name="title",
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        blank=True,
                        help_text="PDF, DOCX or plain text (UTF-8).",
                        max_length=300,
                        upload_to=agreements.models.texts.attachment_path,
                        verbose_name="file",
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        blank=True,
                        help_text="An official text held elsewhere, recorded without a file.",
                        max_length=500,
                        verbose_name="link",
                    ),
                ),
                (
                    "confidence",
                    models.CharField(
                        choices=[
                            ("confirmed", "confirmed"),
                            ("reported", "reported"),
                            ("inferred", "inferred"),
                        ],
                        default="reported",
                        max_length=10,
                        verbose_name="confidence",
                    ),
                ),
                (
                    "size",
                    models.PositiveBigIntegerField(
                        editable=False, null=True, verbose_name="size"
                    ),
                ),
                (
                    "content_type",
                    models.CharField(
                        blank=True,
                        editable=False,
                        max_length=100,
                        verbose_name="content type",
                    ),
                ),
                (
                    "pages",
                    models.PositiveIntegerField(
                        editable=False, null=True, verbose_name="pages"
                    ),
                ),
                (
                    "text_state",
                    models.CharField(
                        choices=[
                            ("waiting", "waiting for extraction"),
                            ("done", "text extracted"),
                            ("no_text_layer", "no text layer"),
                            ("failed", "extraction failed"),
                            ("link", "link, no file"),
                        ],
                        default="waiting",
                        editable=False,
                        max_length=20,
                        verbose_name="text",
                    ),
                ),
                (
                    "extracted_text",
                    models.TextField(
                        blank=True,
                        default="",
                        editable=False,
                        verbose_name="extracted text",
                    ),
                ),
                (
                    "extracted_at",
                    models.DateTimeField(
                        editable=False, null=True, verbose_name="extracted"
                    ),
                ),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(
                        editable=False,
                        null=True,
                        serialize=False,
                        verbose_name="search vector",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="created",
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        default=1,
                        editable=False,
                        help_text="Goes up by one with each save from the admin or a bulk action.",
                        verbose_name="version",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="agreements.document",
                        verbose_name="document",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="agreements.source",
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "text or file",
                "verbose_name_plural": "texts and files",
                "ordering": ("document", "kind", "language", "pk"),
                "indexes": [
                    models.Index(
                        fields=["text_state", "document"],
                        name="agreements_attach_state",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("file", ""), _negated=True),
                            models.Q(("url", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="agreements_attachment_file_or_link",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DocumentIdentifier",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("national_register", "national register number"),
                            ("official_publication", "official publication reference"),
                            ("unts", "UNTS registration number"),
                            ("other", "other identifier"),
                        ],
                        max_length=30,
                        verbose_name="kind",
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        max_length=200, verbose_name="number or reference"
                    ),
                ),
                (
                    "issuer",
                    models.CharField(
                        blank=True,
                        help_text="Who gave the number, e.g. “Adilet (Ministry of Justice)”.",
                        max_length=200,
                        verbose_name="issuer",
                    ),
                ),
                (
                    "url",
                    models.URLField(blank=True, max_length=500, verbose_name="link"),
                ),
                (
                    "confidence",
                    models.CharField(
                        choices=[
                            ("confirmed", "confirmed"),
                            ("reported", "reported"),
                            ("inferred", "inferred"),
                        ],
                        default="reported",
                        max_length=10,
                        verbose_name="confidence",
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        default=1,
                        editable=False,
                        help_text="Goes up by one with each save from the admin or a bulk action.",
                        verbose_name="version",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identifiers",
                        to="agreements.document",
                        verbose_name="document",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="agreements.source",
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "official identifier",
                "verbose_name_plural": "official identifiers",
                "ordering": ("document", "kind", "value"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("document", "kind", "value"),
                        name="agreements_documentidentifier_unique",
                    )
                ],
            },
        ),
    ]
