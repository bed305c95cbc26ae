from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Bank accounts")

    def ready(self) -> None:
        from ledger.services.kid import KidBankSide, kid_bank_side_set

        from .selectors import bank_account_list_with_nets_ocr, bank_account_list_with_ocr_service

        kid_bank_side_set(
            KidBankSide(
                takes_nets_ocr=lambda company: bank_account_list_with_nets_ocr(company).exists(),
                ocr_ordered=lambda company: bank_account_list_with_ocr_service(company).exists(),
            )
        )
