"""Payments: register one (from a form or from a bill), cancel one that has not left, and
correct one the bank rejected."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BankAccount, BankService
from bankint.account_numbers import clean_account_number, format_account_number
from bankint.errors import Conflict, IllegalTransition, ValidationFailed
from companies.services import audit_record
from iso20022.pain001 import Pain001Payment
from iso20022.pain001.abroad import REPORTING_THRESHOLD_NOK, SEPA_COUNTRIES, payment_kind
from ledger import kid as kidrules
from ledger.models import Bill
from ledger.services import bill_schedule, bills_unschedule_bulk, clean_payment_reference
from ledger.services.bills import clean_currency_amount
from ledger.services.rates import nok_value
from ledger.services.suppliers import clean_address, clean_bic, clean_currency, clean_iban

from .. import regulatory
from ..banking_days import NoBankingDay, banking_day_on_or_after, days_after
from ..models import Payment, PaymentBatch
from .common import B, P

DUPLICATE_WINDOW = timedelta(days=30)


def new_id(prefix: str) -> str:
    # ≤35 printable ASCII (pain.001 Max35Text); random, so ids never collide across companies.
    return f"{prefix}{timezone.now():%y%m%d}{secrets.token_hex(8).upper()}"


def _debit_account(company, bank_account_id) -> BankAccount:
    account = BankAccount.objects.filter(company=company, pk=bank_account_id, is_active=True).first()
    if account is None:
        msg = _("Choose one of this company's active bank accounts to pay from.")
        raise ValidationFailed(msg, fields={"bank_account": [msg]})
    if BankService.REMITTANCE not in (account.services or []):
        msg = _(
            "Account %(account)s does not have the remittance service: order it on the Agreements tab "
            "under Settings › Bank accounts before paying from it."
        ) % {"account": account.account_number_display}
        raise ValidationFailed(msg, fields={"bank_account": [msg]}, code="remittance_not_active")
    return account


def _execution_date(value: date | None) -> tuple[date, str]:
    today = timezone.localdate()
    requested = value or today
    if not isinstance(requested, date):
        msg = _("Enter a valid execution date.")
        raise ValidationFailed(msg, fields={"execution_date": [msg]})
    if requested < today:
        msg = _("The execution date %(date)s is in the past: choose today or a later date.") % {
            "date": requested.isoformat()
        }
        raise ValidationFailed(msg, fields={"execution_date": [msg]})
    # Banks take execution dates up to a year ahead; the check comes before any date arithmetic
    # on what was typed, and the window's end is computed without overflowing near 9999.
    if requested > days_after(today, 365):
        msg = _("The execution date can be at most one year ahead.")
        raise ValidationFailed(msg, fields={"execution_date": [msg]})
    try:
        actual = banking_day_on_or_after(requested)
    except NoBankingDay:
        msg = _("There is no banking day on or after %(date)s: choose an earlier date.") % {
            "date": requested.isoformat()
        }
        raise ValidationFailed(msg, fields={"execution_date": [msg]}) from None
    notice = ""
    if actual != requested:
        notice = _(
            "%(requested)s is not a banking day (weekend or bank holiday): the payment is made on %(actual)s."
        ) % {"requested": requested.isoformat(), "actual": actual.isoformat()}
    return actual, notice


def _clean_reference(kid: str, message: str) -> tuple[str, str]:
    kid_value, text = clean_payment_reference(kid, message)
    if kid_value and not (kid_value.isdigit() and kidrules.is_valid(kid_value)):
        msg = _("KID “%(kid)s” has the wrong check digit or length: check it against the invoice.") % {
            "kid": kid
        }
        raise ValidationFailed(msg, fields={"kid": [msg]})
    return kid_value, text


def _duplicate_check(company, creditor_account: str, amount, kid: str, message: str, confirm: bool) -> None:
    if confirm:
        return
    # The KID identifies the invoice; without one, the message does (two invoices of the
    # same amount to one supplier are not duplicates).
    twin = (
        Payment.objects.filter(
            company=company,
            creditor_account=creditor_account,
            amount=amount,
            kid=kid,
            **({} if kid else {"message": message}),
            created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .exclude(status__in=[P.REJECTED, P.CANCELLED])
        .order_by("-created_at")
        .first()
    )
    if twin is not None:
        msg = _(
            "A payment of %(amount)s to %(account)s%(kid)s was registered on %(date)s. "
            "If this is not a duplicate, confirm that you want to pay it again."
        ) % {
            "amount": f"{amount:.2f}",
            "account": format_account_number(creditor_account),
            "kid": (_(" with KID %(kid)s") % {"kid": kid}) if kid else "",
            "date": timezone.localtime(twin.created_at).date().isoformat(),
        }
        raise Conflict(msg, code="possible_duplicate", fields={"confirm_duplicate": [msg]})


def _is_bban(value: str) -> bool:
    digits = "".join(ch for ch in value if ch not in " .\t")
    return bool(digits) and digits.isascii() and digits.isdigit()


def _clean_creditor_account(value, currency: str) -> str:
    """A Norwegian account number (BBAN, MOD11) or an IBAN (check digits). A Norwegian IBAN
    paid in NOK is paid to its account number, as any domestic payment."""
    raw = "" if value is None else str(value).strip()
    if _is_bban(raw) or not raw:
        return clean_account_number(raw, field="creditor_account")
    iban = clean_iban(raw, field="creditor_account")
    if currency == "NOK" and iban.startswith("NO"):
        return iban[4:]
    return iban


def _clean_regulatory(kind: str, currency: str, nok_equivalent, code: str, text: str) -> tuple[str, str]:
    """The Currency Register's code and text: required for a payment abroad above NOK 100 000,
    or abroad whenever its value in NOK is not known (the bank's rate could not be had)."""
    code = (code or "").strip()
    text = " ".join((text or "").split())
    if kind == Payment.Kind.DOMESTIC:
        return "", ""
    problems: dict[str, list[str]] = {}
    if code and code not in regulatory.CODES:
        problems["regulatory_code"] = [
            _("“%(code)s” is not one of the Currency Register's payment type codes (betalingsart).")
            % {"code": code}
        ]
    if len(text) > regulatory.MAX_TEXT_LENGTH:
        problems["regulatory_text"] = [
            _("The text for the Currency Register can be at most %(max)d characters (it has %(count)d).")
            % {"max": regulatory.MAX_TEXT_LENGTH, "count": len(text)}
        ]
    needed = nok_equivalent is None or nok_equivalent > REPORTING_THRESHOLD_NOK
    if needed:
        if nok_equivalent is None:
            why = _(
                "The bank's exchange rate for %(currency)s could not be had, so the portal cannot tell "
                "whether this payment is above NOK 100 000: give the payment type code (betalingsart) "
                "and what the payment is for, for the Currency Register."
            ) % {"currency": currency}
        else:
            why = _(
                "A payment abroad above NOK 100 000 (this one is NOK %(value)s) must be reported to the "
                "Currency Register: give the payment type code (betalingsart) and what the payment is for."
            ) % {"value": f"{nok_equivalent:.2f}"}
        if not code:
            problems.setdefault("regulatory_code", [why])
        if not text:
            problems.setdefault("regulatory_text", [why])
    if problems:
        first = next(iter(problems.values()))[0]
        raise ValidationFailed(first, fields=problems, code="regulatory_report")
    return code, text


def _check_account_currency(account: BankAccount, currency: str) -> None:
    """A currency account pays only in its own currency; a NOK account in any the portal knows
    (the bank converts at its rate). The bank refuses the rest (AM03)."""
    own = (account.currency or "NOK").upper()
    if own != "NOK" and currency != own:
        msg = _(
            "Account %(account)s is a currency account in %(own)s: it can pay only in %(own)s, not in "
            "%(currency)s. Pay from a NOK account, or in %(own)s."
        ) % {"account": account.account_number_display, "own": own, "currency": currency}
        raise ValidationFailed(msg, fields={"currency": [msg]}, code="currency_not_allowed")


def _clean_abroad(kind: str, creditor: str, fields: dict) -> dict:
    """BIC, address, charges and urgency of a SEPA payment or a payment abroad."""
    out: dict = {}
    is_iban = not creditor.isdigit()
    bank_country = creditor[:2] if is_iban else ""
    bic = " ".join((fields["creditor_bic"] or "").split())
    if not bic and not is_iban:
        msg = _("A payment abroad to an account without IBAN needs the BIC of the recipient's bank.")
        raise ValidationFailed(msg, fields={"creditor_bic": [msg]})
    if not bic and kind == Payment.Kind.ABROAD and bank_country not in SEPA_COUNTRIES:
        msg = _("Enter the BIC of the recipient's bank: a payment outside SEPA needs it.")
        raise ValidationFailed(msg, fields={"creditor_bic": [msg]})
    out["creditor_bic"] = clean_bic(bic, bank_country, field="creditor_bic") if bic else ""
    address = clean_address(
        street=fields["creditor_street"],
        building_number=fields["creditor_building_number"],
        postcode=fields["creditor_postcode"],
        town=fields["creditor_town"],
        country=fields["creditor_country"],
        prefix="creditor_",
    )
    out.update({f"creditor_{key}": value for key, value in address.items()})
    bearer = (fields["charge_bearer"] or "").strip().upper()
    if kind == Payment.Kind.SEPA:
        bearer = ""  # SEPA: always shared at each bank's own level (SLEV), not the user's choice
    elif bearer not in ("", *Payment.ChargeBearer.values):
        msg = _(
            "Choose who pays the charges: shared (SHA), we pay all (OUR) or the recipient pays all (BEN)."
        )
        raise ValidationFailed(msg, fields={"charge_bearer": [msg]})
    out["charge_bearer"] = bearer or ("" if kind == Payment.Kind.SEPA else Payment.ChargeBearer.SHAR)
    out["urgent"] = bool(fields["urgent"]) and kind == Payment.Kind.ABROAD
    return out


def payment_create(
    company,
    *,
    bank_account_id,
    creditor_name: str,
    creditor_account: str,
    amount,
    kid: str = "",
    message: str = "",
    execution_date: date | None = None,
    confirm_duplicate: bool = False,
    user=None,
    bill: Bill | None = None,
    corrects: Payment | None = None,
    currency: str = "NOK",
    creditor_bic: str = "",
    creditor_street: str = "",
    creditor_building_number: str = "",
    creditor_postcode: str = "",
    creditor_town: str = "",
    creditor_country: str = "",
    charge_bearer: str = "",
    urgent: bool = False,
    regulatory_code: str = "",
    regulatory_text: str = "",
    fetch_rates: bool = True,
) -> Payment:
    """Register a payment. ``payment.notices`` says what the portal changed (the date).

    The product decides its kind (domestic, SEPA or abroad: :func:`iso20022.pain001.abroad.
    payment_kind`), gives a payment abroad its UETR, and its value in NOK at the bank's rate
    today, which decides whether the Currency Register must be told (above NOK 100 000). The
    rate is looked up, and asked of the bank if need be, before the payment's transaction
    opens: no bank call inside it.
    """
    code = clean_currency(currency)
    value = clean_currency_amount(amount, code)
    nok = value if code == "NOK" else nok_value(code, value, timezone.localdate(), fetch=fetch_rates)
    return _payment_create(
        company,
        bank_account_id=bank_account_id,
        creditor_name=creditor_name,
        creditor_account=creditor_account,
        value=value,
        currency=code,
        nok=nok,
        kid=kid,
        message=message,
        execution_date=execution_date,
        confirm_duplicate=confirm_duplicate,
        user=user,
        bill=bill,
        corrects=corrects,
        abroad_fields={
            "creditor_bic": creditor_bic,
            "creditor_street": creditor_street,
            "creditor_building_number": creditor_building_number,
            "creditor_postcode": creditor_postcode,
            "creditor_town": creditor_town,
            "creditor_country": creditor_country,
            "charge_bearer": charge_bearer,
            "urgent": urgent,
        },
        regulatory_code=regulatory_code,
        regulatory_text=regulatory_text,
    )


@transaction.atomic
def _payment_create(
    company,
    *,
    bank_account_id,
    creditor_name,
    creditor_account,
    value,
    currency,
    nok,
    kid,
    message,
    execution_date,
    confirm_duplicate,
    user,
    bill,
    corrects,
    abroad_fields,
    regulatory_code,
    regulatory_text,
) -> Payment:
    account = _debit_account(company, bank_account_id)
    _check_account_currency(account, currency)
    name = " ".join((creditor_name or "").split())[:70]
    if not name:
        msg = _("Enter the creditor's name.")
        raise ValidationFailed(msg, fields={"creditor_name": [msg]})
    creditor = _clean_creditor_account(creditor_account, currency)
    if creditor == account.account_number:
        msg = _("The creditor account is the account you pay from.")
        raise ValidationFailed(msg, fields={"creditor_account": [msg]})
    kind = payment_kind(
        Pain001Payment(
            end_to_end_id="", amount=value, creditor_name=name, creditor_account=creditor, currency=currency
        )
    )
    kid_value, text = _clean_reference(kid, message)
    extra: dict = {}
    if kind != Payment.Kind.DOMESTIC:
        if kid_value:
            msg = _("A KID is a Norwegian reference: a payment abroad carries a message instead.")
            raise ValidationFailed(msg, fields={"kid": [msg]})
        extra = _clean_abroad(kind, creditor, abroad_fields)
        extra["uetr"] = uuid.uuid4()
        extra["nok_equivalent"] = nok
    code, report_text = _clean_regulatory(kind, currency, nok, regulatory_code, regulatory_text)
    day, notice = _execution_date(execution_date)
    _duplicate_check(company, creditor, value, kid_value, text, confirm_duplicate)
    if bill is not None:
        bill_schedule(bill)  # OPEN → SCHEDULED, conditional: a bill goes into one live payment
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                company=company,
                bank_account=account,
                bill=bill,
                creditor_name=name,
                creditor_account=creditor,
                amount=value,
                currency=currency,
                kind=kind,
                kid=kid_value,
                message=text,
                regulatory_code=code,
                regulatory_text=report_text,
                execution_date=day,
                requested_date=execution_date or day,
                end_to_end_id=new_id("E"),
                created_by=user if getattr(user, "pk", None) else None,
                corrects=corrects,
                **extra,
            )
    except IntegrityError:
        raise Conflict(_("This bill is already in a payment."), code="bill_in_payment") from None
    # Four-eyes: who entered it, and for a correction also whoever entered what it corrects.
    editors = {user.pk} if getattr(user, "pk", None) else set()
    if corrects is not None:
        editors |= set(corrects.editors.values_list("pk", flat=True))
    if editors:
        payment.editors.add(*editors)
    after = {
        "amount": f"{value:.2f}",
        "creditor_account": creditor,
        "kid": kid_value,
        "execution_date": day.isoformat(),
        "bill": bill.pk if bill else None,
        "corrects": corrects.pk if corrects else None,
    }
    if kind != Payment.Kind.DOMESTIC or currency != "NOK":
        after.update(
            currency=currency,
            kind=kind,
            uetr=str(payment.uetr) if payment.uetr else None,
            nok_equivalent=f"{nok:.2f}" if nok is not None else None,
            regulatory_code=code,
        )
    audit_record("payment.create", obj=payment, changes={"after": after})
    payment.notices = [notice] if notice else []
    return payment


