"""Who handles which event of the bank's change feed: the registry, below every app.

Apps register a handler per event type in their ``AppConfig.ready``
(``bankfeed.register("statement.created", statements_fetch)``); the poller
(``agreements.feed.bank_feed_poll``) reads the feed and calls ``handlers_for``. Kept in the
kernel so that an app that only handles events needs nothing from the app that polls.

A handler receives a run of consecutive events of its type (a list, so it can work in a
constant number of queries per page) and must be idempotent: the bank may deliver an event
twice, and a round that fails half-way is redelivered from the stored cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The events are ``bankclient.dto.ChangeEvent``; the kernel does not import the bank client.
Handler = Callable[[list[Any]], None]
_HANDLERS: dict[str, list[Handler]] = {}


def register(event_type: str, handler: Handler) -> None:
    handlers = _HANDLERS.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def handlers_for(event_type: str) -> list[Handler]:
    return list(_HANDLERS.get(event_type, ()))
