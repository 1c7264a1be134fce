from django.urls import path

from karama.work import views

app_name = "work"

urlpatterns = [
    path("", views.home, name="home"),
    path("workshops/", views.workshop_list, name="workshop_list"),
    path("workshops/new/", views.workshop_create, name="workshop_create"),
    path("workshops/<str:code>/", views.workshop_detail, name="workshop_detail"),
    path("workshops/<str:code>/edit/", views.workshop_edit, name="workshop_edit"),
    path("workshops/<str:code>/positions/", views.position_add, name="position_add"),
    path("workshops/<str:code>/pay-bands/", views.pay_band_add, name="pay_band_add"),
    path("workshops/<str:code>/wage-split/", views.wage_split_add, name="wage_split_add"),
    path("workshops/<str:code>/jobs/", views.job_assign, name="job_assign"),
    path("workshops/<str:code>/jobs/<str:job_code>/end/", views.job_end, name="job_end"),
    path("workshops/<str:code>/pay-runs/new/", views.pay_run_create, name="pay_run_create"),
    path("pay-runs/<str:code>/", views.pay_run_detail, name="pay_run_detail"),
    path("pay-runs/<str:code>/<slug:action>/", views.pay_run_action, name="pay_run_action"),
    path("capacity/", views.capacity_list, name="capacity_list"),
    path("capacity/<slug:facility_code>/", views.capacity_edit, name="capacity_edit"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<str:code>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<str:code>/<slug:action>/", views.proposal_action, name="proposal_action"),
    path("openings/", views.opening_list, name="opening_list"),
    path("openings/new/", views.opening_create, name="opening_create"),
    path("openings/<str:code>/", views.opening_detail, name="opening_detail"),
    path("openings/<str:code>/edit/", views.opening_edit, name="opening_edit"),
    path("openings/<str:code>/close/", views.opening_close, name="opening_close"),
    path("openings/<str:code>/candidates/<str:candidate>/", views.candidate_propose, name="candidate_propose"),
    path("due/", views.due_matches, name="due"),
    path("people/<str:person_code>/", views.person_openings, name="person_openings"),
    path("people/<str:person_code>/savings/", views.savings_payout, name="savings_payout"),
    path("people/<str:person_code>/openings/<str:opening_code>/", views.person_propose, name="person_propose"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<str:code>/", views.application_detail, name="application_detail"),
    path("applications/<str:code>/status/", views.application_status, name="application_status"),
    path("applications/<str:code>/checks/<int:months>/", views.retention_record, name="retention_record"),
    path("retention/", views.retention_due, name="retention_due"),
]