def payment_create_from_bill(
    company,
    *,
    bill_id,
    bank_account_id,
    execution_date: date | None = None,
    confirm_duplicate=False,
    user=None,
    charge_bearer: str = "",
    urgent: bool = False,
    regulatory_code: str = "",
    regulatory_text: str = "",
    fetch_rates: bool = True,
) -> Payment:
    """Pay a bill: to its supplier's account (or IBAN, BIC and address abroad), in the bill's
    currency. The Currency Register's code and text come from the caller when needed."""
    bill = Bill.objects.select_related("supplier").filter(company=company, pk=bill_id).first()
    if bill is None:
        msg = _("Bill #%(id)s is not one of this company's bills.") % {"id": bill_id}
        raise ValidationFailed(msg, fields={"bill": [msg]})
    if bill.status != Bill.Status.OPEN:
        raise Conflict(
            _("The bill is %(status)s: it is already in a payment or paid.")
            % {"status": bill.get_status_display()},
            code="bill_not_open",
        )
    supplier = bill.supplier
    abroad_fields = {}
    if supplier.is_abroad:
        abroad_fields = {
            "creditor_bic": supplier.bic,
            "creditor_street": supplier.street,
            "creditor_building_number": supplier.building_number,
            "creditor_postcode": supplier.postcode,
            "creditor_town": supplier.town,
            "creditor_country": supplier.country,
            "charge_bearer": charge_bearer,
            "urgent": urgent,
        }
    return payment_create(
        company,
        bank_account_id=bank_account_id,
        creditor_name=supplier.name,
        creditor_account=supplier.iban if supplier.is_abroad else supplier.account_number,
        amount=bill.amount,
        currency=bill.currency or "NOK",
        kid=bill.kid,
        message=bill.message,
        execution_date=execution_date or max(bill.due_date, timezone.localdate()),
        confirm_duplicate=confirm_duplicate,
        user=user,
        bill=bill,
        regulatory_code=regulatory_code,
        regulatory_text=regulatory_text,
        fetch_rates=fetch_rates,
        **abroad_fields,
    )


