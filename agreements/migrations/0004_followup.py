"""Follow-up: actions, their sources, progress updates and the reminders sent.

See ``agreements.models.followup``; ``agreements.followup`` holds the services.
"""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0003_document_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Action",
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
                    "slug",
                    models.SlugField(
                        help_text="Unique within the document; part of its address.",
                        max_length=120,
                        verbose_name="slug",
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="title")),
                (
                    "description",
                    models.TextField(blank=True, verbose_name="description"),
                ),
                (
                    "clause",
                    models.CharField(
                        blank=True,
                        help_text="The article or clause it carries out, e.g. “Article 3(2)”.",
                        max_length=100,
                        verbose_name="article or clause",
                    ),
                ),
                (
                    "focal_person",
                    models.CharField(
                        blank=True,
                        help_text="Staff only: never shown to the public.",
                        max_length=200,
                        verbose_name="focal person",
                    ),
                ),
                (
                    "contact_email",
                    models.EmailField(
                        blank=True,
                        help_text="Receives the reminders; staff only, never shown to the public.",
                        max_length=254,
                        verbose_name="contact e-mail",
                    ),
                ),
                (
                    "due_on",
                    models.DateField(blank=True, null=True, verbose_name="due date"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "planned"),
                            ("in_progress", "in progress"),
                            ("done", "done"),
                            ("cancelled", "cancelled"),
                            ("blocked", "blocked"),
                        ],
                        default="planned",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                (
                    "completed_on",
                    models.DateField(
                        blank=True, null=True, verbose_name="completion date"
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
                    "updated_at",
                    models.DateTimeField(auto_now=True, verbose_name="updated"),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="actions",
                        to="agreements.document",
                        verbose_name="document",
                    ),
                ),
                (
                    "responsible_bodies",
                    models.ManyToManyField(
                        help_text="One or more, from either side.",
                        related_name="actions",
                        to="agreements.body",
                        verbose_name="responsible bodies",
                    ),
                ),
            ],
            options={
                "verbose_name": "action",
                "verbose_name_plural": "actions",
                "ordering": (
                    models.OrderBy(models.F("due_on"), nulls_last=True),
                    "title",
                    "id",
                ),
            },
        ),
        migrations.CreateModel(
            name="ActionCitation",
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
                    "claim",
                    models.CharField(
                        blank=True,
                        help_text="The fact this source supports, e.g. “signatories” or “date”.",
                        max_length=300,
                        verbose_name="what it supports",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "action",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="citations",
                        to="agreements.action",
                        verbose_name="action",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        to="agreements.source",
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "action source",
                "verbose_name_plural": "action sources",
                "ordering": ("id",),
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="HistoricalAction",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="Unique within the document; part of its address.",
                        max_length=120,
                        verbose_name="slug",
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="title")),
                (
                    "description",
                    models.TextField(blank=True, verbose_name="description"),
                ),
                (
                    "clause",
                    models.CharField(
                        blank=True,
                        help_text="The article or clause it carries out, e.g. “Article 3(2)”.",
                        max_length=100,
                        verbose_name="article or clause",
                    ),
                ),
                (
                    "focal_person",
                    models.CharField(
                        blank=True,
                        help_text="Staff only: never shown to the public.",
                        max_length=200,
                        verbose_name="focal person",
                    ),
                ),
                (
                    "contact_email",
                    models.EmailField(
                        blank=True,
                        help_text="Receives the reminders; staff only, never shown to the public.",
                        max_length=254,
                        verbose_name="contact e-mail",
                    ),
                ),
                (
                    "due_on",
                    models.DateField(blank=True, null=True, verbose_name="due date"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "planned"),
                            ("in_progress", "in progress"),
                            ("done", "done"),
                            ("cancelled", "cancelled"),
                            ("blocked", "blocked"),
                        ],
                        default="planned",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                (
                    "completed_on",
                    models.DateField(
                        blank=True, null=True, verbose_name="completion date"
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
                    "updated_at",
                    models.DateTimeField(
                        blank=True, editable=False, verbose_name="updated"
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
            ],
            options={
                "verbose_name": "historical action",
                "verbose_name_plural": "historical actions",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalAction_responsible_bodies",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "action",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.action",
                    ),
                ),
                (
                    "body",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.body",
                    ),
                ),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="agreements.historicalaction",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalAction_responsible_bodies",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalActionCitation",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
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
                    "claim",
                    models.CharField(
                        blank=True,
                        help_text="The fact this source supports, e.g. “signatories” or “date”.",
                        max_length=300,
                        verbose_name="what it supports",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
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
                    "action",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.action",
                        verbose_name="action",
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
                "verbose_name": "historical action source",
                "verbose_name_plural": "historical action sources",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProgressUpdate",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("happened_on", models.DateField(verbose_name="date")),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "day"),
                            ("month", "month only"),
                            ("year", "year only"),
                        ],
                        default="day",
                        help_text="When the sources give only the month or the year, the date is the first day of it and readers see only the month or the year.",
                        max_length=5,
                        verbose_name="date precision",
                    ),
                ),
                (
                    "title",
                    models.CharField(max_length=300, verbose_name="what happened"),
                ),
                ("text", models.TextField(blank=True, verbose_name="details")),
                (
                    "status_before",
                    models.CharField(
                        choices=[
                            (
                                "Document follow-up",
                                [
                                    ("not_started", "not started"),
                                    ("in_progress", "in progress"),
                                    ("completed", "completed"),
                                    ("stalled", "stalled"),
                                    ("not_applicable", "not applicable"),
                                    ("unknown", "unknown"),
                                ],
                            ),
                            (
                                "Action",
                                [
                                    ("planned", "planned"),
                                    ("in_progress", "in progress"),
                                    ("done", "done"),
                                    ("cancelled", "cancelled"),
                                    ("blocked", "blocked"),
                                ],
                            ),
                        ],
                        max_length=20,
                        verbose_name="status before",
                    ),
                ),
                (
                    "status_after",
                    models.CharField(
                        choices=[
                            (
                                "Document follow-up",
                                [
                                    ("not_started", "not started"),
                                    ("in_progress", "in progress"),
                                    ("completed", "completed"),
                                    ("stalled", "stalled"),
                                    ("not_applicable", "not applicable"),
                                    ("unknown", "unknown"),
                                ],
                            ),
                            (
                                "Action",
                                [
                                    ("planned", "planned"),
                                    ("in_progress", "in progress"),
                                    ("done", "done"),
                                    ("cancelled", "cancelled"),
                                    ("blocked", "blocked"),
                                ],
                            ),
                        ],
                        max_length=20,
                        verbose_name="status after",
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
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="recorded",
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
                    "action",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Empty when the entry is about the document as a whole.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="agreements.action",
                        verbose_name="action",
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
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
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
                "verbose_name": "historical progress update",
                "verbose_name_plural": "historical progress updates",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ProgressUpdate",
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
                ("happened_on", models.DateField(verbose_name="date")),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "day"),
                            ("month", "month only"),
                            ("year", "year only"),
                        ],
                        default="day",
                        help_text="When the sources give only the month or the year, the date is the first day of it and readers see only the month or the year.",
                        max_length=5,
                        verbose_name="date precision",
                    ),
                ),
                (
                    "title",
                    models.CharField(max_length=300, verbose_name="what happened"),
                ),
                ("text", models.TextField(blank=True, verbose_name="details")),
                (
                    "status_before",
                    models.CharField(
                        choices=[
                            (
                                "Document follow-up",
                                [
                                    ("not_started", "not started"),
                                    ("in_progress", "in progress"),
                                    ("completed", "completed"),
                                    ("stalled", "stalled"),
                                    ("not_applicable", "not applicable"),
                                    ("unknown", "unknown"),
                                ],
                            ),
                            (
                                "Action",
                                [
                                    ("planned", "planned"),
                                    ("in_progress", "in progress"),
                                    ("done", "done"),
                                    ("cancelled", "cancelled"),
                                    ("blocked", "blocked"),
                                ],
                            ),
                        ],
                        max_length=20,
                        verbose_name="status before",
                    ),
                ),
                (
                    "status_after",
                    models.CharField(
                        choices=[
                            (
                                "Document follow-up",
                                [
                                    ("not_started", "not started"),
                                    ("in_progress", "in progress"),
                                    ("completed", "completed"),
                                    ("stalled", "stalled"),
                                    ("not_applicable", "not applicable"),
                                    ("unknown", "unknown"),
                                ],
                            ),
                            (
                                "Action",
                                [
                                    ("planned", "planned"),
                                    ("in_progress", "in progress"),
                                    ("done", "done"),
                                    ("cancelled", "cancelled"),
                                    ("blocked", "blocked"),
                                ],
                            ),
                        ],
                        max_length=20,
                        verbose_name="status after",
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
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="recorded",
                    ),
                ),
                (
                    "action",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when the entry is about the document as a whole.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="updates",
                        to="agreements.action",
                        verbose_name="action",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="updates",
                        to="agreements.document",
                        verbose_name="document",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agreements.source",
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "progress update",
                "verbose_name_plural": "progress updates",
                "ordering": ("-happened_on", "-created_at", "-id"),
            },
        ),
        migrations.CreateModel(
            name="ReminderLog",
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
                    "recipient",
                    models.EmailField(max_length=254, verbose_name="recipient"),
                ),
                ("sent_on", models.DateField(verbose_name="day")),
                (
                    "sent_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="sent at"
                    ),
                ),
                (
                    "overdue_count",
                    models.PositiveIntegerField(
                        default=0, verbose_name="overdue actions"
                    ),
                ),
                (
                    "due_soon_count",
                    models.PositiveIntegerField(
                        default=0, verbose_name="actions due soon"
                    ),
                ),
            ],
            options={
                "verbose_name": "reminder sent",
                "verbose_name_plural": "reminders sent",
                "ordering": ("-sent_on", "recipient"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("recipient", "sent_on"),
                        name="agreements_reminderlog_once_a_day",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["status", "due_on"], name="agreements_action_status"
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["due_on", "title"], name="agreements_action_due"
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.UniqueConstraint(
                fields=("document", "slug"), name="agreements_action_unique_slug"
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "done"), _negated=True),
                    ("completed_on__isnull", False),
                    _connector="OR",
                ),
                name="agreements_action_done_has_completion_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "done"), ("completed_on__isnull", True), _connector="OR"
                ),
                name="agreements_action_completion_date_only_when_done",
            ),
        ),
        migrations.AddConstraint(
            model_name="actioncitation",
            constraint=models.UniqueConstraint(
                fields=("action", "source", "claim"),
                name="agreements_actioncitation_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="progressupdate",
            constraint=models.UniqueConstraint(
                fields=("document", "happened_on", "title"),
                name="agreements_progressupdate_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="progressupdate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("action__isnull", True),
                        (
                            "status_after__in",
                            [
                                "not_started",
                                "in_progress",
                                "completed",
                                "stalled",
                                "not_applicable",
                                "unknown",
                            ],
                        ),
                        (
                            "status_before__in",
                            [
                                "not_started",
                                "in_progress",
                                "completed",
                                "stalled",
                                "not_applicable",
                                "unknown",
                            ],
                        ),
                    ),
                    models.Q(
                        ("action__isnull", False),
                        (
                            "status_after__in",
                            ["planned", "in_progress", "done", "cancelled", "blocked"],
                        ),
                        (
                            "status_before__in",
                            ["planned", "in_progress", "done", "cancelled", "blocked"],
                        ),
                    ),
                    _connector="OR",
                ),
                name="agreements_progressupdate_status_of_its_kind",
            ),
        ),
    ]
