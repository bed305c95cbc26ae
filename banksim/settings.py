"""Settings of the simulated bank, all from the environment.

The simulator is its own project with its own database so that nothing the portal does to
its tables can leak into "the bank" and vice versa, exactly as with a real bank. Its database is
PostgreSQL (``BANKSIM_DATABASE_URL``; ``make run`` and ``make test`` give it one in the embedded
server); the other defaults let it start with nothing else configured (a development partner key).
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "true" if default else "false").strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


DEBUG = _env_bool("DEBUG", False)
# A simulator needs no stable secret: nothing it signs must survive a restart (the pages
# keep their state in the database, keyed by URL tokens, not in signed sessions).
SECRET_KEY = os.environ.get("BANKSIM_SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

BANKSIM_PARTNER_API_KEYS = _env_list("BANKSIM_PARTNER_API_KEYS", "sim-partner-key-dev")
BANKSIM_ALLOW_RESET = _env_bool("BANKSIM_ALLOW_RESET", True)
BANKSIM_PUBLIC_URL = _env("BANKSIM_PUBLIC_URL", "http://127.0.0.1:8001").rstrip("/")
# Where the bank's pages may send a user back to: the partners' registered origins (scheme, host
# and port). A return_url elsewhere is refused, so the bank's "back" link is never an open
# redirect. By default the portal's own public URL, which `make run` gives both processes.
BANKSIM_RETURN_URL_ORIGINS = _env_list(
    "BANKSIM_RETURN_URL_ORIGINS", _env("PORTAL_PUBLIC_URL", "http://127.0.0.1:8000")
)
# "Normally within the day": a service order is processed this long after the user confirms.
BANKSIM_ORDER_DELAY_SECONDS = int(_env("BANKSIM_ORDER_DELAY_SECONDS", "3600"))
# An online-bank application is ready for signing this long after it is received.
BANKSIM_APPLICATION_DELAY_SECONDS = int(_env("BANKSIM_APPLICATION_DELAY_SECONDS", "3600"))
# A print-and-sign application counts as signed when the paper arrives by post.
BANKSIM_PAPER_SIGN_DAYS = int(_env("BANKSIM_PAPER_SIGN_DAYS", "2"))
# A BankID session the person never answers expires (BankID's own limit is a few minutes).
BANKSIM_BANKID_EXPIRY_SECONDS = int(_env("BANKSIM_BANKID_EXPIRY_SECONDS", "300"))
# Fee DNB charges per booked outgoing payment; it appears as its own statement entry.
BANKSIM_PAYMENT_FEE = Decimal(_env("BANKSIM_PAYMENT_FEE", "2.00"))

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "banksim.apps.BanksimConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The bank's own script and styles, served by the process itself (no collectstatic step).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "banksim.faults.FaultMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "banksim.urls"
WSGI_APPLICATION = "banksim.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

if not os.environ.get("BANKSIM_DATABASE_URL"):
    raise ImproperlyConfigured(
        "BANKSIM_DATABASE_URL is not set. `make run` and `make test` give the simulated bank a "
        "database in an embedded PostgreSQL; for one command use "
        "`.venv/bin/python -m bankint.embedded exec -- python -m banksim ...`."
    )
DATABASES = {"default": dj_database_url.parse(os.environ["BANKSIM_DATABASE_URL"], conn_max_age=0)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("BANKSIM_DATABASE_URL must name a PostgreSQL database (postgres://...)")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "nb"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# The simulator's pages carry no session: state lives in the database behind URL tokens.
CSRF_USE_SESSIONS = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "banksim": {"handlers": ["console"], "level": _env("BANKSIM_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
