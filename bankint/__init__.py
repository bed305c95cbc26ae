"""Project wiring and the shared kernel (errors, money helpers, tenancy mixins): no domain models."""

from .celery import app as celery_app

__all__ = ["celery_app"]
