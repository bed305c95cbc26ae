"""Settings for the portal processes the end-to-end tests start (web, worker, beat).

The production-like base settings, with what a test run needs on top: the fast password
hasher the test process creates users with, and static files served from the apps (no
``collectstatic`` step before each run). Everything else comes from the environment the
fixture passes (database, broker, bank, intervals), and the clock: a month run from a given
first day moves every process's ``timezone.now`` by the test process's offset (tests/clock.py).
"""

import os

from bankint.settings.base import *  # noqa: F403
from tests.clock import install_from_environment

install_from_environment(os.environ)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
