"""All settings, from the environment: one module, no secrets in code; test settings only override.

PostgreSQL and Redis are the only engines, in every run. ``DATABASE_URL``, ``CELERY_BROKER_URL``
and ``REDIS_URL`` must be set; ``make run`` and ``make test`` set them to an embedded PostgreSQL
and redis-server when the environment names none (``bankint/embedded.py``). A development secret
is generated into ``var/``. Production (``bankint.settings.production``) refuses to start
without the real values. Test settings only override.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("BANKINT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def required(name: str) -> str:
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(
            f"{name} is not set. `make run` and `make test` start an embedded PostgreSQL and Redis "
            "when the environment names none; for one command use "
            "`.venv/bin/python -m bankint.embedded exec -- python manage.py ...`."
        )
    return value


def _dev_secret(filename: str) -> str:
    """A per-checkout random secret for development; production must set the variable."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY") or _dev_secret(".dev-secret-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Fødselsnummer and other personal data are encrypted at rest with this key (Fernet).
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY") or _dev_secret(".dev-field-key")
# Keys being rotated out: they still decrypt, never encrypt (bankint.personal, README "Secrets").
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files
    "django_htmx",
    "bankint",
    "companies",
    "notifications",
    "accounts",
    "ledger",
    "agreements",
    "ocr",
    "remittance",
    "reconciliation",
    "demo",  # seed_demo only: above every domain app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bankint.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bankint.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bankint.security.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "companies.middleware.ActiveCompanyMiddleware",
]

ROOT_URLCONF = "bankint.urls"
WSGI_APPLICATION = "bankint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "companies.context_processors.active_company",
                "notifications.context_processors.notification_bell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        required("DATABASE_URL"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
# Behind pgbouncer in transaction mode (docs/SCALING.md): a server-side cursor (``.iterator()``)
# cannot outlive its transaction there, so Django must fetch in chunks on the client instead.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's backend, except that a login which only re-hashes the password keeps API tokens alive.
AUTHENTICATION_BACKENDS = ["companies.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
# 05.12.2026 in Norwegian, 5 Dec 2026 in English (bankint/formats/; bankint.formatting uses them).
FORMAT_MODULE_PATH = ["bankint.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Bank files are uploaded through forms and the API; anything larger is refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
BANK_FILE_MAX_BYTES = int(env("BANK_FILE_MAX_BYTES", str(100 * 1024 * 1024)))

# Shared between processes: throttling counters, worker heartbeats, the feed's health.
REDIS_URL = required("REDIS_URL")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

SESSION_COOKIE_HTTPONLY = True
# A bank portal's sessions: logged out after 15 idle minutes, and after a working day at most
# (bankint.security).
SESSION_IDLE_SECONDS = int(env("SESSION_IDLE_SECONDS", str(15 * 60)))
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(10 * 60 * 60)))
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "bankint <noreply@bankint.example>")

# The bank (DNB, Nets, BankID) is reached only through bankclient, over HTTP.
BANK_API_URL = env("BANK_API_URL", "http://127.0.0.1:8001")
# Where users approve post-approval batches: the bank's online bank, as a browser reaches it.
BANK_ONLINE_BANK_URL = env("BANK_ONLINE_BANK_URL", "") or (
    (env("BANKSIM_PUBLIC_URL", "") or BANK_API_URL).rstrip("/") + "/nettbank/"
)
BANK_API_KEY = env("BANK_API_KEY", "sim-partner-key-dev")
BANK_TIMEOUT_SECONDS = float(env("BANK_TIMEOUT_SECONDS", "10"))
# The portal's own address, for links the bank's pages send the user back through.
PORTAL_PUBLIC_URL = (env("PORTAL_PUBLIC_URL", "http://127.0.0.1:8000") or "").rstrip("/")
# Nets OCR: the ERP is registered as data receiver (kundeenhetsid) for each account.
OCR_DATA_RECIPIENT = env("OCR_DATA_RECIPIENT", "00105625")

