"""What waits for one user in one company: the home page's to-do list, without the kernel
importing the apps that know.

Apps register a provider in their ``AppConfig.ready`` (``todos.register(provider)``); the home
page calls ``todos_for(user, company, perms)``. A provider returns the ``Todo`` items that wait
for this user (nothing when the user's roles give them nothing to do there), each with a count
and a link, and works in a constant number of queries however many rows wait: the home page is
the most visited page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Todo:
    key: str  # stable, for tests and the page's test ids: "remittance.approve"
    title: str  # translated, says what to do: "Payment batches to approve"
    count: int
    link: str  # where to do it (a path on this site)
    detail: str = ""  # one line more: who must approve, what is due …
    link_label: str = ""  # the link's words; the title when empty
    # A second link out of the portal (the online bank, the bank's order wizard).
    bank_link: str = ""
    bank_link_label: str = ""
    order: int = 50  # lower first; ties in registration order


Provider = Callable[[object, object, frozenset], Iterable[Todo]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def todos_for(user, company, perms) -> list[Todo]:
    """Every registered provider's items for ``user`` in ``company``, with a count above zero.

    ``perms`` are the user's permissions in the company (``request.company_perms``), read once
    for all providers.
    """
    if company is None or not getattr(user, "is_authenticated", False):
        return []
    perms = frozenset(perms or ())
    items: list[Todo] = []
    for provider in _PROVIDERS:
        items.extend(t for t in provider(user, company, perms) if t.count > 0)
    return sorted(items, key=lambda t: t.order)
