"""Change-feed handlers (registered in ``AgreementsConfig.ready``); each wraps one service."""

from __future__ import annotations

from bankclient.dto import ChangeEvent

from .services import applications, order_results


def on_service_orders(events: list[ChangeEvent]) -> None:
    order_results.service_orders_apply_events(events)


def on_sbanken_activations(events: list[ChangeEvent]) -> None:
    from .models import Bank

    order_results.service_orders_apply_events(events, bank=Bank.SBANKEN)


def on_online_bank_applications(events: list[ChangeEvent]) -> None:
    applications.online_bank_applications_apply_events(events)


def on_rgb_orders(events: list[ChangeEvent]) -> None:
    applications.rgb_orders_apply_events(events)
