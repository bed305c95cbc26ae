"""WSGI entry point of the simulator: ``gunicorn banksim.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "banksim.settings"

application = get_wsgi_application()
