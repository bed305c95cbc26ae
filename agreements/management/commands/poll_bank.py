from django.core.management.base import BaseCommand

from agreements import feed
from agreements.fetches import bank_file_fetches_run


class Command(BaseCommand):
    help = (
        "Run one polling round over the bank's change feed, then download and import the files "
        "it announced (what the imports workers do), and print what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="poll even while backing off after bank errors"
        )
        parser.add_argument(
            "--no-fetch",
            action="store_true",
            help="leave the announced files to the imports workers (queued as tasks)",
        )

    def handle(self, *args, force=False, no_fetch=False, **options):
        report = feed.bank_feed_poll(force=force)
        self.stdout.write(report.summary())
        if not no_fetch:
            self.stdout.write(f"{bank_file_fetches_run()} bank file(s) fetched")
        if report.error:
            raise SystemExit(2)
