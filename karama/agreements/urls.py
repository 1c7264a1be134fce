from django.urls import path

from karama.agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_create, name="create"),
    path("<int:pk>/", views.agreement_detail_view, name="detail"),
    path("<int:pk>/edit/", views.agreement_edit, name="edit"),
    path("<int:pk>/status/", views.agreement_status, name="status"),
    path("<int:pk>/parties/", views.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.party_remove, name="party_remove"),
    path("<int:pk>/objectives/", views.objective_add, name="objective_add"),
    path("<int:pk>/objectives/<int:objective_pk>/remove/", views.objective_remove, name="objective_remove"),
    path("<int:pk>/commitments/", views.commitment_add, name="commitment_add"),
    path("<int:pk>/commitments/<int:commitment_pk>/remove/", views.commitment_remove, name="commitment_remove"),
    path("<int:pk>/budgets/", views.budget_add, name="budget_add"),
    path("<int:pk>/budgets/<int:budget_pk>/movements/", views.movement_add, name="movement_add"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
]