@transaction.atomic
def payment_cancel(payment: Payment) -> Payment:
    """Withdraw a payment that has not left the portal (NEW, or in a draft batch)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    batch = PaymentBatch.objects.select_for_update().filter(pk=payment.batch_id).first()
    if payment.status not in (P.NEW, P.IN_BATCH) or (batch is not None and batch.status != B.DRAFT):
        raise IllegalTransition(_("Only a payment that has not been approved or sent can be cancelled."))
    if batch is not None and batch.signing_id:
        raise IllegalTransition(
            _("The batch is being signed with BankID: finish or cancel the signing first.")
        )
    Payment.objects.filter(pk=payment.pk).update(status=P.CANCELLED, batch=None)
    if batch is not None:
        PaymentBatch.objects.filter(pk=batch.pk).update(
            payment_count=F("payment_count") - 1, total=F("total") - payment.amount
        )
    if payment.bill_id:
        bills_unschedule_bulk(payment.company, [payment.bill_id])
    audit_record(
        "payment.cancel", obj=payment, changes={"status": {"before": payment.status, "after": P.CANCELLED}}
    )
    payment.refresh_from_db()
    return payment


def payment_correct(payment: Payment, *, user=None, confirm_duplicate: bool = False, **changes) -> Payment:
    """A rejected payment, corrected and registered again (a new EndToEndId, a new batch)."""
    if payment.status != P.REJECTED:
        raise IllegalTransition(_("Only a rejected payment can be corrected and sent again."))
    if Payment.objects.filter(corrects=payment).exists():
        raise Conflict(_("This payment has already been corrected."), code="already_corrected")
    bill = None
    if payment.bill_id:
        bill = Bill.objects.filter(pk=payment.bill_id).first()
    fields = {
        "bank_account_id": payment.bank_account_id,
        "creditor_name": payment.creditor_name,
        "creditor_account": payment.creditor_account,
        "amount": payment.amount,
        "currency": payment.currency,
        "kid": payment.kid,
        "message": payment.message,
        "execution_date": None,
        "creditor_bic": payment.creditor_bic,
        "creditor_street": payment.creditor_street,
        "creditor_building_number": payment.creditor_building_number,
        "creditor_postcode": payment.creditor_postcode,
        "creditor_town": payment.creditor_town,
        "creditor_country": payment.creditor_country,
        "charge_bearer": payment.charge_bearer,
        "urgent": payment.urgent,
        "regulatory_code": payment.regulatory_code,
        "regulatory_text": payment.regulatory_text,
    }
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    fields.update(changes)
    if "kid" in changes and "message" not in changes and changes["kid"]:
        fields["message"] = ""
    if "message" in changes and "kid" not in changes and changes["message"]:
        fields["kid"] = ""
    return payment_create(
        payment.company, user=user, bill=bill, corrects=payment, confirm_duplicate=confirm_duplicate, **fields
    )
