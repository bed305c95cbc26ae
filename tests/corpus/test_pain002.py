"""Every real pain.002 file of the corpus through the portal's reader and, where it parses, through
the service onto a batch whose MsgId, PmtInfId and EndToEndIds are the file's: statuses at file,
batch and payment level, the bank's reasons and words kept, or a refusal that names what broke
(``pain002.toml``)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from bankint.errors import reason_of
from iso20022.errors import IsoFormatError
from iso20022.pain002 import parse_pain002
from remittance import services as s
from remittance.models import Payment, PaymentBatch
from tests.corpus.conftest import assert_manifest_covers, corpus_cases, corpus_file, load_manifest
from tests.remittance.conftest import make_setup
from tests.remittance.test_flows import _batch, _pay

FOLDER = "iso20022/pain.002"
KIND = "pain002"
APPLIED = [
    pytest.param(name, id=name) for name, spec in sorted(load_manifest(KIND).items()) if "applied" in spec
]


def _outcome(status, reasons) -> str:
    return " ".join(part for part in (status or "", reasons[0].key if reasons else "") if part)


@pytest.mark.parametrize(("name", "spec"), corpus_cases(KIND))
def test_each_file_has_its_outcome(name, spec):
    data = corpus_file(FOLDER, name, spec)
    if spec["outcome"] == "refused":
        with pytest.raises(IsoFormatError) as refused:
            parse_pain002(data)
        with translation.override("en"):
            assert spec["message"] in reason_of(refused.value)
        with translation.override("nb"):
            assert spec["message_nb"] in reason_of(refused.value)
        return
    assert spec["outcome"] == "imported"
    report = parse_pain002(data)
    assert report.original_msg_id == spec["original_msg_id"]
    assert (report.group_status or "") == spec["group_status"]
    assert [r.key for r in report.group_reasons] == spec["group_reasons"]
    assert [
        {
            "id": b.pmt_inf_id,
            "status": b.status or "",
            "reasons": [r.key for r in b.reasons],
            "transactions": len(b.transactions),
        }
        for b in report.batches
    ] == spec["batches"]
    assert {e2e: _outcome(*v) for e2e, v in report.effective_statuses().items()} == spec["statuses"]
    assert [
        f"{u.pmt_inf_id}#{u.position} {_outcome(u.status, u.reasons)}" for u in report.unidentified_statuses()
    ] == spec["unidentified"]
    words = [r.info for r in report.group_reasons]
    words += [r.info for b in report.batches for r in b.reasons]
    words += [r.info for _b, tx in report.transactions() for r in tx.reasons]
    for text in spec["texts"]:
        assert text in words


def test_the_manifest_covers_the_folder():
    assert_manifest_covers(FOLDER, KIND)


@pytest.mark.django_db
@pytest.mark.parametrize("name", APPLIED)
def test_applied_to_the_batch_it_answers(name, company_a, make_user):
    spec = load_manifest(KIND)[name]
    data = corpus_file(FOLDER, name, spec)
    report = parse_pain002(data)
    applied = spec["applied"]
    setup = make_setup(company_a, make_user)
    payments = [_pay(setup, f"{100 + i}.00", message=f"Faktura {i}") for i in range(len(applied["payments"]))]
    batch = _batch(setup, *payments)
    # The batch the bank answers: the file's MsgId, PmtInfId and EndToEndIds, sent and waiting.
    PaymentBatch.objects.filter(pk=batch.pk).update(
        msg_id=report.original_msg_id, pmt_inf_id=applied["pmt_inf_id"], status="SUBMITTING"
    )
    for payment, e2e in zip(payments, applied["payments"], strict=True):
        Payment.objects.filter(pk=payment.pk).update(end_to_end_id=e2e, status="SENT")
    batch.refresh_from_db()

    batch = s.payment_batch_apply_pain002(batch, data)

    assert (batch.status, batch.bank_status) == (applied["batch_status"], applied["batch_bank_status"])
    assert batch.bank_reason == applied["batch_reason"]
    assert applied["batch_reason_text"] in batch.bank_reason_text
    assert bool(batch.bank_reason_text) == bool(applied["batch_reason_text"])
    got = {
        p.end_to_end_id: " ".join(x for x in (p.status, p.reason_code) if x)
        for p in Payment.objects.filter(batch=batch)
    }
    assert got == applied["outcomes"]
    own = {r.key: r.info for _b, tx in report.transactions() for r in tx.reasons}
    for p in Payment.objects.filter(batch=batch, status="REJECTED"):
        # The bank's words reach the payment: its own reason's, else those of its batch or file.
        assert p.reason_text == own.get(p.reason_code, batch.bank_reason_text)
    client = Client()
    client.force_login(setup.preparer)
    session = client.session
    session["active_company_id"] = company_a.pk
    session.save()
    page = client.get(f"/payments/batches/{batch.pk}/").content.decode()
    for words in applied["page"]:
        assert words in page
    assert "Banken oppga ingen årsak" not in page
