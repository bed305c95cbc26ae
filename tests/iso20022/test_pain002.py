"""pain.002.001.03 parsing: statuses at file, batch and payment level, reasons in plain words, hostile XML.

The reports are written by ``isofiles`` (lxml, XSD order), including answers to pain.001
files built by ``build_pain001``, so correlation on MsgId/PmtInfId/EndToEndId is tested end
to end without the simulator.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from iso20022.errors import IsoFormatError
from iso20022.pain001 import build_pain001
from iso20022.pain002 import (
    REASON_TEXTS,
    STATUS_CODES,
    StatusReason,
    parse_pain002,
    reason_text,
    status_text,
)
from iso20022.xsd import NS_PAIN002
from tests.remittance.isofiles import (
    BatchStatus,
    Reason,
    TxStatus,
    make_message,
    pain002_answering,
    pain002_xml,
)


def test_file_level_rejection_with_reason():
    data = pain002_xml(
        "MSG-1", "RJCT", group_reasons=(Reason("FF01", info=("Ugyldig fil",)),), original_nb_of_txs=3
    )
    report = parse_pain002(data)
    assert report.original_msg_id == "MSG-1"
    assert report.original_msg_name == "pain.001.001.03"
    assert report.group_status == "RJCT"
    assert report.original_nb_of_txs == 3
    assert report.group_reasons == (StatusReason("FF01", None, ("Ugyldig fil",)),)
    assert report.group_reasons[0].text("nb") == "Filformatet er ugyldig. Ugyldig fil"
    assert report.group_reasons[0].text("en") == "The file format is invalid. Ugyldig fil"
    assert report.batches == ()
    assert report.msg_id == "DNB-STS-0001"
    assert report.created_at == datetime(2025, 3, 4, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def test_partly_accepted_batch_names_each_rejected_payment_and_why():
    data = pain002_xml(
        "MSG-2",
        "PART",
        batches=(
            BatchStatus(
                "B-1",
                "PART",
                transactions=(
                    TxStatus("E2E-1", "ACSP", acceptance_at="2025-03-04T09:00:00+01:00"),
                    TxStatus("E2E-2", "RJCT", (Reason("AC03", info=("KID 123456782 avvist",)),)),
                    TxStatus("E2E-3", "RJCT", (Reason("AM04"), Reason(proprietary="DNB123"))),
                ),
            ),
        ),
    )
    report = parse_pain002(data)
    assert report.group_status == "PART"
    (batch,) = report.batches
    assert (batch.pmt_inf_id, batch.status) == ("B-1", "PART")
    by_id = {tx.end_to_end_id: tx for tx in batch.transactions}
    assert by_id["E2E-1"].status == "ACSP"
    assert by_id["E2E-1"].acceptance_at == datetime(2025, 3, 4, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    assert by_id["E2E-2"].status == "RJCT"
    assert by_id["E2E-2"].reason_codes == ("AC03",)
    assert by_id["E2E-2"].reasons[0].text("nb").startswith("Mottaker har ikke KID-avtale")
    assert by_id["E2E-2"].reasons[0].text("nb").endswith("KID 123456782 avvist")
    assert by_id["E2E-3"].reason_codes == ("AM04", "DNB123")
    assert by_id["E2E-3"].reasons[0].text("en") == "Insufficient funds on the account."
    assert "DNB123" in by_id["E2E-3"].reasons[1].text("en")


def test_answer_to_a_built_pain001_correlates_every_payment():
    msg = make_message(9, n_batches=2)
    pain001 = build_pain001(msg)
    report = parse_pain002(pain002_answering(pain001))
    assert report.original_msg_id == msg.msg_id
    assert report.group_status == "ACSP"
    assert [b.pmt_inf_id for b in report.batches] == [b.pmt_inf_id for b in msg.batches]
    statuses = report.effective_statuses()
    assert set(statuses) == {p.end_to_end_id for b in msg.batches for p in b.payments}
    assert {s for s, _ in statuses.values()} == {"ACSP"}


def test_answer_with_rejections_is_part_at_file_and_batch_level():
    msg = make_message(6, n_batches=2)
    first, second = msg.batches[0].payments[0].end_to_end_id, msg.batches[1].payments[2].end_to_end_id
    report = parse_pain002(pain002_answering(build_pain001(msg), rejects={first: "AC01", second: "AG08"}))
    assert report.group_status == "PART"
    assert [b.status for b in report.batches] == ["PART", "PART"]
    statuses = report.effective_statuses()
    assert statuses[first][0] == "RJCT" and statuses[first][1][0].code == "AC01"
    assert statuses[second][1][0].text("nb") == REASON_TEXTS["AG08"][0]
    assert sum(1 for s, _ in statuses.values() if s == "ACSP") == 4


def test_payments_without_their_own_status_inherit_the_batch_status():
    data = pain002_xml(
        "MSG-3",
        None,
        batches=(
            BatchStatus(
                "B-1",
                "RJCT",
                (Reason("AG08"),),
                (TxStatus("E2E-1", None), TxStatus("E2E-2", "RJCT", (Reason("AC01"),))),
            ),
        ),
    )
    report = parse_pain002(data)
    assert report.group_status is None
    statuses = report.effective_statuses()
    assert statuses["E2E-1"] == ("RJCT", (StatusReason("AG08"),))
    assert statuses["E2E-2"] == ("RJCT", (StatusReason("AC01"),))


def test_batches_without_a_status_inherit_the_file_status():
    data = pain002_xml(
        "MSG-4",
        "RJCT",
        group_reasons=(Reason("DS0B"),),
        batches=(BatchStatus("B-1", None), BatchStatus("B-2", "RJCT", (Reason("AM04"),))),
    )
    statuses = parse_pain002(data).batch_statuses()
    assert statuses == {"B-1": ("RJCT", (StatusReason("DS0B"),)), "B-2": ("RJCT", (StatusReason("AM04"),))}


def test_a_transactions_own_reason_wins_when_it_has_no_status_of_its_own():
    # The ISO example as php-sepa-xml publishes it: no GrpSts, no PmtInfSts, proprietary
    # reasons at file (M009) and batch (L002) level, and one payment with AC04 but no TxSts.
    data = pain002_xml(
        "MSG-5",
        None,
        group_reasons=(Reason(proprietary="M009"),),
        batches=(
            BatchStatus(
                "B-1",
                None,
                (Reason(proprietary="L002"),),
                (TxStatus("E2E-1", None, (Reason("AC04"),)), TxStatus("E2E-2", None)),
            ),
        ),
    )
    statuses = parse_pain002(data).effective_statuses()
    assert statuses["E2E-1"] == (None, (StatusReason("AC04"),))
    # One without a reason of its own has its batch's, not the file's.
    assert statuses["E2E-2"] == (None, (StatusReason(None, "L002"),))


def test_the_batch_counts_give_the_status_of_the_payments_listed_without_one():
    # "1 RJCT" in NbOfTxsPerSts and one payment listed without TxSts: it is the rejected one.
    def report(counts, listed):
        return parse_pain002(
            pain002_xml(
                "MSG-9",
                None,
                batches=(BatchStatus("B-1", None, transactions=listed, counts=counts),),
            )
        ).effective_statuses()

    ac04 = TxStatus("E2E-1", None, (Reason("AC04"),))
    assert report((("RJCT", 1),), (ac04,))["E2E-1"] == ("RJCT", (StatusReason("AC04"),))
    # Counts that do not prove it are not used: two statuses, or a count that does not fit.
    assert report((("RJCT", 1), ("ACCP", 2)), (ac04,))["E2E-1"][0] is None
    assert report((("RJCT", 2),), (ac04,))["E2E-1"][0] is None
    # A payment with its own status keeps it.
    assert report((("RJCT", 1),), (ac04, TxStatus("E2E-2", "ACSP")))["E2E-2"] == ("ACSP", ())


def test_a_transaction_with_its_own_status_and_no_reason_takes_its_batchs_reason_only_if_it_shares_the_status():
    data = pain002_xml(
        "MSG-6",
        "PART",
        batches=(
            BatchStatus(
                "B-1",
                "RJCT",
                (Reason("DT01", info=("Feil dato",)),),
                (TxStatus("E2E-1", "RJCT"), TxStatus("E2E-2", "ACSP")),
            ),
        ),
    )
    statuses = parse_pain002(data).effective_statuses()
    assert statuses["E2E-1"] == ("RJCT", (StatusReason("DT01", None, ("Feil dato",)),))
    assert statuses["E2E-2"] == ("ACSP", ())


def test_empty_status_reasons_carry_nothing_and_are_dropped():
    data = pain002_xml(
        "MSG-7",
        "RJCT",
        group_reasons=(Reason(),),
        batches=(BatchStatus("B-1", "RJCT", (Reason(info=("Hele bunten er avvist.",)), Reason())),),
    )
    report = parse_pain002(data)
    assert report.group_reasons == ()
    assert report.batches[0].reasons == (StatusReason(None, None, ("Hele bunten er avvist.",)),)


def test_payments_without_an_end_to_end_id_are_reported_as_unidentified_not_dropped():
    data = pain002_xml(
        "MSG-8",
        "PART",
        batches=(
            BatchStatus(
                "B-1",
                "PART",
                transactions=(
                    TxStatus("E2E-1", "ACSP"),
                    TxStatus(None, "RJCT", (Reason("AC04"),)),
                    TxStatus(None, None),
                ),
            ),
            BatchStatus("B-2", "ACCP", transactions=(TxStatus(None, None),)),
        ),
    )
    report = parse_pain002(data)
    assert set(report.effective_statuses()) == {"E2E-1"}
    unidentified = report.unidentified_statuses()
    assert [(u.pmt_inf_id, u.position, u.status, u.reasons) for u in unidentified] == [
        ("B-1", 2, "RJCT", (StatusReason("AC04"),)),
        ("B-1", 3, "PART", ()),
        ("B-2", 1, "ACCP", ()),
    ]
    assert [t.position for t in report.batches[0].transactions] == [1, 2, 3]


def test_every_status_code_is_read_and_has_words():
    for code in STATUS_CODES:
        tx_code = code if code not in ("RCVD", "PART") else "PDNG"  # these two exist only above payments
        report = parse_pain002(
            pain002_xml("M", code, batches=(BatchStatus("B", code, transactions=(TxStatus("E", tx_code),)),))
        )
        assert report.group_status == code and report.batches[0].status == code
        assert status_text(code, "nb") and status_text(code, "en")
        assert status_text(code, "nb") != status_text(code, "en")


# --------------------------------------------------------------------------- reason texts


@pytest.mark.parametrize(
    "code",
    [
        "AC01",
        "AC03",
        "AC04",
        "AC06",
        "AG01",
        "AG08",
        "AM01",
        "AM02",
        "AM04",
        "AM05",
        "BE04",
        "DT01",
        "DU01",
        "FF01",
        "MS03",
        "NARR",
        "RC01",
        "RR01",
    ],
)
def test_common_reason_codes_have_norwegian_and_english_sentences(code):
    nb, en = REASON_TEXTS[code]
    assert reason_text(code, "nb") == nb and reason_text(code, "en") == en
    assert nb != en and nb.endswith(".") and en.endswith(".")


def test_reason_texts_from_the_issue():
    assert "KID-avtale" in reason_text("AC03", "nb")
    assert reason_text("AG08", "en").startswith("The approver lacks")
    assert reason_text("AM04", "nb") == "Ikke dekning på kontoen."
    assert reason_text("ac01", "en") == "Incorrect account number."


def test_unknown_reason_code_is_quoted_in_a_sentence():
    assert reason_text("XY99", "nb") == "Banken oppga årsakskoden «XY99», som vi ikke kjenner."
    assert "'XY99'" in reason_text("XY99", "en")
    assert reason_text(None, "en") == "The bank gave no reason."
    with pytest.raises(ValueError, match="Unsupported language"):
        reason_text("AC01", "de")


# -------------------------------------------------------------------------- refused files

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr>
<MsgId>&xxe;</MsgId><CreDtTm>2025-03-04T08:00:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts>
<OrgnlMsgId>M</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>"""

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">&lol9;</Document>'
)


