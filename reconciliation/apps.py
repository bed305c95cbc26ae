from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = _("Bank reconciliation")

    def ready(self) -> None:
        from bankint import bankfeed as feed

        from .services import statements_fetch

        # The bank closes each day with one camt.053 per account (bankclient README).
        feed.register("statement.created", statements_fetch)

        from bankint import todos as home_todos

        from .todos import reconciliation_todos

        home_todos.register(reconciliation_todos)
