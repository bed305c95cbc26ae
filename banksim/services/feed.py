"""The change feed: every job writes what happened with ``event``; the partner reads it
with ``changes``, from a cursor (an event's id) on."""

from __future__ import annotations

from banksim import clock
from banksim.models import Event


def event(type_: str, org_number: str, resource_id, data: dict) -> None:
    Event.objects.create(
        type=type_,
        org_number=org_number or "",
        resource_id=str(resource_id),
        data=data,
        created_at=clock.now(),
    )


def changes(cursor: int, limit: int, org_number: str = "") -> dict:
    qs = Event.objects.filter(pk__gt=cursor).order_by("pk")
    if org_number:
        qs = qs.filter(org_number=org_number)
    events = list(qs[: limit + 1])
    has_more = len(events) > limit
    events = events[:limit]
    return {
        "events": [
            {
                "id": e.pk,
                "type": e.type,
                "org_number": e.org_number or None,
                "resource_id": e.resource_id,
                "data": e.data,
                "created_at": e.created_at.isoformat(),
            }
            for e in events
        ],
        "next_cursor": events[-1].pk if events else cursor,
        "has_more": has_more,
    }
