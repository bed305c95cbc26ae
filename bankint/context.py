"""Who is acting, from where: one context per request or task.

Services read it to stamp audit rows and logs, so a view or a task never has to pass the
request down through every call.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ActorContext:
    request_id: str = "-"
    user_id: int | None = None
    username: str = ""
    ip: str | None = None
    source: str = "system"


_EMPTY = ActorContext()
_current: contextvars.ContextVar[ActorContext] = contextvars.ContextVar("bankint_actor", default=_EMPTY)


def current() -> ActorContext:
    return _current.get()


def bind(**fields) -> contextvars.Token:
    return _current.set(replace(_current.get(), **fields))


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def clear() -> None:
    _current.set(_EMPTY)
