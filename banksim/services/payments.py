"""Payment files (pain.001) received from the partner: deduplicated on MsgId, checked as a
file, per batch and per transaction, answered with a pain.002, and approved in the online
bank when they were sent for post-approval (ettergodkjenning)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from banksim import clock, formats
from banksim.models import Account, BankUser, Customer, KidPayee, Payment, PaymentBatch, PaymentFile
from banksim.services import abroad
from banksim.services.common import BankError
from banksim.services.execution import book_today
from banksim.services.payment_status import derive_status, refresh_file
from banksim.services.public import fields_of, iso_or_none

# A registry code no bank uses: creditor accounts there pass MOD11 but "do not exist",
# which lets tests provoke AC01 deterministically.
UNKNOWN_REGISTRY = "9999"


@dataclass
class _TxVerdict:
    status: str
    reason: str = ""
    text: str = ""


def payment_file_submit(
    data: bytes, *, msg_id: str, approval_mode: str, approved_by: list[str]
) -> tuple[PaymentFile, bool]:
    """Receive a pain.001: returns the file and whether it was new (False = same MsgId seen)."""
    if approval_mode not in ("rgb", "post_approval"):
        raise BankError("invalid_approval_mode", "X-Approval-Mode må være rgb eller post_approval.")
    doc = formats.parse_pain001(data)
    if msg_id and msg_id != doc.msg_id:
        raise BankError("msgid_mismatch", f"Idempotency-Key {msg_id!r} er ikke filens MsgId {doc.msg_id!r}.")
    existing = PaymentFile.objects.filter(msg_id=doc.msg_id).first()
    if existing:
        # Same MsgId = same file (even if regenerated with a new CreDtTm): never executed twice.
        return existing, False
    _version_check(doc)
    try:
        with transaction.atomic():
            payment_file = _payment_file_create(doc, data, approval_mode, approved_by)
    except IntegrityError:
        return PaymentFile.objects.get(msg_id=doc.msg_id), False
    book_today()
    payment_file.refresh_from_db()
    return payment_file, True


def _version_check(doc: formats.Pain001) -> None:
    """A 2019 file from an account whose agreement is still on 2009 is refused whole, as DNB
    refuses a format the agreement does not cover; a 2009 file is still taken on a 2019
    agreement (the older format stays accepted while customers move)."""
    if doc.version != formats.PAIN001_V09:
        return
    old = sorted(
        Account.objects.filter(
            number__in={b.debtor_account for b in doc.batches},
            remittance=True,
            payment_file_version=Account.FileVersion.V03,
        ).values_list("number", flat=True)
    )
    if old:
        raise BankError(
            "unsupported_format",
            f"Remitteringsavtalen for {', '.join(old)} gjelder pain.001.001.03; send filen i det "
            "formatet eller få avtalen oppgradert til pain.001.001.09.",
        )


def _payment_file_create(
    doc: formats.Pain001, data: bytes, approval_mode: str, approved_by: list[str]
) -> PaymentFile:
    group_reason, group_text = _group_verdict(doc)
    payment_file = PaymentFile.objects.create(
        msg_id=doc.msg_id,
        org_number=doc.org_number,
        sha256=hashlib.sha256(data).hexdigest(),
        xml=data,
        approval_mode=approval_mode,
        approved_by=",".join(approved_by),
        nb_of_txs=doc.nb_of_txs,
        ctrl_sum=doc.ctrl_sum,
        original_created_at=doc.created_at,
        group_status="RJCT" if group_reason else "ACTC",
        group_reason=group_reason,
        group_reason_text=group_text,
        pain002=b"",
        received_at=clock.now(),
        message_version=doc.version,
    )
    seen_e2e: set[str] = set()
    for b in doc.batches:
        reason, text = group_reason, group_text
        if not reason:
            reason, text = _batch_verdict(b, approval_mode, approved_by)
        _batch_create(payment_file, b, reason, text, approval_mode, seen_e2e)
    refresh_file(payment_file)
    return payment_file


def _group_verdict(doc: formats.Pain001) -> tuple[str, str]:
    """Whether the file's group header adds up: its count and control sum."""
    all_txs = [tx for b in doc.batches for tx in b.transactions]
    if doc.nb_of_txs != len(all_txs):
        return "AM18", f"NbOfTxs er {doc.nb_of_txs}, men filen har {len(all_txs)} transaksjoner."
    if doc.ctrl_sum is None:
        return "", ""
    total = sum((formats.parse_amount(tx.amount_text) or Decimal(0) for tx in all_txs), Decimal(0))
    if doc.ctrl_sum != total:
        return "AM10", f"CtrlSum er {doc.ctrl_sum}, men summen av beløpene er {total}."
    return "", ""


