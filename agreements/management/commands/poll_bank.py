from django.core.management.base import BaseCommand

from agreements import feed


class Command(BaseCommand):
    help = "Run one polling round over the bank's change feed and print what changed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="poll even while backing off after bank errors"
        )

    def handle(self, *args, force=False, **options):
        report = feed.bank_feed_poll(force=force)
        self.stdout.write(report.summary())
        if report.error:
            raise SystemExit(2)
