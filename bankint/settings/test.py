"""Tests: the base settings with fast hashing and throwaway storage."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, VAR_DIR, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker subprocess started by a test writes e-mail to files the test can read.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that worker and server subprocesses see the test database.
    # Per process, so two test runs in one checkout never share (and corrupt) a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_bankint_{os.getpid()}.sqlite3")}
MEDIA_ROOT = tempfile.mkdtemp(prefix="bankint-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests get their own cache so throttling counters never leak between runs.
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CELERY_BROKER_URL.startswith("filesystem"):  # noqa: F405
    # Worker tests must not share a queue with a development worker from `make run`.
    _queue = VAR_DIR / "celery-queue-test"
    (_queue / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
        "control_folder": str(_queue / "control"),
    }
