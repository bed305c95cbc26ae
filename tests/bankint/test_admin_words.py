"""The support admin speaks Norwegian: column headers, model names and their plurals (issue 24, item 6).

A model field with no verbose_name shows its raw name ("CREATED AT", "ACTOR LABEL"), and a model
with a verbose_name but no verbose_name_plural gets an English "s" ("Brukerprofils"). So every
field and model of the portal apps names itself through gettext_lazy, every admin column that is
a callable has a translated description, and every changelist opens in Norwegian without them.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers
from django.core.exceptions import FieldDoesNotExist
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst

from tests import tenancy

PORTAL_APPS = (
    "companies",
    "notifications",
    "accounts",
    "ledger",
    "agreements",
    "ocr",
    "remittance",
    "reconciliation",
)
# Norwegian words spelled as their English field names: a header equal to one of these is fine.
SAME_IN_NORWEGIAN = {"Status", "Bank"}


def _portal_models():
    return [m for m in apps.get_models() if m._meta.app_label in PORTAL_APPS]


def _portal_admins():
    return [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in PORTAL_APPS]


def _shown_fields(model):
    return [f for f in model._meta.get_fields() if (f.concrete or f.many_to_many) and not f.auto_created]


def test_every_model_names_itself_and_its_plural_through_gettext():
    unnamed = [
        f"{model._meta.label}.{attr}"
        for model in _portal_models()
        for attr in ("verbose_name", "verbose_name_plural")
        if not isinstance(model._meta.original_attrs.get(attr), Promise)
    ]
    assert unnamed == []


def test_every_field_has_a_translated_verbose_name():
    raw = [
        f"{model._meta.label}.{field.name}"
        for model in _portal_models()
        for field in _shown_fields(model)
        if not isinstance(field.verbose_name, Promise)
    ]
    assert raw == []


def _described(model, model_admin, name) -> bool:
    if callable(name):
        return hasattr(name, "short_description")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        attr = getattr(model_admin, name, None) or getattr(model, name, None)
        attr = attr.fget if isinstance(attr, property) else attr
        return hasattr(attr, "short_description")
    return field.auto_created or isinstance(field.verbose_name, Promise)


def test_every_admin_column_and_shown_field_has_translated_words():
    bare = []
    for model, model_admin in _portal_admins():
        names = [*model_admin.list_display, *(model_admin.fields or ()), *(model_admin.readonly_fields or ())]
        for _title, options in model_admin.fieldsets or ():
            names += options["fields"]
        bare += [
            f"{model._meta.label}: {n}"
            for n in names
            if n != "__str__" and not _described(model, model_admin, n)
        ]
        for inline in model_admin.inlines:
            inline_admin = inline(model, admin.site)
            names = [*(inline.fields or ()), *(inline.readonly_fields or ())]
            bare += [
                f"{inline.model._meta.label}: {n}"
                for n in names
                if not _described(inline.model, inline_admin, n)
            ]
    assert bare == []


@pytest.mark.django_db
def test_every_changelist_opens_in_norwegian_without_raw_field_names(company_a, make_user):
    tenancy.populate(company_a)
    superuser = make_user("admin-words", is_staff=True)
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(superuser)
    client.cookies["django_language"] = "nb"
    with translation.override("nb"):
        index = client.get("/admin/").content.decode()
        for model in _portal_models():
            if model not in admin.site._registry:
                continue
            opts = model._meta
            url = f"/admin/{opts.app_label}/{opts.model_name}/"
            response = client.get(url)
            assert response.status_code == 200, url
            raw_names = {capfirst(f.name.replace("_", " ")) for f in _shown_fields(model)} - SAME_IN_NORWEGIAN
            headers = {capfirst(str(h["text"])) for h in result_headers(response.context_data["cl"])}
            assert headers & raw_names == set(), url
            plural = capfirst(str(opts.verbose_name_plural))
            assert plural in index, opts.label
            assert f"{capfirst(str(opts.verbose_name))}s" != plural, opts.label
    assert "Brukerprofiler" in index and "Brukerprofils" not in index
