from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("connect/", views.connect, name="connect"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", views.order_status, name="order_status"),
    path("online-bank/", views.online_bank_start, name="online_bank_start"),
    path("rgb/", views.rgb_start, name="rgb_start"),
]
