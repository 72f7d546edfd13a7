"""First-run set-up for ``make run``: seed data when empty, a local admin when none."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from agreements.models import Document


class Command(BaseCommand):
    help = (
        "Load the kz_az_2023 fixtures (register and follow-up) when the register "
        "is empty and, with DEBUG on, create a superuser 'admin' with a random "
        "password when no superuser exists."
    )

    def handle(self, *args, **options):
        if not Document.objects.exists():
            fixtures = ("kz_az_2023", "kz_az_2023_followup")
            call_command("loaddata", *fixtures, verbosity=0)
            count = Document.objects.count()
            self.stdout.write(f"Loaded kz_az_2023: {count} documents in the register.")
        User = get_user_model()
        if settings.DEBUG and not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            self.stdout.write(
                self.style.SUCCESS(
                    "Created the local superuser for /admin/ (shown once):\n"
                    f"  username: admin\n  password: {password}"
                )
            )