def _valid() -> bytes:
    return pain002_xml(
        "MSG-1", "ACSP", batches=(BatchStatus("B", "ACSP", transactions=(TxStatus("E", "ACSP"),)),)
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (XXE, "DOCTYPE"),
        (LAUGHS, "DOCTYPE"),
        (b'<!DOCTYPE Document><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>', "DOCTYPE"),
        (
            _valid().replace(NS_PAIN002.encode(), b"urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"),
            "only in the versions pain.002.001.03, pain.002.001.10",
        ),
        (build_pain001(make_message(2)), "not a pain.002.001.03 file"),
        (_valid()[:-40], "not well-formed"),
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"PK\x03\x04 not xml", "not well-formed"),
        (_valid().replace(b"<TxSts>ACSP</TxSts>", b"<TxSts>OKAY</TxSts>"), "schema"),
        (
            _valid().replace(b"<OrgnlMsgNmId>pain.001.001.03", b"<OrgnlMsgNmId>pain.008.001.02"),
            "pain.008.001.02",
        ),
    ],
)
def test_hostile_or_broken_files_are_refused(data, words):
    with pytest.raises(IsoFormatError, match=words):
        parse_pain002(data)


def test_a_schema_error_names_the_element_by_its_path_and_the_rule_it_broke():
    data = _valid().replace(b"<OrgnlEndToEndId>E</OrgnlEndToEndId>", b"<OrgnlInstrdId>E</OrgnlInstrdId>")
    with pytest.raises(IsoFormatError) as err:
        parse_pain002(data)
    assert err.value.path == "/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts/OrgnlInstrdId"
    assert err.value.template.startswith("The file does not match the %(schema)s schema: the element")
    assert err.value.params["schema"] == "pain.002.001.03"
    assert "OrgnlInstrId" in err.value.params["expected"] and "{urn:" not in err.value.message
    assert err.value.message.endswith("is not allowed there. Expected: " + err.value.params["expected"] + ".")


