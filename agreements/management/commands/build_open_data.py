"""``build_open_data``: the bulk files of /data/ (what they hold: agreements.opendata),
for cron."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat

from agreements.opendata.build import build, current_dir


class Command(BaseCommand):
    help = (
        "Write the published register as CSV files, one JSON file and a data package "
        "into OPEN_DATA_ROOT, then put the new set in service at once (the previous "
        "one stays until the new one is complete)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=None,
            help=(
                "the site's address for the URLs in the files, e.g. "
                "https://register.example.org (default: OPEN_DATA_BASE_URL)"
            ),
        )

    def handle(self, *args, base_url=None, **options):
        if base_url is None:
            base_url = settings.OPEN_DATA_BASE_URL
        if not base_url:
            self.stderr.write(
                "No --base-url nor DJANGO_OPEN_DATA_BASE_URL: the files hold paths, "
                "not full addresses."
            )
        manifest = build(base_url=base_url)
        for file in manifest["files"]:
            rows = "" if file["rows"] is None else f"{file['rows']} rows, "
            self.stdout.write(f"{file['name']}: {rows}{filesizeformat(file['bytes'])}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Open data built at {manifest['created']} in {current_dir().resolve()}"
            )
        )