def _batch_create(
    payment_file: PaymentFile,
    b: formats.Pain001Batch,
    reason: str,
    text: str,
    approval_mode: str,
    seen_e2e: set[str],
) -> None:
    """Store one batch with its payments: all rejected with ``reason`` if it has one, else
    each by its own verdict."""
    batch = PaymentBatch.objects.create(
        file=payment_file,
        pmt_inf_id=b.pmt_inf_id,
        debtor_account=b.debtor_account,
        execution_date=b.execution_date,
        nb_of_txs=b.nb_of_txs if b.nb_of_txs is not None else len(b.transactions),
        ctrl_sum=b.ctrl_sum,
        status="RJCT" if reason else "ACTC",
        reason=reason,
        reason_text=text,
    )
    payments = []
    account = None if reason else Account.objects.get(number=b.debtor_account)
    for tx in b.transactions:
        if reason:
            verdict = _TxVerdict("RJCT", reason, text)
        else:
            verdict = _tx_verdict(tx, seen_e2e, account, b.execution_date)
            if verdict.status != "RJCT":
                verdict.status = "ACSP" if approval_mode == "rgb" else "PDNG"
        seen_e2e.add(tx.end_to_end_id)
        payments.append(
            Payment(
                batch=batch,
                instr_id=tx.instr_id,
                end_to_end_id=tx.end_to_end_id,
                amount=formats.parse_amount(tx.amount_text) or Decimal(0),
                currency=tx.currency,
                creditor_name=tx.creditor_name,
                creditor_account=tx.creditor_account,
                kid=tx.kid,
                message=tx.message,
                status=verdict.status,
                reason=verdict.reason,
                reason_text=verdict.text[:105],
                uetr=tx.uetr,
                creditor_bic=tx.creditor_bic[:11],
            )
        )
    Payment.objects.bulk_create(payments)
    batch.status = "RJCT" if reason else derive_status([p.status for p in payments])
    batch.save(update_fields=["status"])


def _batch_verdict(b: formats.Pain001Batch, approval_mode: str, approved_by: list[str]) -> tuple[str, str]:
    amounts = [formats.parse_amount(tx.amount_text) or Decimal(0) for tx in b.transactions]
    if b.nb_of_txs is not None and b.nb_of_txs != len(b.transactions):
        return "AM18", f"NbOfTxs i {b.pmt_inf_id} er {b.nb_of_txs}, men betalingen har {len(b.transactions)}."
    if b.ctrl_sum is not None and b.ctrl_sum != sum(amounts, Decimal(0)):
        return "AM10", f"CtrlSum i {b.pmt_inf_id} er {b.ctrl_sum}, men summen er {sum(amounts, Decimal(0))}."
    account = Account.objects.select_related("customer").filter(number=b.debtor_account).first()
    if account is None:
        return "AC01", f"Debetkontoen {b.debtor_account} finnes ikke i DNB."
    if account.customer.subscription != Customer.Subscription.INTEGRATED:
        return "AG01", "Kunden har ikke integrert bedriftsnettbank."
    if not account.remittance:
        return "AG01", f"Konto {account.number} har ikke avtale om remittering."
    if approval_mode == "rgb":
        return _rgb_verdict(account, approved_by)
    return "", ""


