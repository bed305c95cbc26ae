"""Money arriving on a customer's account: booked at once, or, paid with a KID to an
account with a Nets OCR agreement, collected by Nets and delivered in the night's OCR file
(one transmission to the ERP vendor as data recipient, one assignment per account, across
customers) and credited as one entry per
assignment."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from django.db import transaction

from banksim import clock, formats
from banksim.models import Account, Entry, IncomingKidPayment, OcrFile, SimState
from banksim.services.books import book
from banksim.services.common import BankError, parse_money, validate_account
from banksim.services.feed import event


def incoming_inject(data: dict) -> dict:
    """Test control: money arriving on an account, with or without KID."""
    account, amount, kid, payer_account = _incoming_request(data)
    with transaction.atomic():
        if kid and account.has_ocr:
            # Nets collects KID payments and delivers them in the night's OCR file.
            payment = IncomingKidPayment.objects.create(
                account=account,
                amount=amount,
                kid=kid,
                payer_account=payer_account,
                received_date=clock.today(),
            )
            return {
                "kind": "ocr_pending",
                "id": payment.pk,
                "account": account.number,
                "amount": f"{amount:.2f}",
                "kid": kid,
            }
        entry = book(
            account,
            amount,
            Entry.Kind.INCOMING,
            text=str(data.get("text") or "Innbetaling")[:140],
            kid=kid[:25],
            counterparty_name=str(data.get("payer_name") or "")[:140],
            counterparty_account=payer_account,
            end_to_end_id=str(data.get("end_to_end_id") or "")[:35],
        )
    return {
        "kind": "booked",
        "id": entry.pk,
        "reference": entry.reference,
        "account": account.number,
        "amount": f"{amount:.2f}",
    }


def _incoming_request(data: dict) -> tuple[Account, Decimal, str, str]:
    """The account, amount, KID and payer's account of an incoming payment, checked."""
    number = validate_account(data.get("account"))
    account = Account.objects.select_related("customer").filter(number=number).first()
    if account is None:
        raise BankError("unknown_account", f"Konto {number} finnes ikke i simulatoren.", 404)
    amount = parse_money(data.get("amount"))
    if amount <= 0:
        raise BankError("invalid_amount", "amount må være større enn 0.")
    kid = str(data.get("kid") or "").strip()
    payer_account = str(data.get("payer_account") or "")
    if payer_account:
        payer_account = validate_account(payer_account)
    if kid and not formats.kid_valid(kid):
        raise BankError("invalid_kid", f"KID {kid} har feil kontrollsiffer.")
    return account, amount, kid, payer_account


def ocr_files_for(day: date) -> None:
    """The night's OCR transmission: every KID payment received by ``day`` and not yet
    delivered, for every customer's accounts at once."""
    pending = (
        IncomingKidPayment.objects.filter(ocr_file__isnull=True, received_date__lte=day)
        .select_related("account")
        .order_by("account__customer_id", "account_id", "pk")
    )
    accounts: dict[Account, list[IncomingKidPayment]] = {}
    for p in pending:
        accounts.setdefault(p.account, []).append(p)
    if not accounts:
        return
    st = SimState.objects.select_for_update().get(pk=1)
    _ocr_file(st, accounts, day)
    st.save(update_fields=["transmission_counter", "assignment_counter"])


def _ocr_file(st: SimState, accounts: dict[Account, list[IncomingKidPayment]], day: date) -> None:
    """One transmission to the data recipient (the ERP vendor, kundeenhetsid 00105625) with one
    assignment per account that received KID payments, whichever customer owns it, as Nets
    delivers: numbered from the bank's transmission and assignment counters."""
    st.transmission_counter += 1
    assignments = []
    for account, payments in accounts.items():
        st.assignment_counter += 1
        assignments.append(
            formats.OcrAssignment(
                number=f"{st.assignment_counter:07d}",
                account=account.number,
                agreement_id=account.ocr_agreement_id,
                transactions=[formats.OcrTx(p.amount, p.kid, p.payer_account) for p in payments],
            )
        )
    content = formats.write_ocr(
        transmission_number=f"{st.transmission_counter:07d}",
        file_date=day,
        assignments=assignments,
    )
    all_payments = [p for ps in accounts.values() for p in ps]
    ocr_file = OcrFile.objects.create(
        recipient=formats.DATA_RECIPIENT,
        transmission_number=f"{st.transmission_counter:07d}",
        file_date=day,
        content=content,
        sha256=hashlib.sha256(content.encode("latin-1")).hexdigest(),
        total=sum((p.amount for p in all_payments), Decimal(0)),
        transactions=len(all_payments),
        created_at=clock.now(st),
    )
    IncomingKidPayment.objects.filter(pk__in=[p.pk for p in all_payments]).update(ocr_file=ocr_file)
    for account, payments in accounts.items():
        # One credit per OCR assignment, for its total: it matches the assignment in the OCR
        # file, not the single transactions.
        book(
            account,
            sum((p.amount for p in payments), Decimal(0)),
            Entry.Kind.OCR,
            day,
            reference=f"OCR{ocr_file.transmission_number}{account.pk:06d}",
            text=f"Nets OCR oppdrag {len(payments)} transaksjoner",
            ocr_file=ocr_file,
        )
    # Addressed to the data recipient, not to a customer: no organisation number.
    event(
        "ocr_file.created",
        "",
        ocr_file.pk,
        {
            "transmission_number": ocr_file.transmission_number,
            "recipient": formats.DATA_RECIPIENT,
            "file_date": day.isoformat(),
            "total": f"{ocr_file.total:.2f}",
            "accounts": sorted(a.number for a in accounts),
        },
    )
