"""The reconciliation pages through Django's test client: upload, overview, matching, post, unmatch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.services import bank_account_create
from companies.roles import Role
from ledger.models import VoucherLine
from reconciliation.models import Match, StatementEntry, StatementFile
from tests.reconciliation.camtgen import simple_statement
from tests.reconciliation.test_api import ledger_line
from tests.reconciliation.test_import import ACCOUNT, credit, debit

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(company_a):
    return bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")


@pytest.fixture
def web(client, admin_a):
    client.force_login(admin_a)
    return client


def test_upload_then_overview_shows_chart_and_rate(web, company_a, account):
    ledger_line(company_a, account, "100.00")
    data = simple_statement([credit("100.00", "R1"), debit("45.00", "R2", charge=True), credit("1.00", "R3")])
    response = web.post("/reconciliation/upload/", {"file": SimpleUploadedFile("s.xml", data)})
    file = StatementFile.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/reconciliation/files/{file.pk}/")
    page = web.get(response.url).content.decode()
    assert file.sha256 in page
    overview = web.get("/reconciliation/").content.decode()
    assert "<svg" in overview and "<polyline" in overview
    # 2 of 3 entries matched (amount/date and the fee); Norwegian writes 66,7.
    assert 'data-testid="match-rate">66,7 %<' in overview
    assert 'data-testid="unmatched-count">1<' in overview


@pytest.mark.parametrize(
    ("language", "wrong_message", "cut_off"),
    [
        (
            "nb",
            "Dette er et XML-dokument med rotelementet &lt;x&gt; uten navnerom, ikke en kontoutskrift i "
            "camt.053.001.02. (element x, linje 1)",
            "Filen er ikke korrekt formatert XML: den slutter før Document-elementet er avsluttet",
        ),
        (
            "en",
            "This is an XML document with root element &lt;x&gt; and no namespace, not a camt.053.001.02 "
            "bank statement. (element x, line 1)",
            "The file is not well-formed XML: it ends before its Document element does (truncated).",
        ),
    ],
)
def test_rejected_upload_shows_the_reason_in_the_users_language(
    web, company_a, account, language, wrong_message, cut_off
):
    # Issue 20 item 12: the parser's refusals were English f-strings under a Norwegian UI.
    web.cookies["django_language"] = language
    response = web.post(
        "/reconciliation/upload/",
        {"file": SimpleUploadedFile("x.xml", b"<x>not a statement</x>")},
        follow=True,
    )
    assert response.status_code == 200
    assert wrong_message in response.content.decode()
    assert StatementFile.objects.get().status == StatementFile.Status.REJECTED
    cut = simple_statement([credit("1.00", "R1")])[:-30]
    response = web.post("/reconciliation/upload/", {"file": SimpleUploadedFile("y.xml", cut)}, follow=True)
    assert cut_off in response.content.decode()
    assert StatementFile.objects.filter(status=StatementFile.Status.REJECTED).count() == 2


def test_matching_screen_match_post_unmatch(web, company_a, account):
    web.post(
        "/reconciliation/upload/",
        {
            "file": SimpleUploadedFile(
                "s.xml", simple_statement([credit("100.00", "R1"), credit("3.50", "R2")])
            )
        },
    )
    a = ledger_line(company_a, account, "60.00")
    b = ledger_line(company_a, account, "40.00")
    page = web.get(f"/reconciliation/matching/?account={account.pk}").content.decode()
    assert 'data-testid="bank-entries"' in page and f'data-testid="line-{a.pk}"' in page
    one = StatementEntry.objects.get(acct_svcr_ref="R1")
    interest = StatementEntry.objects.get(acct_svcr_ref="R2")
    found = web.get(f"/reconciliation/matching/?account={account.pk}&q=3.5&from=2025-03-01&to=2025-03-31")
    assert f'data-testid="entry-{interest.pk}"' in found.content.decode()
    assert f'data-testid="entry-{one.pk}"' not in found.content.decode()
    wrong = web.post(
        "/reconciliation/matching/match/",
        {"account": account.pk, "entries": [one.pk], "lines": [a.pk]},
        follow=True,
    )
    assert "Summene stemmer ikke" in wrong.content.decode()
    web.post(
        "/reconciliation/matching/match/", {"account": account.pk, "entries": [one.pk], "lines": [a.pk, b.pk]}
    )
    assert StatementEntry.objects.get(pk=one.pk).status == "MATCHED"
    interest = StatementEntry.objects.get(acct_svcr_ref="R2")
    web.post(
        "/reconciliation/matching/post/",
        {"account": account.pk, "entries": [interest.pk], "ledger_account": "8040", "text": "Renter"},
    )
    posted = Match.objects.get(rule="POSTED")
    assert posted.amount == Decimal("3.50")
    web.post(f"/reconciliation/matches/{posted.pk}/unmatch/")
    assert StatementEntry.objects.get(pk=interest.pk).status == "UNMATCHED"
    assert not Match.objects.filter(pk=posted.pk).exists()
    assert VoucherLine.objects.filter(pk__in=[a.pk, b.pk], open_entry__isnull=True).count() == 2


def test_read_only_member_sees_but_cannot_change(client, make_user, company_a, account):
    reader = make_user("reader", company=company_a, roles=[Role.READ_ONLY])
    client.force_login(reader)
    assert client.get("/reconciliation/").status_code == 200
    assert client.get("/reconciliation/matching/").status_code == 200
    response = client.post("/reconciliation/upload/", {"file": SimpleUploadedFile("s.xml", b"x")})
    assert response.status_code == 403
    assert client.get("/reconciliation/upload/").status_code in (403, 405)


def test_statement_files_page_filters_by_account_and_date(web, company_a, account):
    from datetime import date

    from reconciliation.services import statement_file_import

    bank_account_create(company_a, account_number="15032080119", name="Skatt", ledger_account="1950")
    upload = StatementFile.Source.UPLOAD
    first = statement_file_import(company_a, simple_statement([credit("1.00", "A1")]), source=upload).file
    later = simple_statement(
        [credit("2.00", "A2", day=date(2025, 3, 5))],
        statement_id="S2",
        from_date=date(2025, 3, 5),
        to_date=date(2025, 3, 5),
    )
    second = statement_file_import(company_a, later, source=upload).file
    other = simple_statement([credit("3.00", "B1")], statement_id="S3", account="15032080119")
    third = statement_file_import(company_a, other, source=upload).file

    def shown(query):
        page = web.get(f"/reconciliation/files/?{query}").content.decode()
        return {f.pk for f in (first, second, third) if f'/reconciliation/files/{f.pk}/"' in page}

    assert shown("") == {first.pk, second.pk, third.pk}
    assert shown(f"account={account.pk}") == {first.pk, second.pk}
    assert shown(f"account={account.pk}&from=2025-03-05") == {second.pk}
    assert shown("to=2025-03-04") == {first.pk, third.pk}
    page = web.get("/reconciliation/files/?from=2030-01-01").content.decode()
    assert (
        "Ingen kontoutskriftsfiler for denne kontoen og perioden." in page
        or "No statement files for this" in page
    )


def test_an_account_or_entry_given_as_odd_digits_is_ignored_not_an_error(web, company_a, account):
    # "²" is a digit to str.isdigit but not to int(): the screens read it as no choice.
    for path in ("/reconciliation/files/?account=²", "/reconciliation/matching/?account=²"):
        assert web.get(path).status_code == 200, path
    for entries in (["²"], [str(2**63)], ["9" * 5000]):  # and past the largest key
        response = web.post(
            "/reconciliation/matching/match/", {"account": account.pk, "entries": entries, "lines": entries}
        )
        assert response.status_code == 302, entries
        response = web.post("/reconciliation/matching/post/", {"account": account.pk, "entries": entries})
        assert response.status_code in (302, 404), entries