# Celery on Redis.
CELERY_BROKER_URL = required("CELERY_BROKER_URL")
# Redelivery after a worker dies comes after the visibility timeout; no task of ours
# uses a countdown longer than this, or a redelivered copy would run beside the original.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))}
# How often a worker sweeps for messages a dead worker left unacknowledged (kombu: every
# interval x throttle seconds, 100 s by default).
if env("CELERY_UNACKED_RESTORE_INTERVAL"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        unacked_restore_interval=int(env("CELERY_UNACKED_RESTORE_INTERVAL")),
        unacked_restore_throttle=1,
    )
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND")
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each worker process reserves one task beyond the one it runs (acks late): a long import never
# sits on messages another process could take. A worker service may raise it (e-mail).
CELERY_WORKER_PREFETCH_MULTIPLIER = int(env("CELERY_WORKER_PREFETCH_MULTIPLIER", "1"))
# Processes per worker; unset, Celery starts one per CPU. Each worker service sets its own
# (docker-compose.yml: WORKER_<GROUP>_CONCURRENCY on the command line).
if env("CELERY_WORKER_CONCURRENCY"):
    CELERY_WORKER_CONCURRENCY = int(env("CELERY_WORKER_CONCURRENCY"))
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# The queues, one per kind of work, so that one kind never waits behind another: a night's
# bank files to import never delay a payment submission (docs/SCALING.md).
#   feed         the bank's change feed (one poller at a time, its lease) and service orders
#   imports      bank files downloaded and imported: camt.053, Nets OCR, camt.054, pain.002
#   submissions  the payment path: pain.001 sent, resolved by MsgId, signing followed
#   email        notification e-mails
#   default      the rest (the worker heartbeat)
# A worker started without -Q consumes all of them (make run, the tests); production runs a
# worker service per group, each scaled on its own (docker-compose.yml).
BANKINT_QUEUES = ("feed", "imports", "submissions", "email", "default")
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in BANKINT_QUEUES]
# Every task by its registered name (tests/bankint/test_queues.py fails on a task not listed
# here). The patterns after them send a task not yet listed to its app's queue meanwhile; the
# first pattern that matches wins, so the file imports come before the apps.
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {
    "agreements.bank_feed_poll": {"queue": "feed"},
    "agreements.service_order_submit": {"queue": "feed"},
    "agreements.service_orders_submit_stale": {"queue": "feed"},
    "agreements.bank_rights_refresh": {"queue": "feed"},
    # The bank files the feed announced (agreements/fetches.py), one task per file, and the
    # sweep that queues again what a lost message or a dead worker left.
    "reconciliation.statement_import": {"queue": "imports"},
    "ocr.ocr_file_import": {"queue": "imports"},
    "remittance.debit_notification_import": {"queue": "imports"},
    "agreements.bank_file_fetches_requeue": {"queue": "imports"},
    "remittance.payment_batch_submit": {"queue": "submissions"},
    "remittance.payment_batches_resolve_stale": {"queue": "submissions"},
    "notifications.notification_email_send": {"queue": "email"},
    "notifications.notification_emails_send_pending": {"queue": "email"},
    "bankint.tasks.heartbeat": {"queue": "default"},
    "*.*_import": {"queue": "imports"},
    "*.*_fetch": {"queue": "imports"},
    "*.import_*": {"queue": "imports"},
    "*.fetch_*": {"queue": "imports"},
    "ocr.*": {"queue": "imports"},
    "reconciliation.*": {"queue": "imports"},
    "agreements.*": {"queue": "feed"},
    "remittance.*": {"queue": "submissions"},
    "notifications.*": {"queue": "email"},
}

# One poll of the bank's change feed covers orders, payment statuses, statements and OCR files.
BANK_POLL_INTERVAL_SECONDS = float(env("BANK_POLL_INTERVAL_SECONDS", "30"))
# A poller holds the feed for this long per page; one killed mid-round blocks the next until then.
BANK_FEED_LEASE_SECONDS = float(env("BANK_FEED_LEASE_SECONDS", "300"))
# After bank errors the poll waits base x 2^(failures-1) seconds, at most max (plus jitter).
BANK_FEED_BACKOFF_BASE_SECONDS = float(env("BANK_FEED_BACKOFF_BASE_SECONDS", "15"))
BANK_FEED_BACKOFF_MAX_SECONDS = float(env("BANK_FEED_BACKOFF_MAX_SECONDS", "900"))
# A batch SUBMITTING for longer than this lost its worker; beat asks the bank every interval.
REMITTANCE_STALE_SUBMISSION_SECONDS = float(env("REMITTANCE_STALE_SUBMISSION_SECONDS", "600"))
REMITTANCE_RESOLVE_INTERVAL_SECONDS = float(env("REMITTANCE_RESOLVE_INTERVAL_SECONDS", "300"))
# The bank files the feed announced are fetched by tasks on the imports queue
# (agreements/fetches.py). A task's claim on its file lasts this long: longer than the longest
# import (a worker that died mid-import leaves its file for this long).
BANK_FILE_FETCH_LEASE_SECONDS = float(env("BANK_FILE_FETCH_LEASE_SECONDS", "1800"))
# A file queued this long ago and not yet taken by a worker: its message is presumed lost.
BANK_FILE_FETCH_STALE_SECONDS = float(env("BANK_FILE_FETCH_STALE_SECONDS", "600"))
# How often beat's sweep queues those again.
BANK_FILE_FETCH_SWEEP_SECONDS = float(env("BANK_FILE_FETCH_SWEEP_SECONDS", "60"))
# After this long without a successful poll, pending orders show a warning.
BANK_OUTAGE_WARNING_SECONDS = int(env("BANK_OUTAGE_WARNING_SECONDS", str(30 * 60)))