def test_a_value_the_schema_does_not_allow_is_quoted():
    with pytest.raises(IsoFormatError) as err:
        parse_pain002(_valid().replace(b"<TxSts>ACSP</TxSts>", b"<TxSts>OKAY</TxSts>"))
    assert err.value.params["value"] == "OKAY"
    assert err.value.params["element"].endswith("/TxInfAndSts/TxSts")


def test_refusals_keep_the_template_and_values_apart_and_survive_pickling():
    import pickle

    with pytest.raises(IsoFormatError) as err:
        parse_pain002(_valid().replace(b"<OrgnlMsgNmId>pain.001.001.03", b"<OrgnlMsgNmId>pain.008.001.02"))
    exc = err.value
    assert exc.template == "This status report answers a '%(name)s' message, not a pain.001 payment file."
    assert exc.params == {"name": "pain.008.001.02"}
    again = pickle.loads(pickle.dumps(exc))
    assert (again.template, again.params, again.path, str(again)) == (
        exc.template,
        exc.params,
        exc.path,
        str(exc),
    )


def test_the_banks_words_cut_at_the_field_limit_run_on_and_short_remarks_stay_apart():
    cut = StatusReason("NARR", None, ("x" * 96 + " is not val", "id.", "Second remark.", "Third."))
    assert cut.info == "x" * 96 + " is not valid. Second remark. Third."
    assert StatusReason(None, None, ("Koko erä hylätty.",)).text("nb") == "Koko erä hylätty."


