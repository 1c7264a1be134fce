"""Karama's URLs and the framework's ceiling: one row by primary key as JSON."""

from django.urls import path

from bench.views import one_row
from karama.urls import urlpatterns as karama_urlpatterns

urlpatterns = [
    path("bench/row/<int:pk>/", one_row, name="bench_row"),
    *karama_urlpatterns,
]
