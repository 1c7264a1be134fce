from django.contrib.auth import views as auth_views
from django.urls import path

from karama.core import views
from karama.core.http import KaramaLoginView

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", KaramaLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("accounts/api-tokens/", views.api_tokens, name="api_tokens"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<slug:code>/", views.organization_detail, name="organization_detail"),
    path("organizations/<slug:code>/edit/", views.organization_edit, name="organization_edit"),
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/new/", views.facility_create, name="facility_create"),
    path("facilities/<slug:code>/", views.facility_detail, name="facility_detail"),
    path("facilities/<slug:code>/edit/", views.facility_edit, name="facility_edit"),
    path("history/", views.history, name="history"),
]
