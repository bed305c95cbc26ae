"""Demo statements for `seed_demo`: a week of camt.053 on the demo company's operating account,
imported through the normal service (so it is deduplicated, checked and auto-matched)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

from accounts.models import BankAccount

from .models import StatementFile
from .services import statement_file_import

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def _entry(amount: Decimal, day: datetime.date, ref: str, text: str, charge: bool = False) -> str:
    indicator = "CRDT" if amount > 0 else "DBIT"
    family = ("ACMT", "MDOP", "CHRG") if charge else ("PMNT", "RCDT" if amount > 0 else "ICDT", "ESCT")
    details = (
        ""
        if charge
        else f"<NtryDtls><TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>"
        f"<RmtInf><Ustrd>{escape(text)}</Ustrd></RmtInf></TxDtls></NtryDtls>"
    )
    return (
        f'<Ntry><Amt Ccy="NOK">{abs(amount):.2f}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{day.isoformat()}</Dt></BookgDt><ValDt><Dt>{day.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><BkTxCd><Domn><Cd>{family[0]}</Cd><Fmly><Cd>{family[1]}</Cd>"
        f"<SubFmlyCd>{family[2]}</SubFmlyCd></Fmly></Domn></BkTxCd>{details}"
        f"<AddtlNtryInf>{escape(text)}</AddtlNtryInf></Ntry>"
    )


def _file(
    account: str, days: list[tuple[datetime.date, list[tuple[Decimal, str, bool]]]], opening: Decimal
) -> bytes:
    now = timezone.now().replace(microsecond=0).isoformat()
    statements = []
    for seq, (day, entries) in enumerate(days, start=1):
        closing = opening + sum((amount for amount, _text, _charge in entries), Decimal("0.00"))
        body = "".join(
            _entry(amount, day, f"DEMO{day:%Y%m%d}{i:03d}", text, charge)
            for i, (amount, text, charge) in enumerate(entries)
        )
        statements.append(
            f"<Stmt><Id>DEMO-{day:%Y%m%d}</Id><ElctrncSeqNb>{seq}</ElctrncSeqNb><CreDtTm>{now}</CreDtTm>"
            f"<Acct><Id><Othr><Id>{account}</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id><Ccy>NOK</Ccy></Acct>"
            f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="NOK">{opening:.2f}</Amt>'
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
            f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="NOK">{closing:.2f}</Amt>'
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>{body}</Stmt>"
        )
        opening = closing
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt><GrpHdr>'
        f"<MsgId>DEMO-CAMT053</MsgId><CreDtTm>{now}</CreDtTm></GrpHdr>{''.join(statements)}"
        f"</BkToCstmrStmt></Document>"
    ).encode()


def seed(companies, stdout) -> None:
    main = companies["main"]
    account = BankAccount.objects.filter(company=main, account_number="15032080119").first()
    if account is None:
        stdout.write("reconciliation: no demo statements (account 1503.20.80119 is not registered)")
        return
    if StatementFile.objects.filter(company=main).exists():
        return
    today = timezone.localdate()
    days = []
    for back in range(7, 0, -1):
        day = today - datetime.timedelta(days=back)
        entries = [(Decimal(1250 + 375 * back) + Decimal("0.50"), f"Innbetaling faktura {back}", False)]
        if back % 3 == 0:
            entries.append((Decimal("-45.00"), "Gebyr nettbank", True))
        if back == 1:
            entries.append((Decimal("12.34"), "Renter", False))
        days.append((day, entries))
    result = statement_file_import(
        main,
        _file(account.account_number, days, Decimal("250000.00")),
        source=StatementFile.Source.COMMAND,
        filename="demo-camt053.xml",
    )
    stdout.write(f"reconciliation: demo statements {result.outcome}: {result.message}")
