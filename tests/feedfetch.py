"""The bank feed in tests: one poll round, then the files it announced fetched here.

The feed's handlers only record the files to fetch (``agreements.BankFileFetch``) and queue a
task per file on the ``imports`` queue once that commits. A test runs inside a transaction
that never commits and starts no worker, so it does what an imports worker would: runs each
due fetch's task in this process (``bank_file_fetches_run``)."""

from __future__ import annotations

from agreements import feed
from agreements.fetches import bank_file_fetches_run


def poll_and_fetch(client, **kwargs) -> feed.PollReport:
    report = feed.bank_feed_poll(client=client, **kwargs)
    bank_file_fetches_run()
    return report


def fetch_all() -> int:
    return bank_file_fetches_run()
