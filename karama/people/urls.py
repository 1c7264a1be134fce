from django.urls import include, path

from karama.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_register, name="register"),
    path("access-log/", views.access_log, name="access_log"),
    path("release-worklist/<slug:facility_code>/", views.release_worklist, name="worklist"),
    path("imports/", include("karama.people.import_urls")),
    path("<str:code>/", views.person_detail, name="detail"),
    path("<str:code>/edit/", views.person_edit, name="edit"),
    path("<str:code>/national-id/", views.reveal_national_id, name="reveal"),
    path("<str:code>/photo/", views.person_photo, name="photo"),
    path("<str:code>/photo/change/", views.person_photo_change, name="photo_change"),
    path("<str:code>/custody/<slug:action>/", views.custody_action, name="custody"),
    path("<str:code>/household/", views.household_save, name="household"),
    path("<str:code>/household/members/", views.household_member_add, name="member_add"),
    path("<str:code>/household/members/<int:member_pk>/remove/", views.household_member_remove, name="member_remove"),
    path("<str:code>/consents/", views.consent_add, name="consent_add"),
    path("<str:code>/consents/<int:consent_pk>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("<str:code>/assessments/", views.assessment_add, name="assessment_add"),
    path("<str:code>/needs/<int:need_pk>/", views.need_update, name="need_update"),
    path("<str:code>/plan/", views.plan_create, name="plan_create"),
    path("<str:code>/plan/actions/", views.plan_action_add, name="plan_action_add"),
    path("<str:code>/plan/actions/<int:action_pk>/", views.plan_action_status, name="plan_action_status"),
    path("<str:code>/plan/tasks/<int:task_pk>/", views.release_task_update, name="release_task"),
    path("<str:code>/plan/reviews/<int:review_pk>/", views.review_update, name="review"),
    path("<str:code>/notes/", views.note_add, name="note_add"),
]
