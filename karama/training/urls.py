from django.urls import path

from karama.training import views

app_name = "training"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create, name="create"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/<str:code>/", views.verify_direct, name="verify_direct"),
    path("enrolments/<str:code>/", views.enrolment_detail, name="enrolment"),
    path("enrolments/<str:code>/certificates/", views.certificate_issue, name="certificate_issue"),
    path("enrolments/<str:code>/certificates/<int:certificate_pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path(
        "enrolments/<str:code>/certificates/<int:certificate_pk>/revoke/",
        views.certificate_revoke,
        name="certificate_revoke",
    ),
    path("enrolments/<str:code>/<slug:action>/", views.enrolment_action, name="enrolment_action"),
    path("<int:pk>/", views.programme_detail_view, name="detail"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
    path("<int:pk>/enrol/", views.enrol, name="enrol"),
    path("<int:pk>/trainers/", views.trainer_add, name="trainer_add"),
    path("<int:pk>/trainers/<int:trainer_pk>/remove/", views.trainer_remove, name="trainer_remove"),
    path("<int:pk>/sessions/", views.session_add, name="session_add"),
    path("<int:pk>/sessions/<int:session_pk>/", views.session_attendance, name="session"),
    path("<int:pk>/sessions/<int:session_pk>/remove/", views.session_remove, name="session_remove"),
]
