"""Demo data: one OCR file for Demo Regnskap AS that settles a few invoices by KID, pays one
partly and leaves two payments (an unknown KID and a giro with text) for manual allocation."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import BankAccount
from ledger.models import Invoice

from .models import OcrFile
from .services import ocr_file_import

# The demo file's transmission and assignment numbers. The simulated bank numbers its OCR
# transmissions and assignments from 0000001 up (``banksim.services.incoming._ocr_file``), and a
# real bank's first file is 0000001 too: the demo stays out of that range, so the first file
# from the bank is never taken for the demo's (issue 20: it was, and its payments were lost).
DEMO_TRANSMISSION = "9000001"
DEMO_ASSIGNMENT = "9000001"


def _lines(account: str, payments: list[tuple[int, int, str, str]], day) -> str:
    """Nets OCR records 10/20/30/31(/32)/88/89 for one assignment (amounts in øre)."""
    d = f"{day:%d%m%y}"
    out = [
        f"NY00001000008080{DEMO_TRANSMISSION:7}00105625" + "0" * 49,
        f"NY090020{'0' * 9}{DEMO_ASSIGNMENT:7}{account}" + "0" * 45,
    ]
    records, total = 2, 0
    for number, ore, kid, text in payments:
        t_type = 21 if text else 10
        out.append(f"NY09{t_type}30{number:07d}{d}1320101464" + f"0{ore:017d}{kid:>25}000000")
        out.append(f"NY09{t_type}31{number:07d}{'0' * 10}{'0' * 9}{'0' * 7}{d}86011117947" + "0" * 22)
        records += 2
        if text:
            out.append(f"NY09{t_type}32{number:07d}{text:40}" + "0" * 25)
            records += 1
        total += ore
    out.append(f"NY090088{len(payments):08d}{records:08d}{total:017d}{d}{d}{d}" + "0" * 21)
    out.append(f"NY000089{len(payments):08d}{records + 2:08d}{total:017d}{d}" + "0" * 33)
    return "\r\n".join(out) + "\r\n"


def seed(companies, stdout) -> None:
    main = companies["main"]
    account = BankAccount.objects.filter(company=main, account_number="15032080119").first()
    if account is None or not account.has_nets_ocr:
        stdout.write("ocr: no demo OCR file (account 1503.20.80119 has no Nets OCR)")
        return
    if OcrFile.objects.filter(company=main).exists():
        return
    invoices = list(
        Invoice.objects.filter(company=main, status=Invoice.Status.OPEN)
        .exclude(kid="")
        .order_by("number")[:4]
    )
    if len(invoices) < 4:
        stdout.write("ocr: no demo OCR file (fewer than 4 open invoices with KID)")
        return
    ore = [int(inv.amount * 100) for inv in invoices]
    payments = [
        (1, ore[0], invoices[0].kid, ""),
        (2, ore[1], invoices[1].kid, ""),
        (3, ore[2], invoices[2].kid, ""),
        (4, max(ore[3] // 2, 1), invoices[3].kid, ""),
        (5, 49900, "1234567890", ""),
        (6, 25000, "", "Kontingent 2026, hilsen Åse Ørstavik"),
    ]
    data = _lines(account.account_number, payments, timezone.localdate()).encode("latin-1")
    file = ocr_file_import(main, data, source=OcrFile.Source.COMMAND, filename="demo-ocr.txt")
    stdout.write(
        f"ocr: demo OCR file #{file.pk} {file.status}: {file.settled_count} settled, "
        f"{file.unmatched_count} to allocate"
    )
