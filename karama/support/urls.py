from django.urls import path

from karama.support import views

app_name = "support"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/", views.thanks, name="thanks"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<str:code>/", views.request_detail, name="request"),
    path("requests/<str:code>/check/", views.request_check, name="request_check"),
    path("requests/<str:code>/link/", views.request_link, name="request_link"),
    path("requests/<str:code>/reject/", views.request_reject, name="request_reject"),
    path("requests/<str:code>/assign/", views.request_assign, name="request_assign"),
    path("households/", views.household_list, name="households"),
    path("households/<str:code>/", views.household_detail, name="household"),
    path("households/<str:code>/needs/", views.need_add, name="need_add"),
    path("households/<str:code>/packages/", views.package_add, name="package_add"),
    path("needs/<uuid:uuid>/", views.need_detail, name="need"),
    path("needs/<uuid:uuid>/status/", views.need_status, name="need_status"),
    path("needs/<uuid:uuid>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<uuid:uuid>/", views.evidence_file, name="evidence"),
    path("packages/<uuid:uuid>/status/", views.package_status, name="package_status"),
    path("packages/<uuid:uuid>/disbursements/", views.disbursement_add, name="disbursement_add"),
    path("approvals/", views.approvals, name="approvals"),
    path("disbursements/<uuid:uuid>/approve/", views.disbursement_approve, name="disbursement_approve"),
    path("disbursements/<uuid:uuid>/refuse/", views.disbursement_refuse, name="disbursement_refuse"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<int:pk>/end/", views.coverage_end, name="coverage_end"),
    path("people/<str:code>/register/", views.register_person, name="register_person"),
]
