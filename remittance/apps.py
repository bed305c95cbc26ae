from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemittanceConfig(AppConfig):
    name = "remittance"
    verbose_name = _("Remittance")

    def ready(self) -> None:
        from bankint import bankfeed as feed

        from . import tasks  # noqa: F401  (connects the receiver that queues a batch's send)
        from .services import bank_events

        feed.register("payment_file.updated", bank_events.feed_payment_file_updated)
        feed.register("debit_notification.created", bank_events.feed_debit_notification_created)
        feed.register("signing.updated", bank_events.feed_signing_updated)

        from bankint import todos as home_todos

        from .todos import remittance_todos

        home_todos.register(remittance_todos)

        from bankint import payment_ids

        from .selectors import payment_end_to_end_ids_by_uetr

        # A statement may name a payment abroad by its UETR only (reconciliation asks).
        payment_ids.register(payment_end_to_end_ids_by_uetr)
