from django.urls import path

from . import invoice_views, views

app_name = "reconciliation"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("upload/", views.upload, name="upload"),
    path("files/", views.files, name="files"),
    path("files/<int:pk>/", views.file_detail, name="file_detail"),
    path("matching/", views.matching, name="matching"),
    path("matching/match/", views.match_create, name="match"),
    path("matching/post/", views.post_and_match, name="post"),
    path("matches/<int:pk>/unmatch/", views.unmatch, name="unmatch"),
    path("entries/<int:pk>/open-items/", invoice_views.entry_open_items, name="entry_open_items"),
    path("entries/<int:pk>/settle/", invoice_views.entry_settle, name="entry_settle"),
]
