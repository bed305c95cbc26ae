from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Bank agreements")

    def ready(self) -> None:
        from bankint import bankfeed, health

        from . import feed, handlers

        health.register("bank_feed", feed.feed_health)

        bankfeed.register("service_order.updated", handlers.on_service_orders)
        bankfeed.register("sbanken_activation.updated", handlers.on_sbanken_activations)
        bankfeed.register("online_bank_application.updated", handlers.on_online_bank_applications)
        bankfeed.register("rgb_order.updated", handlers.on_rgb_orders)

        from bankint import todos as home_todos

        from .todos import agreement_todos

        home_todos.register(agreement_todos)
