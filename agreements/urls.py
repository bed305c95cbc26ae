from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("connect/", views.connect, name="connect"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", views.order_status, name="order_status"),
    # Where the bank's pages send the user back to: the portal asks the bank, then shows the page.
    path("orders/<int:pk>/return/", views.order_return, name="order_return"),
    path("online-bank/<int:pk>/return/", views.online_bank_return, name="online_bank_return"),
    path("rgb/<int:pk>/return/", views.rgb_return, name="rgb_return"),
    path("connect/setup/", views.connect_setup, name="connect_setup"),
    path("online-bank/", views.online_bank_start, name="online_bank_start"),
    path("rgb/", views.rgb_start, name="rgb_start"),
]
