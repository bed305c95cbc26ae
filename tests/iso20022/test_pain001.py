"""pain.001.001.03 writer and validator: every file XSD-valid, right to the øre, never ambiguous.

Pure tests (no database): files are built from dataclasses and read back with plain lxml and
the official XSD, so a mistake in the writer cannot hide behind the same mistake in a reader.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from stdnum import luhn

from iso20022.errors import IsoFormatError
from iso20022.pain001 import (
    MAX_NAME_LENGTH,
    Pain001Batch,
    Pain001Message,
    Pain001Payment,
    bank_text,
    build_pain001,
    is_valid_kid,
    validate_pain001,
)
from iso20022.xsd import NS_PAIN001, get_schema
from tests.remittance.isofiles import (
    DEBTOR_ACCOUNT,
    ORG_NUMBER,
    OSLO_WINTER,
    bban,
    kid_mod10,
    kid_mod11,
    make_message,
    measure_pain001,
    pain001_baseline,
)

NS = {"p": NS_PAIN001}
CREATED = datetime(2025, 3, 3, 10, 15, tzinfo=OSLO_WINTER)


def payment(i: int = 1, **kw) -> Pain001Payment:
    data = {
        "end_to_end_id": f"E2E-{i}",
        "amount": Decimal("100.00"),
        "creditor_name": "Leverandør AS",
        "creditor_account": bban(i),
    }
    data.update(kw)
    return Pain001Payment(**data)


def batch(payments, **kw) -> Pain001Batch:
    data = {
        "pmt_inf_id": "B-1",
        "execution_date": date(2025, 3, 4),
        "debtor_name": "Firma AS",
        "debtor_org_number": ORG_NUMBER,
        "debtor_account": DEBTOR_ACCOUNT,
        "payments": payments,
    }
    data.update(kw)
    return Pain001Batch(**data)


def message(batches, **kw) -> Pain001Message:
    data = {
        "msg_id": "MSG-1",
        "created_at": CREATED,
        "initiating_party_name": "Firma AS",
        "initiating_party_org_number": ORG_NUMBER,
        "batches": batches,
    }
    data.update(kw)
    return Pain001Message(**data)


def xsd_valid(data: bytes) -> etree._Element:
    """Parse with plain lxml and validate with the official schema, independently of the module."""
    root = etree.fromstring(data)
    get_schema("pain.001.001.03").assertValid(root)
    return root


def text(root, path: str) -> list[str]:
    return [e.text for e in root.iterfind(path, NS)]


# ------------------------------------------------------------------------------- shapes


def test_kid_payment_goes_in_structured_scor_reference_only():
    kid = kid_mod10(1234567)
    root = xsd_valid(build_pain001(message([batch([payment(kid=kid)])])))
    tx = root.find("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
    assert tx.findtext("p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd", namespaces=NS) == "SCOR"
    assert tx.findtext("p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref", namespaces=NS) == kid
    assert tx.find("p:RmtInf/p:Ustrd", NS) is None


def test_message_payment_goes_in_unstructured_only():
    root = xsd_valid(build_pain001(message([batch([payment(message="Faktura 2025-117, takk!")])])))
    tx = root.find("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
    assert text(tx, "p:RmtInf/p:Ustrd") == ["Faktura 2025-117, takk!"]
    assert tx.find("p:RmtInf/p:Strd", NS) is None


def test_payment_without_kid_or_message_has_no_remittance_info():
    root = xsd_valid(build_pain001(message([batch([payment(kid=None, message="  ")])])))
    assert root.find(".//p:RmtInf", NS) is None


def test_header_batch_and_transaction_fields_follow_domain_section_6():
    msg = message([batch([payment(1, amount=Decimal("100")), payment(2, amount=Decimal("0.5"))])])
    root = xsd_valid(build_pain001(msg))
    hdr = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert hdr.findtext("p:MsgId", namespaces=NS) == "MSG-1"
    assert hdr.findtext("p:CreDtTm", namespaces=NS) == "2025-03-03T10:15:00+01:00"
    assert hdr.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert hdr.findtext("p:CtrlSum", namespaces=NS) == "100.50"
    assert hdr.findtext("p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id", namespaces=NS) == ORG_NUMBER
    assert hdr.findtext("p:InitgPty/p:Id/p:OrgId/p:Othr/p:SchmeNm/p:Cd", namespaces=NS) == "CUST"
    pmt = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert pmt.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert pmt.findtext("p:BtchBookg", namespaces=NS) == "false"
    assert pmt.findtext("p:ReqdExctnDt", namespaces=NS) == "2025-03-04"
    assert pmt.findtext("p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == DEBTOR_ACCOUNT
    assert pmt.findtext("p:DbtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", namespaces=NS) == "BBAN"
    assert pmt.findtext("p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "DNBANOKK"
    amounts = pmt.findall("p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)
    # NOK always with exactly two decimals, whatever exponent the Decimal had.
    assert [(a.text, a.get("Ccy")) for a in amounts] == [("100.00", "NOK"), ("0.50", "NOK")]
    assert text(pmt, "p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd") == ["BBAN", "BBAN"]
    assert text(pmt, "p:CdtTrfTxInf/p:PmtId/p:EndToEndId") == ["E2E-1", "E2E-2"]


def test_norwegian_letters_and_xml_special_characters_survive_escaped():
    name = "Ærlige Øvrebø & Åsen <AS>"
    data = build_pain001(message([batch([payment(creditor_name=name, message='«Faktura» "12" & co')])]))
    assert b"&amp;" in data and b"&lt;AS&gt;" in data
    root = xsd_valid(data)
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == name
    assert root.findtext(".//p:Ustrd", namespaces=NS) == '«Faktura» "12" & co'
    assert "Ærlige Øvrebø".encode() in data  # UTF-8, as declared


def test_many_batches_have_their_own_counts_and_sums():
    msg = make_message(31, n_batches=4)
    root = xsd_valid(build_pain001(msg))
    pmts = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert len(pmts) == 4
    for pmt, b in zip(pmts, msg.batches, strict=True):
        assert pmt.findtext("p:PmtInfId", namespaces=NS) == b.pmt_inf_id
        assert int(pmt.findtext("p:NbOfTxs", namespaces=NS)) == len(b.payments)
        assert Decimal(pmt.findtext("p:CtrlSum", namespaces=NS)) == sum(p.amount for p in b.payments)
        assert pmt.findtext("p:BtchBookg", namespaces=NS) == ("true" if b.batch_booking else "false")
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "31"


def test_same_message_gives_identical_bytes():
    first = build_pain001(make_message(40, n_batches=2))
    again = build_pain001(make_message(40, n_batches=2))
    assert first == again


def test_plain_lxml_baseline_writes_the_same_document():
    # The benchmark compares build_pain001 with this baseline: they must produce the same file.
    msg = make_message(60, n_batches=3)
    assert pain001_baseline(msg) == build_pain001(msg)


def test_rgb_file_is_marked_pre_authorised_with_the_signing_reference():
    msg = replace(make_message(5), pre_approved=True, approval_reference="BANKID-SIG-7f3a9c")
    data = build_pain001(msg)
    root = xsd_valid(data)
    hdr = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert text(hdr, "p:Authstn/p:Cd") == ["AUTH"]
    assert text(hdr, "p:Authstn/p:Prtry") == ["BANKID-SIG-7f3a9c"]
    assert pain001_baseline(msg) == data


def test_post_approval_file_carries_no_authorisation():
    root = xsd_valid(build_pain001(make_message(3)))
    assert root.find(".//p:Authstn", NS) is None


def test_account_numbers_with_dots_are_written_as_digits():
    root = xsd_valid(build_pain001(message([batch([payment(creditor_account="8601.11.17947")])])))
    assert root.findtext(".//p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "86011117947"


def test_long_creditor_name_is_cut_at_70():
    root = xsd_valid(build_pain001(message([batch([payment(creditor_name="Æ" * 69 + "BCDEF")])])))
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == "Æ" * 69 + "B"


# ---------------------------------------------------------------------------- characters


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ærlige Åse Øvrebø", "Ærlige Åse Øvrebø"),
        ("  Firma AS ", "Firma AS"),
        ("Łódź Sp. z o.o.", "Lódz Sp. z o.o."),  # ó is Latin-1 and stays
        ("\u201cSitat\u201d \u2013 \u2018x\u2019\u2026", "\"Sitat\" - 'x'..."),
        ("Linje 1\nLinje 2\tx", "Linje 1 Linje 2 x"),
        ("Pris 10\u20ac", "Pris 10EUR"),
        ("A\u030ase", "Åse"),  # decomposed å (as macOS writes it) becomes the Latin-1 letter
        ("Kafé 😀", "Kafé ?"),
        ("Ştefan Čapek", "Stefan Capek"),
        ("1\u00a0000", "1 000"),
        ("\ufeffFirma\u200b AS\u0301", "Firma AS"),
    ],
)
def test_bank_text_keeps_latin1_and_replaces_the_rest(raw, expected):
    assert bank_text(raw) == expected
    assert all(0x20 <= ord(c) <= 0x7E or 0xA1 <= ord(c) <= 0xFF for c in bank_text(raw))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_bank_text_output_is_always_printable_latin1(raw):
    out = bank_text(raw)
    assert all(0x20 <= ord(c) <= 0x7E or 0xA1 <= ord(c) <= 0xFF for c in out)
    assert out == out.strip()


# ------------------------------------------------------------------------------------ KID


def _mod11_reference(kid: str) -> bool:
    weights = [2, 3, 4, 5, 6, 7]
    total = sum(int(d) * weights[i % 6] for i, d in enumerate(reversed(kid[:-1])))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and int(kid[-1]) == check


@pytest.mark.parametrize(
    ("kid", "ok"),
    [
        ("123456782", True),
        ("123456785", True),
        ("0000531", True),
        ("123456783", False),
        ("1", False),
        ("12a4", False),
        ("1" * 26, False),
    ],
)
def test_kid_examples_from_domain(kid, ok):
    assert is_valid_kid(kid) is ok


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=2, max_size=25))
def test_kid_check_agrees_with_stdnum_luhn_and_a_plain_mod11(kid):
    assert is_valid_kid(kid) == (luhn.is_valid(kid) or _mod11_reference(kid))


def test_generated_kids_are_valid():
    assert all(is_valid_kid(kid_mod10(n)) and is_valid_kid(kid_mod11(n)) for n in range(0, 5000, 7))


# ---------------------------------------------------------------------------- property


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    min_size=1,
    max_size=90,
).filter(lambda s: bank_text(s) != "")


@st.composite
def payments(draw, index):
    cents = draw(st.integers(min_value=1, max_value=10**14 - 1))
    kind = draw(st.sampled_from(["kid", "message", "none"]))
    return Pain001Payment(
        end_to_end_id=f"E2E-{index}",
        amount=Decimal(cents).scaleb(-2),
        creditor_name=draw(names),
        creditor_account=bban(draw(st.integers(0, 999_999))),
        kid=kid_mod10(draw(st.integers(0, 10**12))) if kind == "kid" else None,
        message=draw(st.text(min_size=1, max_size=60).filter(lambda s: bank_text(s) != ""))
        if kind == "message"
        else None,
    )


@st.composite
def messages(draw):
    n_batches = draw(st.integers(1, 4))
    batches = []
    k = 0
    for b in range(n_batches):
        n = draw(st.integers(1, 8))
        batches.append(
            batch(
                [draw(payments(k + i)) for i in range(n)],
                pmt_inf_id=f"B-{b}",
                batch_booking=draw(st.booleans()),
                execution_date=date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 400))),
            )
        )
        k += n
    return message(batches)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_random_messages_are_xsd_valid_and_exact_to_the_ore(msg):
    root = xsd_valid(build_pain001(msg))
    pmts = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    grand_total = Decimal(0)
    for pmt, b in zip(pmts, msg.batches, strict=True):
        amounts = [Decimal(a) for a in text(pmt, "p:CdtTrfTxInf/p:Amt/p:InstdAmt")]
        assert all(re.fullmatch(r"\d+\.\d\d", a) for a in text(pmt, "p:CdtTrfTxInf/p:Amt/p:InstdAmt"))
        assert amounts == [p.amount for p in b.payments]
        assert int(pmt.findtext("p:NbOfTxs", namespaces=NS)) == len(amounts)
        assert Decimal(pmt.findtext("p:CtrlSum", namespaces=NS)) == sum(amounts)
        grand_total += sum(amounts)
    hdr = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert int(hdr.findtext("p:NbOfTxs", namespaces=NS)) == sum(len(b.payments) for b in msg.batches)
    assert Decimal(hdr.findtext("p:CtrlSum", namespaces=NS)) == grand_total
    for tx in root.iterfind(".//p:CdtTrfTxInf", NS):
        rmt = tx.find("p:RmtInf", NS)
        assert rmt is None or len(rmt) == 1  # a KID or a message, never both
        assert len(tx.findtext("p:Cdtr/p:Nm", namespaces=NS)) <= MAX_NAME_LENGTH


# ------------------------------------------------------------------------------ bad input


def _one(**kw) -> Pain001Message:
    return message([batch([payment(**kw)])])


@pytest.mark.parametrize(
    ("msg", "words", "path"),
    [
        (_one(amount=Decimal("0")), "more than zero", "batches[0].payments[0].amount"),
        (_one(amount=Decimal("-5.00")), "more than zero", "batches[0].payments[0].amount"),
        (_one(amount=Decimal("10.005")), "more than two decimals", "batches[0].payments[0].amount"),
        (_one(amount=10.5), "must be a Decimal", "batches[0].payments[0].amount"),
        (_one(amount=Decimal("NaN")), "not a number", "batches[0].payments[0].amount"),
        (_one(amount=Decimal("10000000000000")), "largest allowed", "batches[0].payments[0].amount"),
        (
            _one(creditor_account="86011117949"),
            "wrong check digit",
            "batches[0].payments[0].creditor_account",
        ),
        (_one(creditor_account="8601111794"), "11 digits", "batches[0].payments[0].creditor_account"),
        (_one(kid="123456782", message="Faktura 1"), "never both", "batches[0].payments[0]"),
        (_one(kid="123456783"), "KID '123456783' is not valid", "batches[0].payments[0].kid"),
        (_one(message="x" * 141), "141 characters", "batches[0].payments[0].message"),
        (_one(message="\u2026" * 50), "150 characters", "batches[0].payments[0].message"),
        (_one(creditor_name=" \n "), "name is empty", "batches[0].payments[0].creditor_name"),
        (_one(end_to_end_id="E" * 36), "EndToEndId", "batches[0].payments[0].end_to_end_id"),
        (_one(end_to_end_id=""), "EndToEndId", "batches[0].payments[0].end_to_end_id"),
        (
            message([batch([payment(1), payment(2, end_to_end_id="E2E-1")])]),
            "used twice",
            "batches[0].payments[1].end_to_end_id",
        ),
        (message([batch([payment(1)]), batch([payment(2)])]), "used by two batches", "batches[1].pmt_inf_id"),
        (message([batch([payment()])], msg_id="M" * 36), "MsgId", "msg_id"),
        (
            message([batch([payment()])], created_at=datetime(2025, 3, 3, 10, 0)),
            "timezone-aware",
            "created_at",
        ),
        (
            message([batch([payment()], execution_date=datetime(2025, 3, 4, 9, 0, tzinfo=UTC))]),
            "not a datetime",
            "batches[0].execution_date",
        ),
        (message([]), "at least one batch", "batches"),
        (
            message([batch([payment()])], approval_reference="SIG-1"),
            "only to a pre-approved",
            "approval_reference",
        ),
        (
            message([batch([payment()])], pre_approved=True, approval_reference="x" * 129),
            "approval reference",
            "approval_reference",
        ),
        (message([batch([])]), "has no payments", "batches[0].payments"),
        (
            message([batch([payment()], debtor_org_number="123456784")]),
            "Organisation number",
            "batches[0].debtor_org_number",
        ),
        (
            message([batch([payment()], debtor_account="86011117949")]),
            "wrong check digit",
            "batches[0].debtor_account",
        ),
        (message([batch([payment()], debtor_bic="DNB")]), "not a valid BIC", "batches[0].debtor_bic"),
        (
            message([batch([payment()])], initiating_party_org_number="12345678"),
            "Organisation number",
            "initiating_party_org_number",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(msg, words, path):
    with pytest.raises(IsoFormatError) as err:
        build_pain001(msg)
    assert words in err.value.message
    assert err.value.path == path
    assert path in str(err.value)


def test_input_dataclasses_are_frozen_and_copy_their_sequences():
    payments_list = [payment(1)]
    b = batch(payments_list)
    payments_list.append(payment(2))
    assert len(b.payments) == 1
    with pytest.raises(AttributeError):
        b.pmt_inf_id = "other"  # type: ignore[misc]


# ----------------------------------------------------------------- validating a finished file


def _tampered(change) -> bytes:
    root = etree.fromstring(build_pain001(make_message(6, n_batches=2)))
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _set(path: str, value: str, index: int = 0):
    def change(root):
        root.findall(path, NS)[index].text = value

    return change


def test_validate_accepts_what_build_writes():
    validate_pain001(build_pain001(make_message(25, n_batches=3)))


@pytest.mark.parametrize(
    ("change", "words", "path_part"),
    [
        (_set("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", "1.00"), "CtrlSum of the file", "GrpHdr/CtrlSum"),
        (_set("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", "7"), "NbOfTxs of the file", "GrpHdr/NbOfTxs"),
        (
            _set("p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum", "0.01", 1),
            "CtrlSum of the batch",
            "PmtInf[2]/CtrlSum",
        ),
        (_set("p:CstmrCdtTrfInitn/p:PmtInf/p:NbOfTxs", "2"), "NbOfTxs of the batch", "PmtInf[1]/NbOfTxs"),
        (_set(".//p:InstdAmt", "10.005", 1), "at most two decimals", "PmtInf[1]/CdtTrfTxInf[2]/Amt/InstdAmt"),
        (_set(".//p:InstdAmt", "0.00", 4), "more than zero", "PmtInf[2]/CdtTrfTxInf[2]/Amt/InstdAmt"),
        (
            _set(".//p:EndToEndId", "E2E-00000000", 5),
            "appears twice",
            "PmtInf[2]/CdtTrfTxInf[3]/PmtId/EndToEndId",
        ),
        (_set(".//p:PmtInfId", "MSG-20250303-0001-B1", 1), "appears in two batches", "PmtInf[2]/PmtInfId"),
        (
            _set(".//p:CdtrAcct/p:Id/p:Othr/p:Id", "15030100009"),
            "MOD11",
            "PmtInf[1]/CdtTrfTxInf[1]/CdtrAcct/Id/Othr/Id",
        ),
        (
            _set(".//p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", "IBAN", 2),
            "scheme must be BBAN",
            "CdtTrfTxInf[3]/CdtrAcct",
        ),
        (_set(".//p:DbtrAcct/p:Id/p:Othr/p:Id", "86011117949"), "MOD11", "PmtInf[1]/DbtrAcct/Id/Othr/Id"),
        (_set(".//p:CdtrRefInf/p:Ref", "123456783"), "KID '123456783'", "CdtrRefInf/Ref"),
        (_set(".//p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd", "RADM"), "SCOR", "RmtInf/Strd"),
    ],
)
def test_validate_catches_what_the_xsd_cannot(change, words, path_part):
    data = _tampered(change)
    get_schema("pain.001.001.03").assertValid(etree.fromstring(data))  # the XSD alone lets it through
    with pytest.raises(IsoFormatError) as err:
        validate_pain001(data)
    assert words in err.value.message
    assert path_part in err.value.path


def test_validate_refuses_kid_and_message_together():
    def both(root):
        rmt = root.find(".//p:Strd", NS).getparent()
        ustrd = etree.Element(f"{{{NS_PAIN001}}}Ustrd")
        ustrd.text = "Faktura 1"
        rmt.insert(0, ustrd)  # XSD order: Ustrd before Strd

    with pytest.raises(IsoFormatError, match="never both"):
        validate_pain001(_tampered(both))


def test_validate_refuses_another_currency():
    def sek(root):
        root.find(".//p:InstdAmt", NS).set("Ccy", "SEK")

    with pytest.raises(IsoFormatError, match="currency must be NOK"):
        validate_pain001(_tampered(sek))


def test_validate_reports_schema_errors_readably():
    def drop_msg_id(root):
        hdr = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
        hdr.remove(hdr[0])

    with pytest.raises(IsoFormatError) as err:
        validate_pain001(_tampered(drop_msg_id))
    assert "pain.001.001.03 schema" in err.value.message
    assert "CreDtTm" in err.value.message and "{urn:" not in err.value.message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"<Document", "not well-formed"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "not a pain.001.001.03 file"),
        (
            b'<!DOCTYPE x [<!ENTITY e "x">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
            "DOCTYPE",
        ),
    ],
)
def test_validate_refuses_broken_or_foreign_files(data, words):
    with pytest.raises(IsoFormatError, match=words):
        validate_pain001(data)


# -------------------------------------------------------------------------------- speed


def test_ten_thousand_payments_build_and_validate_within_three_times_plain_lxml():
    # Issue 7, figure 1 (the benchmark measures the same with the database in front).
    result = measure_pain001(10_000, repeat=3)
    assert result["ratio"] <= 3, result