def _rgb_verdict(account: Account, approved_by: list[str]) -> tuple[str, str]:
    """A batch approved in the ERP: RgB must be on for the account and every approver must
    have payment rights on it."""
    if account.customer.dual_approval:
        return (
            "AG01",
            "Avtalen krever dobbel godkjenning: RgB er ikke tillatt, bruk ettergodkjenning i nettbank.",
        )
    if not account.rgb_enabled:
        return "AG01", f"Regnskapsgodkjente betalinger er ikke bestilt for konto {account.number}."
    if not approved_by:
        return "AG08", "Filen mangler godkjenner (X-Approved-By)."
    rights = set(account.approvers.filter(user_id__in=approved_by).values_list("user_id", flat=True))
    lacking = [u for u in approved_by if u not in rights]
    if lacking:
        return "AG08", f"{', '.join(lacking)} har ikke betalingsfullmakt på konto {account.number}."
    return "", ""


def _tx_verdict(tx: formats.Pain001Tx, seen_e2e: set[str], account: Account, execution_date) -> _TxVerdict:
    amount = formats.parse_amount(tx.amount_text)
    if amount is None or amount <= 0:
        return _TxVerdict("RJCT", "AM12", f"Ugyldig beløp {tx.amount_text!r}.")
    refusal = abroad.currency_refusal(tx, account)
    if refusal:
        return _TxVerdict("RJCT", *refusal)
    if amount.as_tuple().exponent < -formats.decimals(tx.currency):
        return _TxVerdict(
            "RJCT",
            "AM12",
            f"Beløpet {tx.amount_text} har flere desimaler enn {tx.currency} har ({formats.decimals(tx.currency)}).",
        )
    if tx.end_to_end_id in seen_e2e:
        return _TxVerdict("RJCT", "AM05", f"EndToEndId {tx.end_to_end_id} finnes to ganger i filen.")
    refusal = abroad.iban_refusal(tx)
    if refusal:
        return _TxVerdict("RJCT", *refusal)
    if abroad.is_abroad(tx):
        return _abroad_verdict(tx, amount, execution_date)
    if not formats.account_valid(tx.creditor_account):
        return _TxVerdict("RJCT", "AC01", f"Mottakerkonto {tx.creditor_account} er ugyldig (MOD11).")
    if tx.creditor_account.startswith(UNKNOWN_REGISTRY):
        return _TxVerdict("RJCT", "AC01", f"Mottakerkonto {tx.creditor_account} finnes ikke.")
    return _kid_verdict(tx)


def _abroad_verdict(tx: formats.Pain001Tx, amount: Decimal, execution_date) -> _TxVerdict:
    """A payment to an account abroad: BIC, address and the Currency Register's report; the
    report's threshold is valued at the rate of the day the payment will be booked."""
    rate_date = clock.banking_day_on_or_after(max(execution_date, clock.today()))
    for refusal in (
        abroad.bic_refusal(tx),
        abroad.address_refusal(tx, execution_date),
        abroad.reporting_refusal(tx, amount, rate_date),
    ):
        if refusal:
            return _TxVerdict("RJCT", *refusal)
    return _TxVerdict("ACSP")


def _kid_verdict(tx: formats.Pain001Tx) -> _TxVerdict:
    """A KID where the creditor has a KID agreement (and a valid one), and none elsewhere."""
    payee = Account.objects.filter(number=tx.creditor_account).first()
    payee_ocr = payee is not None and payee.has_ocr
    requires_kid = payee_ocr or KidPayee.objects.filter(account=tx.creditor_account).exists()
    if not tx.kid:
        if requires_kid:
            return _TxVerdict("RJCT", "AC03", f"Mottaker {tx.creditor_account} krever KID.")
        return _TxVerdict("ACSP")
    if not requires_kid:
        return _TxVerdict("RJCT", "AC03", f"Mottaker {tx.creditor_account} har ikke KID-avtale.")
    if payee_ocr:
        valid = formats.kid_valid(tx.kid, payee.kid_check, payee.kid_length)
    else:
        valid = formats.kid_valid(tx.kid)
    if not valid:
        return _TxVerdict(
            "RJCT", "AC03", f"Ugyldig KID {tx.kid}: kontrollsifferet eller lengden stemmer ikke."
        )
    return _TxVerdict("ACSP")


