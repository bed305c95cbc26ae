from django.apps import AppConfig


class BankintConfig(AppConfig):
    name = "bankint"
    verbose_name = "bankint"
