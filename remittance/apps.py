from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemittanceConfig(AppConfig):
    name = "remittance"
    verbose_name = _("Remittance")

    def ready(self) -> None:
        from bankint import bankfeed as feed

        from . import services

        feed.register("payment_file.updated", services.feed_payment_file_updated)
        feed.register("debit_notification.created", services.feed_debit_notification_created)
        feed.register("signing.updated", services.feed_signing_updated)
