"""Tests: the base settings with fast hashing and throwaway storage."""

import tempfile

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker subprocess started by a test writes e-mail to files the test can read.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = tempfile.mkdtemp(prefix="bankint-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
