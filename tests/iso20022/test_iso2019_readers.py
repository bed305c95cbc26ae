"""The 2019 messages in: camt.053.001.08, camt.054.001.08 and pain.002.001.10, read by the same
code as their 2009 versions, chosen by the file's namespace. Built here, small and XSD-valid
(the real files are in tests/corpus), each with what the 2019 versions add or shape otherwise:
``Sts/Cd``, ``Pty/Nm``, ``Chrgs/Rcrd``, ``UETR``/``OrgnlUETR``, and a payment abroad's two
amounts with the bank's exchange rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from iso20022 import camt053
from iso20022.camt054 import parse_camt054
from iso20022.errors import IsoFormatError
from iso20022.pain002 import parse_pain002

UETR = "8a562c67-ca16-48ba-b074-65581be6f001"

CAMT053_V8 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-2019-1</MsgId><CreDtTm>2027-03-02T06:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>86011117947.20270301</Id>
      <ElctrncSeqNb>42</ElctrncSeqNb>
      <CreDtTm>2027-03-02T06:00:00+01:00</CreDtTm>
      <Acct><Id><IBAN>NO9386011117947</IBAN></Id><Ccy>NOK</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="NOK">200000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-03-01</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="NOK">83650.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-03-01</Dt></Dt></Bal>
      <Ntry>
        <Amt Ccy="NOK">116350.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2027-03-01</Dt></BookgDt>
        <ValDt><Dt>2027-03-01</Dt></ValDt>
        <AcctSvcrRef>DNB-2027-0001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>XBCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs>
              <EndToEndId>E2E-USD-1</EndToEndId>
              <UETR>8a562c67-ca16-48ba-b074-65581be6f001</UETR>
            </Refs>
            <AmtDtls>
              <InstdAmt><Amt Ccy="USD">10500.00</Amt><CcyXchg><SrcCcy>NOK</SrcCcy><TrgtCcy>USD</TrgtCcy><XchgRate>0.0902</XchgRate></CcyXchg></InstdAmt>
              <TxAmt><Amt Ccy="NOK">116250.00</Amt></TxAmt>
            </AmtDtls>
            <Chrgs><TtlChrgsAndTaxAmt Ccy="NOK">100.00</TtlChrgsAndTaxAmt><Rcrd><Amt Ccy="NOK">100.00</Amt></Rcrd></Chrgs>
            <RltdPties>
              <Cdtr><Pty><Nm>Acme Inc.</Nm></Pty></Cdtr>
              <CdtrAcct><Id><Othr><Id>000123456789</Id></Othr></Id></CdtrAcct>
            </RltdPties>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def test_a_camt_053_001_08_statement_is_read_with_both_amounts_and_the_rate():
    (statement,) = camt053.parse_camt053(CAMT053_V8.encode())
    assert (statement.account, statement.iban) == ("86011117947", "NO9386011117947")
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("200000.00"),
        Decimal("83650.00"),
    )
    assert camt053.statement_balance_check(statement)[0] is True
    (entry,) = statement.entries
    assert (entry.signed_amount, entry.status, entry.booking_date) == (
        Decimal("-116350.00"),
        "BOOK",
        date(2027, 3, 1),
    )
    assert entry.bank_tx_code == "PMNT/ICDT/XBCT"
    (tx,) = entry.transactions
    assert (tx.amount, tx.end_to_end_id, tx.uetr) == (Decimal("116250.00"), "E2E-USD-1", UETR)
    assert tx.foreign == camt053.Camt053Fx(Decimal("10500.00"), "USD", Decimal("0.0902"), "NOK", "USD")
    assert (tx.counterparty_name, tx.counterparty_account) == ("Acme Inc.", "000123456789")
    assert tx.charges == Decimal("100.00")  # Chrgs/Rcrd/Amt, the form from .03 on
    assert entry.charges == Decimal("100.00")  # 116,250 paid + 100 in fees = 116,350 debited


def test_the_parsing_process_reads_a_camt_053_001_08_alike(tmp_path):
    path = tmp_path / "v8.xml"
    path.write_bytes(CAMT053_V8.encode())
    process = camt053.ParseProcess(path=path)
    try:
        there = list(process.items())
    finally:
        process.close()
    assert there == list(camt053.iter_camt053(CAMT053_V8.encode()))


def test_a_camt_053_001_08_is_checked_against_its_own_schema():
    data = CAMT053_V8.replace("<Sts><Cd>BOOK</Cd></Sts>", "<Sts>BOOK</Sts>").encode()  # the .02 form
    with pytest.raises(camt053.CamtParseError) as refused:
        camt053.parse_camt053(data)
    assert refused.value.message.startswith("The file does not match the camt.053.001.08 schema: ")
    assert refused.value.element == "Sts"


@pytest.mark.parametrize("version", ["camt.053.001.03", "camt.053.001.04"])
def test_the_same_statement_reads_in_03_and_04(version):
    # .03/.04 keep Sts as a code and Cdtr/Nm, and require TxDtls/Amt; the same statement in
    # their namespace reads alike.
    data = (
        CAMT053_V8.replace("camt.053.001.08", version)
        .replace("<AmtDtls>", '<Amt Ccy="NOK">116250.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><AmtDtls>')
        .replace("<Sts><Cd>BOOK</Cd></Sts>", "<Sts>BOOK</Sts>")
        .replace("<Cdtr><Pty><Nm>Acme Inc.</Nm></Pty></Cdtr>", "<Cdtr><Nm>Acme Inc.</Nm></Cdtr>")
        .replace("<UETR>8a562c67-ca16-48ba-b074-65581be6f001</UETR>", "")
    )
    (statement,) = camt053.parse_camt053(data.encode())
    (tx,) = statement.entries[0].transactions
    assert (tx.counterparty_name, tx.charges, tx.uetr) == ("Acme Inc.", Decimal("100.00"), None)
    assert tx.foreign.amount == Decimal("10500.00")


CAMT054_V8 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2027-03-01T18:00:00+01:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-1-1</Id>
      <Acct><Id><Othr><Id>86011117947</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id><Ccy>NOK</Ccy></Acct>
      <Ntry>
        <Amt Ccy="NOK">116250.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><DtTm>2027-02-28T23:30:00Z</DtTm></BookgDt>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>XBCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <Btch><PmtInfId>PMT-1</PmtInfId></Btch>
          <TxDtls>
            <Refs><EndToEndId>E2E-USD-1</EndToEndId><UETR>8a562c67-ca16-48ba-b074-65581be6f001</UETR></Refs>
            <AmtDtls>
              <InstdAmt><Amt Ccy="USD">10500.00</Amt><CcyXchg><SrcCcy>NOK</SrcCcy><TrgtCcy>USD</TrgtCcy><XchgRate>0.0903226</XchgRate></CcyXchg></InstdAmt>
            </AmtDtls>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""


def test_a_camt_054_001_08_payment_abroad_is_booked_at_the_nok_debited_with_the_usd_kept():
    report = parse_camt054(CAMT054_V8.encode())
    assert report.version == "camt.054.001.08"
    (ntf,) = report.notifications
    assert (ntf.account_bban, ntf.created_at) == ("86011117947", None)
    (entry,) = ntf.entries
    assert (entry.status, entry.booking_date, entry.batch_pmt_inf_id) == ("BOOK", date(2027, 3, 1), "PMT-1")
    (tx,) = entry.transactions
    # Known only as USD 10,500 instructed: the one transaction is the NOK the bank debited.
    assert (tx.amount, tx.currency, tx.end_to_end_id, tx.uetr) == (
        Decimal("116250.00"),
        "NOK",
        "E2E-USD-1",
        UETR,
    )
    assert tx.foreign == camt053.Camt053Fx(Decimal("10500.00"), "USD", Decimal("0.0903226"), "NOK", "USD")


def test_a_camt_054_batch_split_only_in_another_currency_is_refused():
    two = CAMT054_V8.replace(
        "</TxDtls>",
        "</TxDtls><TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs>"
        '<AmtDtls><InstdAmt><Amt Ccy="USD">1.00</Amt></InstdAmt></AmtDtls></TxDtls>',
        1,
    )
    with pytest.raises(IsoFormatError, match="gives no amount"):
        parse_camt054(two.encode())


PAIN002_V10 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2027-03-01T10:00:00+01:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>MSG-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
      <OrgnlNbOfTxs>2</OrgnlNbOfTxs><GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>PMT-1</OrgnlPmtInfId>
      <PmtInfSts>PART</PmtInfSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>E2E-USD-1</OrgnlEndToEndId>
        <OrgnlUETR>8a562c67-ca16-48ba-b074-65581be6f001</OrgnlUETR>
        <TxSts>ACSC</TxSts>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>E2E-EUR-2</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>RR04</Cd></Rsn><AddtlInf>Regulatory reporting code missing</AddtlInf></StsRsnInf>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


def test_a_pain_002_001_10_is_read_at_its_three_levels_with_the_uetr():
    report = parse_pain002(PAIN002_V10.encode())
    assert (report.version, report.original_msg_id, report.original_msg_name) == (
        "pain.002.001.10",
        "MSG-1",
        "pain.001.001.09",
    )
    assert report.group_status == "PART" and report.original_nb_of_txs == 2
    (batch,) = report.batches
    paid, rejected = batch.transactions
    assert (paid.end_to_end_id, paid.status, paid.uetr) == ("E2E-USD-1", "ACSC", UETR)
    assert (rejected.status, rejected.reason_codes) == ("RJCT", ("RR04",))
    assert report.effective_statuses()["E2E-EUR-2"][0] == "RJCT"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("<OrgnlMsgId>MSG-1</OrgnlMsgId>", ""), "OrgnlGrpInfAndSts"),  # required, first
        (("<TxSts>RJCT</TxSts>", "<TxSts>REJECTED</TxSts>"), "TxSts"),  # not a code
        (("<OrgnlUETR>8a562c67", "<OrgnlUETR>XX562c67"), "OrgnlUETR"),
        (("<CreDtTm>2027-03-01T10:00:00+01:00", "<CreDtTm>yesterday"), "CreDtTm"),
    ],
)
def test_a_pain_002_001_10_is_held_to_its_schema_rules_without_an_installed_xsd(change, where):
    with pytest.raises(IsoFormatError) as refused:
        parse_pain002(PAIN002_V10.replace(*change).encode())
    assert where in str(refused.value)


def test_a_pain_002_of_a_version_the_portal_does_not_read_names_those_it_does():
    with pytest.raises(IsoFormatError) as refused:
        parse_pain002(PAIN002_V10.replace("pain.002.001.10", "pain.002.001.12").encode())
    assert "versions pain.002.001.03, pain.002.001.10" in str(refused.value)
