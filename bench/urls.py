"""Karama's URLs and the framework's ceilings: one row by primary key as JSON; a gift's ledger transaction alone."""

from django.urls import path

from bench.views import ledger_write, one_row
from karama.urls import urlpatterns as karama_urlpatterns

urlpatterns = [
    path("bench/row/<int:pk>/", one_row, name="bench_row"),
    path(
        "bench/ledger/<int:donation>/<int:clearing>/<int:fund>/<int:overflow>/<int:fees>/",
        ledger_write,
        name="bench_ledger",
    ),
    *karama_urlpatterns,
]
