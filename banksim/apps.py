"""The simulator is both the Django project and its only app."""

from django.apps import AppConfig


class BanksimConfig(AppConfig):
    name = "banksim"
    verbose_name = "Simulated DNB, Nets and BankID"
    default_auto_field = "django.db.models.BigAutoField"
