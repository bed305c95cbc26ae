from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemittanceConfig(AppConfig):
    name = "remittance"
    verbose_name = _("Remittance")
