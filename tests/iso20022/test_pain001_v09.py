"""pain.001.001.09 out: domestic, SEPA, abroad and mixed files, each valid against the official
XSD and read back independently (plain lxml and XPath, not our reader), and the refusals of bad
input (address, reporting code, decimals, IBAN, BIC)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from iso20022.errors import IsoFormatError
from iso20022.pain001 import (
    Pain001Payment,
    PostalAddress,
    RegulatoryReport,
    build_pain001,
    build_pain001_v09,
    validate_pain001_v09,
)
from iso20022.pain001.abroad import ABROAD, DOMESTIC, SEPA, payment_kind
from iso20022.xsd import NS_PAIN001, NS_PAIN001_V09, get_schema
from tests.iso20022.test_pain001 import batch, message, payment
from tests.remittance.isofiles import kid_mod10

NS = {"p": NS_PAIN001_V09}
UETR = "8a562c67-ca16-48ba-b074-65581be6f001"
BERLIN = PostalAddress(
    town="Berlin", country="DE", street="Unter den Linden", building_number="5", postcode="10117"
)
NEW_YORK = PostalAddress(
    town="New York", country="US", street="5th Avenue", building_number="350", postcode="10118"
)


def sepa(i: int = 1, **kw) -> Pain001Payment:
    data = {
        "end_to_end_id": f"SEPA-{i}",
        "amount": Decimal("2500.00"),
        "currency": "EUR",
        "creditor_name": "Lieferant GmbH",
        "creditor_account": "DE89370400440532013000",
        "creditor_bic": "COBADEFFXXX",
        "creditor_address": BERLIN,
        "nok_equivalent": Decimal("29000.00"),
        "message": "Rechnung 4711",
    }
    data.update(kw)
    return Pain001Payment(**data)


def usd(i: int = 1, **kw) -> Pain001Payment:
    data = {
        "end_to_end_id": f"USD-{i}",
        "amount": Decimal("10500.00"),
        "currency": "USD",
        "creditor_name": "Acme Inc.",
        "creditor_account": "000123456789",
        "creditor_bic": "CHASUS33",
        "creditor_address": NEW_YORK,
        "nok_equivalent": Decimal("116250.00"),
        "regulatory_report": RegulatoryReport("14", "Import av varer"),
        "uetr": UETR,
        "message": "Invoice 99",
    }
    data.update(kw)
    return Pain001Payment(**data)


def sek(i: int = 1, **kw) -> Pain001Payment:
    data = {
        "end_to_end_id": f"SEK-{i}",
        "amount": Decimal("4200.50"),
        "currency": "SEK",
        "creditor_name": "Leverantör AB",
        "creditor_account": "SE4550000000058398257466",
        "creditor_address": PostalAddress(town="Stockholm", country="SE"),
        "nok_equivalent": Decimal("4150.00"),
    }
    data.update(kw)
    return Pain001Payment(**data)


def read(data: bytes) -> etree._Element:
    """Plain lxml and the official schema, independently of the writer's own validation."""
    root = etree.fromstring(data)
    get_schema("pain.001.001.09").assertValid(root)
    return root


def one(root, path: str) -> str:
    (found,) = root.xpath(path, namespaces=NS)
    return found if isinstance(found, str) else found.text


def tx(root, e2e: str):
    (found,) = root.xpath(f"//p:CdtTrfTxInf[p:PmtId/p:EndToEndId='{e2e}']", namespaces=NS)
    return found


