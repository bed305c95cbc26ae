"""Serializer fields of the shared kernel."""

from __future__ import annotations

from rest_framework import serializers

from bankint.stored_text import render


class StoredTextField(serializers.CharField):
    """Text stored as a message id and its values (:mod:`bankint.stored_text`), worded in the
    caller's language; plain text as it is."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return render(value)
