from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("add/", views.bank_account_add, name="add"),
    path("<int:pk>/edit/", views.bank_account_edit, name="edit"),
    path("<int:pk>/deactivate/", views.bank_account_deactivate_view, name="deactivate"),
    path("authorisations/add/", views.authorisation_add, name="authorisation_add"),
    path("authorisations/<int:pk>/delete/", views.authorisation_remove, name="authorisation_delete"),
]