def test_domestic_nok_in_09_has_the_content_of_03():
    msg = message([batch([payment(1, kid=kid_mod10(1234567)), payment(2, message="Faktura 7")])])
    v09, v03 = read(build_pain001_v09(msg)), etree.fromstring(build_pain001(msg))

    def content(root, ns):
        return [
            (
                t.findtext(f"{{{ns}}}PmtId/{{{ns}}}EndToEndId"),
                t.find(f"{{{ns}}}Amt/{{{ns}}}InstdAmt").attrib["Ccy"],
                t.findtext(f"{{{ns}}}Amt/{{{ns}}}InstdAmt"),
                t.findtext(f"{{{ns}}}Cdtr/{{{ns}}}Nm"),
                t.findtext(f"{{{ns}}}CdtrAcct/{{{ns}}}Id/{{{ns}}}Othr/{{{ns}}}Id"),
                t.findtext(f"{{{ns}}}CdtrAcct/{{{ns}}}Id/{{{ns}}}Othr/{{{ns}}}SchmeNm/{{{ns}}}Cd"),
                t.findtext(f".//{{{ns}}}CdtrRefInf/{{{ns}}}Tp/{{{ns}}}CdOrPrtry/{{{ns}}}Cd"),
                t.findtext(f".//{{{ns}}}CdtrRefInf/{{{ns}}}Ref"),
                t.findtext(f"{{{ns}}}RmtInf/{{{ns}}}Ustrd"),
                [etree.QName(c).localname for c in t],
            )
            for t in root.iter(f"{{{ns}}}CdtTrfTxInf")
        ]

    assert content(v09, NS_PAIN001_V09) == content(v03, NS_PAIN001)
    assert one(v09, "//p:PmtInf/p:ReqdExctnDt/p:Dt") == "2025-03-04"
    assert one(v09, "//p:DbtrAgt/p:FinInstnId/p:BICFI") == "DNBANOKK"
    assert not v09.xpath("//p:PmtTpInf | //p:ChrgBr | //p:CdtrAgt", namespaces=NS)


def test_a_sepa_payment_is_sepa_slev_to_an_iban():
    root = read(build_pain001_v09(message([batch([sepa()])])))
    t = tx(root, "SEPA-1")
    assert one(t, "p:PmtTpInf/p:SvcLvl/p:Cd") == "SEPA" and one(t, "p:ChrgBr") == "SLEV"
    assert (one(t, "p:Amt/p:InstdAmt/@Ccy"), one(t, "p:Amt/p:InstdAmt")) == ("EUR", "2500.00")
    assert one(t, "p:CdtrAcct/p:Id/p:IBAN") == "DE89370400440532013000"
    assert one(t, "p:CdtrAgt/p:FinInstnId/p:BICFI") == "COBADEFFXXX"
    address = [(etree.QName(e).localname, e.text) for e in t.find("p:Cdtr/p:PstlAdr", NS)]
    assert address == [
        ("StrtNm", "Unter den Linden"),
        ("BldgNb", "5"),
        ("PstCd", "10117"),
        ("TwnNm", "Berlin"),
        ("Ctry", "DE"),
    ]
    assert not t.xpath("p:RgltryRptg", namespaces=NS)  # NOK 29 000: under the threshold


def test_a_payment_abroad_above_the_threshold_carries_its_report_uetr_and_charges():
    root = read(
        build_pain001_v09(message([batch([usd(), usd(2, charge_bearer="DEBT", urgent=True, uetr=None)])]))
    )
    first, second = tx(root, "USD-1"), tx(root, "USD-2")
    assert one(first, "p:PmtId/p:UETR") == UETR and one(first, "p:ChrgBr") == "SHAR"
    assert not first.xpath("p:PmtTpInf", namespaces=NS)
    assert (one(first, "p:RgltryRptg/p:Dtls/p:Cd"), one(first, "p:RgltryRptg/p:Dtls/p:Inf")) == (
        "14",
        "Import av varer",
    )
    assert one(first, "p:CdtrAcct/p:Id/p:Othr/p:Id") == "000123456789"
    assert one(second, "p:ChrgBr") == "DEBT" and not second.xpath("p:PmtId/p:UETR", namespaces=NS)
    assert (one(second, "p:PmtTpInf/p:InstrPrty"), one(second, "p:PmtTpInf/p:SvcLvl/p:Cd")) == (
        "HIGH",
        "URGP",
    )