def payment_file_public(payment_file: PaymentFile) -> dict:
    return {
        **fields_of(payment_file, "msg_id", "org_number", "approval_mode"),
        **_status_public(
            payment_file.group_status, payment_file.group_reason, payment_file.group_reason_text
        ),
        "received_at": payment_file.received_at.isoformat(),
        "pain002_version": payment_file.pain002_version,
        "batches": [_batch_public(b) for b in payment_file.batches.order_by("pk")],
    }


def _batch_public(b: PaymentBatch) -> dict:
    return {
        **fields_of(b, "pmt_inf_id", "debtor_account"),
        "execution_date": b.execution_date.isoformat(),
        **_status_public(b.status, b.reason, b.reason_text),
        "approvals": b.approvals,
        "payments": [_payment_public(p) for p in b.payments.order_by("pk")],
    }


def _payment_public(p: Payment) -> dict:
    return {
        "end_to_end_id": p.end_to_end_id,
        "amount": f"{p.amount.normalize():f}" if p.amount.as_tuple().exponent < -2 else f"{p.amount:.2f}",
        "currency": p.currency,
        "creditor_account": p.creditor_account,
        "uetr": p.uetr or None,
        "booked_amount": f"{p.booked_amount:.2f}" if p.booked_amount is not None else None,
        "exchange_rate": f"{p.exchange_rate.normalize():f}" if p.exchange_rate is not None else None,
        "kid": p.kid or None,
        **_status_public(p.status, p.reason, p.reason_text),
        "booked_date": iso_or_none(p.booked_date),
    }


def _status_public(status: str, reason: str, reason_text: str) -> dict:
    """A file's, batch's or payment's status as the partner API shows it, with the reason of a
    rejection (null when it has none)."""
    return {"status": status, "reason": reason or None, "reason_text": reason_text or None}


def payment_file_approve(
    payment_file: PaymentFile, user_id: str, pmt_inf_id: str | None = None
) -> PaymentFile:
    """Approval in the online bank of payments sent for post-approval (ettergodkjenning)."""
    user = BankUser.objects.filter(user_id=str(user_id or "").upper()).first()
    if user is None:
        raise BankError("unknown_user", "Ukjent bruker-ID.")
    with transaction.atomic():
        payment_file = PaymentFile.objects.select_for_update().get(pk=payment_file.pk)
        batches = [b for b in payment_file.batches.order_by("pk") if b.status == "ACTC"]
        if pmt_inf_id:
            batches = [b for b in batches if b.pmt_inf_id == pmt_inf_id]
        if not batches:
            raise BankError("nothing_to_approve", "Ingen betalinger venter på godkjenning.", 409)
        rights = set(user.approval_accounts.values_list("number", flat=True))
        for b in batches:
            if b.debtor_account not in rights:
                raise BankError(
                    "no_approval_rights",
                    f"{user.user_id} har ikke betalingsfullmakt på konto {b.debtor_account}.",
                    403,
                )
        for b in batches:
            _batch_approve(b, user)
        refresh_file(payment_file)
    book_today()
    payment_file.refresh_from_db()
    return payment_file


def _batch_approve(b: PaymentBatch, user: BankUser) -> None:
    """One approval of a batch; with as many as the agreement needs, its payments go on."""
    account = Account.objects.select_related("customer").get(number=b.debtor_account)
    if user.user_id in b.approvals:
        raise BankError("already_approved", f"{user.user_id} har allerede godkjent {b.pmt_inf_id}.", 409)
    b.approvals = [*b.approvals, user.user_id]
    needed = 2 if account.customer.dual_approval else 1
    if len(b.approvals) >= needed:
        b.payments.filter(status="PDNG").update(status="ACSP")
    b.save(update_fields=["approvals"])


def pending_approval_for(user: BankUser) -> list[PaymentBatch]:
    accounts = list(user.approval_accounts.values_list("number", flat=True))
    return list(
        PaymentBatch.objects.filter(status="ACTC", debtor_account__in=accounts)
        .select_related("file")
        .prefetch_related("payments")
        .order_by("pk")
    )
