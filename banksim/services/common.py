"""What every job of the bank shares: its refusal (``BankError``), the checks of the
numbers a request carries (organisation and account numbers, amounts, KID structure, the
bruker-ID a user logs in with) and the tokens it hands out."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from stdnum.no import orgnr

from banksim import formats
from banksim.models import Account, BankUser


class BankError(Exception):
    """A request the bank refuses; views answer it as 4xx JSON ``{"code", "detail"}``."""

    def __init__(self, code: str, detail: str, status: int = 400):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


def token() -> str:
    return secrets.token_urlsafe(18)


def mask_national_id(value: str) -> str:
    """Fødselsnummer is sensitive personal data: only the birth date is ever shown (151086 *****).

    The last five digits are what make the number usable by someone else, so they are the
    ones hidden.
    """
    digits = re.sub(r"\D", "", value or "")
    if not digits:
        return ""
    return f"{digits[:6]} *****" if len(digits) == 11 else "*****"


def validate_org_number(value: str) -> str:
    value = re.sub(r"\s", "", str(value or ""))
    if not orgnr.is_valid(value):
        raise BankError(
            "invalid_org_number", f"Organisasjonsnummeret {value!r} er ugyldig (9 siffer, MOD11)."
        )
    return value


def validate_account(value: str) -> str:
    value = re.sub(r"[\s.]", "", str(value or ""))
    if not formats.account_valid(value):
        raise BankError("invalid_account", f"Kontonummeret {value!r} er ugyldig (11 siffer, MOD11).")
    return value


def parse_money(value, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except Exception:
        raise BankError("invalid_amount", f'{field} må være et beløp i kroner, f.eks. "1250.50".') from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise BankError("invalid_amount", f"{field} må ha høyst to desimaler.")
    return amount


def json_list(value, name: str, item_type: type = str) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, item_type) for v in value):
        raise BankError("invalid_parameter", f"{name} må være en liste.")
    return value


def kid_structure(raw: dict) -> tuple[int, str]:
    try:
        length = int(raw.get("length"))
    except (TypeError, ValueError):
        raise BankError("invalid_kid_structure", "KID-lengde må være et tall mellom 2 og 25.") from None
    check = str(raw.get("check") or "").upper()
    if not 2 <= length <= 25 or check not in ("MOD10", "MOD11"):
        raise BankError("invalid_kid_structure", "KID-struktur: lengde 2–25 og kontroll MOD10 eller MOD11.")
    return length, check


def ocr_agreement_id(account: Account) -> str:
    """The Nets OCR agreement id an account gets: made from its key, so it never changes."""
    return f"{100000000 + account.pk:09d}"


def clean_return_url(value) -> str:
    """A partner's page to send the user back to: http(s), on one of the partners' registered
    origins (``BANKSIM_RETURN_URL_ORIGINS``), so the bank's "back" link never sends anyone to a
    site the partner did not register. On a loopback origin any port is accepted, as OAuth does
    for native apps (RFC 8252, 7.3): a test server's port is chosen when it starts."""
    url = str(value or "").strip()
    if not url:
        return ""
    if len(url) > 500 or not re.fullmatch(r"https?://[^\s<>\"'\\]+", url):
        raise BankError("invalid_return_url", "return_url må være en http(s)-adresse på inntil 500 tegn.")
    if not any(_same_origin(url, origin) for origin in settings.BANKSIM_RETURN_URL_ORIGINS):
        raise BankError(
            "return_url_not_registered",
            "return_url må peke til regnskapssystemets registrerte adresse "
            f"({', '.join(settings.BANKSIM_RETURN_URL_ORIGINS)}).",
        )
    return url


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _same_origin(url: str, origin: str) -> bool:
    try:
        got, allowed = urlsplit(url), urlsplit(origin)
        ports = got.port, allowed.port
    except ValueError:
        return False
    if got.username or got.password or got.scheme != allowed.scheme or got.hostname != allowed.hostname:
        return False
    return got.hostname in LOOPBACK or ports[0] == ports[1]


def by_reference(model, data: dict) -> tuple[str | None, object | None]:
    """The partner's reference on a create request, and what was already made under it: a
    retried request gets that back, so it never creates twice."""
    reference = data.get("reference")
    if reference is None:
        return None, None
    reference = str(reference)[:100]
    return reference, model.objects.filter(reference=reference).first()


def bank_user_login(user_id: str) -> BankUser:
    """The online-bank user who logs in with ``user_id`` (as the page has tidied it)."""
    if re.fullmatch(r"\d{11}", user_id):
        # The bank's login takes a bruker-ID, never a fødselsnummer: say so without echoing
        # the number, which is personal data.
        raise BankError(
            "national_id_not_allowed", "Logg inn med bruker-ID (f.eks. TB12345), ikke fødselsnummer."
        )
    user = BankUser.objects.filter(user_id=user_id).first()
    if user is None:
        raise BankError("unknown_user", "Ukjent bruker-ID.")
    return user