def test_a_mixed_file_adds_up_across_currencies_and_batches():
    msg = message(
        [
            batch([payment(1), sepa(), usd()], pmt_inf_id="B-1"),
            batch(
                [
                    sek(),
                    payment(2, amount=Decimal("50.00")),
                    usd(
                        3,
                        amount=Decimal("1000"),
                        currency="JPY",
                        nok_equivalent=Decimal("70"),
                        regulatory_report=None,
                        uetr=str(uuid.uuid4()),
                    ),
                ],
                pmt_inf_id="B-2",
            ),
        ]
    )
    root = read(build_pain001_v09(msg))
    assert one(root, "//p:GrpHdr/p:NbOfTxs") == "6"
    assert (
        Decimal(one(root, "//p:GrpHdr/p:CtrlSum"))
        == Decimal("100.00") + 2500 + 10500 + Decimal("4200.50") + 50 + 1000
    )
    assert one(tx(root, "USD-3"), "p:Amt/p:InstdAmt") == "1000"  # yen have no decimals
    assert [one(b, "p:NbOfTxs") for b in root.xpath("//p:PmtInf", namespaces=NS)] == ["3", "3"]
    assert [payment_kind(p) for p in (payment(1), sepa(), usd(), sek())] == [DOMESTIC, SEPA, ABROAD, ABROAD]


@pytest.mark.parametrize(
    ("bad", "where", "words"),
    [
        (usd(creditor_address=PostalAddress(town="", country="US")), "creditor_address.town", "town"),
        (
            usd(creditor_address=PostalAddress(town="New York", country="")),
            "creditor_address.country",
            "country",
        ),
        (usd(creditor_address=None), "creditor_address", "address"),
        (usd(regulatory_report=None), "regulatory_report", "payment type code"),
        (usd(nok_equivalent=None), "nok_equivalent", "value in NOK"),
        (usd(amount=Decimal("10500.001")), "amount", "more decimals than USD has (2)"),
        (usd(amount=Decimal("1000.5"), currency="JPY"), "amount", "more decimals than JPY has (0)"),
        (usd(currency="XAU"), "currency", "does not pay in 'XAU'"),
        (sepa(creditor_account="DE89370400440532013001"), "creditor_account", "not a valid IBAN"),
        (sepa(creditor_bic="COBA1EFF"), "creditor_bic", "not a valid BIC"),
        (usd(creditor_bic=None), "creditor_bic", "needs the bank's BIC"),
        (usd(charge_bearer="ALL"), "charge_bearer", "SHAR, DEBT or CRED"),
        (usd(uetr="not-a-uuid"), "uetr", "UUID version 4"),
    ],
)
def test_bad_input_is_refused_naming_the_field(bad, where, words):
    with pytest.raises(IsoFormatError) as refused:
        build_pain001_v09(message([batch([bad])]))
    assert refused.value.path == f"batches[0].payments[0].{where}"
    assert words in refused.value.message


def test_the_caller_may_say_a_report_is_needed_whatever_the_amount():
    with pytest.raises(IsoFormatError, match="payment type code"):
        build_pain001_v09(message([batch([sepa(reporting_required=True)])]))


def test_v03_refuses_what_only_v09_can_carry():
    with pytest.raises(IsoFormatError, match=r"needs pain\.001\.001\.09"):
        build_pain001(message([batch([payment(1, currency="EUR")])]))


def test_the_validator_refuses_a_file_whose_amounts_have_too_many_decimals_for_their_currency():
    data = build_pain001_v09(message([batch([usd(amount=Decimal("1000"), currency="JPY")])]))
    tampered = data.replace(b'Ccy="JPY">1000<', b'Ccy="JPY">999.5<').replace(
        b"<CtrlSum>1000<", b"<CtrlSum>999.5<"
    )
    with pytest.raises(IsoFormatError, match="more decimals than its currency"):
        validate_pain001_v09(tampered)


def test_the_validator_refuses_an_iban_with_a_wrong_check():
    data = build_pain001_v09(message([batch([sepa()])]))
    with pytest.raises(IsoFormatError, match="not a valid IBAN"):
        validate_pain001_v09(data.replace(b"DE89370400440532013000", b"DE89370400440532013001"))


def test_a_domestic_payment_with_a_uetr_keeps_it():
    root = read(build_pain001_v09(message([batch([replace(payment(1), uetr=UETR)])])))
    assert one(root, "//p:PmtId/p:UETR") == UETR
