"""Tests: the base settings with fast hashing and throwaway storage."""

import tempfile

from bankint.embedded import ensure

# `pytest` run by hand on a first machine: a throwaway PostgreSQL and Redis, as `make test` has.
ensure(fresh=True)

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker subprocess started by a test writes e-mail to files the test can read.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = tempfile.mkdtemp(prefix="bankint-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