def _every(task: str, seconds: float) -> dict:
    """A beat entry whose message expires when the next one is due: a queue that fell behind
    (its workers busy or down) holds one of each, not a pile that runs back to back later."""
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


# One beat process (docker-compose.yml has one; never --scale it). Two would be safe, not free:
# the feed's lease in PostgreSQL lets one poll at a time (the other returns at once), and every
# sweep claims its rows, but each sweep would ask the bank twice (docs/SCALING.md).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "worker-heartbeat": _every("bankint.tasks.heartbeat", 30.0),
    "bank-feed-poll": _every("agreements.bank_feed_poll", BANK_POLL_INTERVAL_SECONDS),
    # A batch left SUBMITTING/UNKNOWN by a crash is resolved by asking the bank for its MsgId.
    "remittance-resolve-stale": _every(
        "remittance.payment_batches_resolve_stale", REMITTANCE_RESOLVE_INTERVAL_SECONDS
    ),
    # Work whose task was never queued (broker down) or ran out of retries: the rows in
    # PostgreSQL say what is left to do, these sweeps do it.
    "agreements-submit-stale": _every("agreements.service_orders_submit_stale", 300.0),
    "notifications-email-pending": _every("notifications.notification_emails_send_pending", 300.0),
    "bank-file-fetches-requeue": _every(
        "agreements.bank_file_fetches_requeue", BANK_FILE_FETCH_SWEEP_SECONDS
    ),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "companies.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "bankint.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "bankint.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "bankint.api.schema.StrictAutoSchema",
    # Throttles key on bankint.middleware.client_ip (bankint.api.throttling), never on a raw header.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("AUTH_THROTTLE_RATE", "10/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Request bodies are JSON (nested lines and lists have no form encoding); the two upload
    # operations take multipart themselves. The schema then lists only what is accepted.
    "DEFAULT_PARSER_CLASSES": ["bankint.api.parsers.SafeJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "bankint API",
    "DESCRIPTION": "Bank integration (DNB remittance, reconciliation, Nets OCR) of a Norwegian cloud ERP.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The docs page works offline and behind a firewall: no asset comes from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bankint.api.schema.add_error_responses",
    ],
    # Several resources have a "status"; each choice set gets its own, stable schema name.
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "ledger.models.Invoice.Status",
        "BillStatusEnum": "ledger.models.Bill.Status",
        "OcrFileStatusEnum": "ocr.models.OcrFile.Status",
        "OcrFileSourceEnum": "ocr.models.OcrFile.Source",
        "StatementFileStatusEnum": "reconciliation.models.StatementFile.Status",
        "StatementFileSourceEnum": "reconciliation.models.StatementFile.Source",
        "ApiTokenStatusEnum": "companies.models.ApiToken.Status",
    },
}

# Browser login: after this many failures per username or address, wait (see companies.throttle).
# The reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated),
# e.g. the Caddy container of docker-compose.yml. Empty: the header is ignored everywhere.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(env("LOGIN_FAILURE_WINDOW_SECONDS", "300"))
# API tokens (companies.tokens) work this many days after they are made, then are refused; a
# user keeps at most API_TOKEN_MAX_ACTIVE working ones (the least recently used goes first).
API_TOKEN_TTL_DAYS = int(env("API_TOKEN_TTL_DAYS", "30"))
API_TOKEN_MAX_ACTIVE = int(env("API_TOKEN_MAX_ACTIVE", "20"))
if API_TOKEN_TTL_DAYS < 1 or API_TOKEN_MAX_ACTIVE < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS and API_TOKEN_MAX_ACTIVE must be at least 1")

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "bankint.logging.ContextFilter"},
        "mask_personal": {"()": "bankint.logging.MaskPersonalDataFilter"},
    },
    "formatters": {
        "json": {"()": "bankint.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context", "mask_personal"],
            "formatter": env("LOG_FORMAT", "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}
