"""Pages of the people import, included under imports/ inside the people URLconf (namespace "people")."""

from django.urls import path

from karama.people import import_views

urlpatterns = [
    path("", import_views.import_upload, name="import_upload"),
    path("template/", import_views.import_template, name="import_template"),
    path("<slug:code>/", import_views.import_detail, name="import_detail"),
    path("<slug:code>/progress/", import_views.import_progress, name="import_progress"),
    path("<slug:code>/commit/", import_views.import_commit, name="import_commit"),
]
