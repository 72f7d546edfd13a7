"""``seed_demo``: fill the register with a large, realistic, reproducible demo."""

from django.core.management.base import BaseCommand, CommandError

from agreements import demo


class Command(BaseCommand):
    help = (
        "Add N realistic demo documents with their bodies, events, sources, "
        "relations and follow-up, saved in bulk (developer tooling: make bench "
        "seeds its register with it). The same seed "
        "builds the same register. Demo rows are marked (slugs start with 'demo-', "
        "source URLs with 'https://demo.') and sit beside other data; if the register "
        "already holds demo rows the command refuses, unless --replace is given "
        "(which also clears what a run stopped half-way left behind)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--documents",
            type=int,
            default=1000,
            help="How many documents to add (default 1000).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (default 1)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Documents saved per transaction (default 2000).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo rows already in the register first.",
        )
        parser.add_argument(
            "--no-follow-up",
            action="store_false",
            dest="follow_up",
            help="Skip the actions and progress updates (about half the time).",
        )

    def handle(self, *args, documents, seed, batch_size, replace, follow_up, **options):
        if documents < 1:
            raise CommandError("--documents must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        verbosity = options["verbosity"]
        existing = demo.demo_counts()
        if any(existing.values()):
            held = ", ".join(f"{count:,} {label}" for label, count in existing.items())
            if not replace:
                raise CommandError(
                    f"The register already holds demo data ({held}). Run again with "
                    "--replace to delete it first; other data is left alone."
                )
            deleted = demo.delete_demo_register()
            if verbosity:
                self.stdout.write(
                    f"Deleted the earlier demo: {deleted['documents']:,} documents, "
                    f"{deleted['bodies']:,} bodies, {deleted['events']:,} events."
                )

        try:
            summary = demo.build_demo_register(
                documents=documents,
                seed=seed,
                batch_size=batch_size,
                follow_up=follow_up,
                progress=self.stdout.write if verbosity else None,
            )
        except demo.DemoError as error:
            raise CommandError(str(error)) from error

        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {summary.counts['documents']:,} demo documents in "
                    f"{summary.seconds:.1f} s (seed {seed}):"
                )
            )
            width = max(len(label) for label in summary.counts)
            for label, count in summary.counts.items():
                self.stdout.write(f"  {label:<{width}}  {count:>9,}")
