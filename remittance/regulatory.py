"""Norway's reporting of payments abroad to the Currency Register (Valutaregisteret).

A payment abroad worth more than NOK 100 000 carries a payment type code ("betalingsart")
and a short text of what it is for; the bank passes both on (pain.001 ``RgltryRptg``). The
codes are Skatteetaten's ("Koder for betalingsart", the table banks such as DNB publish for
their customers), grouped as there: goods, services, returns on capital, capital
transactions, other transfers. The names are the official Norwegian ones, shown as they are
in every language (they are what the register and the bank call them).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (code, official Norwegian name); the group each belongs to is in GROUPS.
REGULATORY_CODES: tuple[tuple[str, str], ...] = (
    # Varer (goods)
    ("14", "Kjøp/salg av varer"),
    # Tjenester (services)
    ("26", "Leie"),
    ("29", "Annet kjøp/salg av tjenester"),
    # Renter, utbytte og annen kapitalavkastning
    ("31", "Renter"),
    ("35", "Utbytte"),
    ("38", "Annen kapitalavkastning"),
    # Kapitaltransaksjoner
    ("41", "Kjøp/salg av fast eiendom og aktiverte rettigheter i utlandet"),
    ("43", "Direkteinvesteringer i aksjer mm"),
    ("45", "Direkteinvesteringer i annen kapital"),
    ("51", "Porteføljeinvestering i aksjer og verdipapirfondsandeler"),
    ("52", "Porteføljeinvesteringer i obligasjoner og sertifikater"),
    ("53", "Porteføljeinvesteringer i derivater"),
    ("71", "Livsforsikring/pensjon"),
    ("79", "Andre finansinvesteringer"),
    # Andre overføringer
    ("81", "Lønn"),
    ("82", "Arv, gave, med mer"),
)

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Varer", ("14",)),
    ("Tjenester", ("26", "29")),
    ("Renter, utbytte og annen kapitalavkastning", ("31", "35", "38")),
    ("Kapitaltransaksjoner", ("41", "43", "45", "51", "52", "53", "71", "79")),
    ("Andre overføringer", ("81", "82")),
)

CODES = dict(REGULATORY_CODES)

# Most supplier payments are goods (14) or services (29): what a form may offer first.
COMMON_CODES = ("14", "29")

# pain.001 RgltryRptg/Dtls/Inf is Max35Text; the Payment column is the same.
MAX_TEXT_LENGTH = 35

LABEL = _("payment type code (betalingsart)")


def regulatory_choices() -> list[tuple[str, str]]:
    """``(code, "14 Kjøp/salg av varer")`` pairs for a choice field, in the register's order."""
    return [(code, f"{code} {name}") for code, name in REGULATORY_CODES]


def regulatory_name(code: str) -> str:
    return CODES.get(code or "", "")
