from django.urls import path

from . import views

app_name = "remittance"

urlpatterns = [
    path("", views.payments, name="payments"),
    path("from-bill/", views.payment_from_bill, name="payment_from_bill"),
    path("build/", views.batches_build, name="batches_build"),
    path("rejected/", views.rejected, name="rejected"),
    path("settings/", views.payment_settings, name="settings"),
    path("<int:pk>/correct/", views.payment_correct_view, name="payment_correct"),
    path("<int:pk>/cancel/", views.payment_cancel_view, name="payment_cancel"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/approve/complete/", views.batch_approve_complete, name="batch_approve_complete"),
    path("batches/<int:pk>/send/", views.batch_send, name="batch_send"),
    path("batches/<int:pk>/pain001/", views.batch_pain001, name="batch_pain001"),
]