def test_doctype_in_utf16_is_refused_after_parsing():
    # The byte scan cannot see "<!DOCTYPE" in UTF-16; the parsed document's docinfo can.
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Document><Document xmlns="' + NS_PAIN002 + '"/>'
    with pytest.raises(IsoFormatError, match="DOCTYPE"):
        parse_pain002(text.encode("utf-16"))


def test_same_payment_reported_twice_is_refused():
    data = pain002_xml(
        "M",
        "PART",
        batches=(BatchStatus("B", "PART", transactions=(TxStatus("E", "ACSP"), TxStatus("E", "RJCT"))),),
    )
    with pytest.raises(IsoFormatError, match="'E' is reported twice") as err:
        parse_pain002(data)
    assert err.value.path.endswith("OrgnlPmtInfAndSts[1]/TxInfAndSts[2]/OrgnlEndToEndId")


def test_text_input_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_pain002(_valid().decode())


# -------------------------------------------------------------------------------- speed


def test_ten_thousand_statuses_parse_completely():
    txs = tuple(
        TxStatus(f"E2E-{i:08d}", "RJCT" if i % 10 == 0 else "ACSP", (Reason("AC01"),) if i % 10 == 0 else ())
        for i in range(10_000)
    )
    data = pain002_xml("MSG-BIG", "PART", batches=(BatchStatus("B-1", "PART", transactions=txs),))
    report = parse_pain002(data)  # its speed is a `make bench` row (bench/remittance_files.py)
    assert len(report.batches[0].transactions) == 10_000
    assert sum(1 for s, _ in report.effective_statuses().values() if s == "RJCT") == 1_000
