from django.apps import AppConfig


class BankintConfig(AppConfig):
    name = "bankint"
    verbose_name = "bankint"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks)
