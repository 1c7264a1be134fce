"""URL map: pages under a language prefix (/ar/, /fa/, /fr/, /en/), the API and set-language outside it."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from karama.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]

urlpatterns += i18n_patterns(
    path("", include("karama.core.urls")),
    path("agreements/", include("karama.agreements.urls")),
    path("people/", include("karama.people.urls")),
    path("training/", include("karama.training.urls")),
    path("work/", include("karama.work.urls")),
    path("support/", include("karama.support.urls")),
    path("giving/", include("karama.giving.urls")),
    path("ventures/", include("karama.ventures.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)
