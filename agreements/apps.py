from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Bank agreements")

    def ready(self) -> None:
        from bankint import health

        from . import feed, handlers

        health.register("bank_feed", feed.feed_health)

        feed.register("service_order.updated", handlers.on_service_orders)
        feed.register("sbanken_activation.updated", handlers.on_sbanken_activations)
        feed.register("online_bank_application.updated", handlers.on_online_bank_applications)
        feed.register("rgb_order.updated", handlers.on_rgb_orders)
