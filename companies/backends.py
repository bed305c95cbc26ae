"""Django's ModelBackend, keeping API tokens alive when a login only re-hashes the password.

API tokens end when ``user.password`` changes (companies.credentials). Django also rewrites
``user.password`` inside ``check_password`` when the stored hash is out of date (a Django
upgrade raises PBKDF2's iterations; another preferred hasher): without this, the first login
after an upgrade would silently end every integration of that user. Every login (portal,
admin, ``POST /api/v1/auth/token/``) goes through ``authenticate``, so this is the one place
that knows the password was verified and only re-hashed.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth import backends, get_user_model


class ModelBackend(backends.ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        UserModel = get_user_model()
        if username is None:
            username = kwargs.get(UserModel.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = UserModel._default_manager.get_by_natural_key(username)
        except UserModel.DoesNotExist:
            # As Django does: hash once so that a missing user takes as long (#20760).
            UserModel().set_password(password)
            return None
        before = user.password
        if not user.check_password(password):
            return None
        if user.password != before:
            from .tokens import api_tokens_follow_rehash

            api_tokens_follow_rehash(user, before)
        return user if self.user_can_authenticate(user) else None

    async def aauthenticate(self, request, username=None, password=None, **kwargs):
        return await sync_to_async(self.authenticate)(request, username, password, **kwargs)
