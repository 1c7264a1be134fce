from django.urls import path

from karama.giving import portal, views

app_name = "giving"

urlpatterns = [
    # The public portal: no sign-in.
    path("", portal.home, name="portal"),
    path("cases/", portal.case_list, name="portal_cases"),
    path("cases/<str:code>/", portal.case_detail, name="portal_case"),
    path("campaigns/<slug:code>/", portal.campaign_detail, name="portal_campaign"),
    path("give/", portal.give, name="give"),
    path("thanks/<str:token>/", portal.thanks, name="thanks"),
    path("receipts/<str:token>/", portal.receipt, name="receipt"),
    path("transparency/", portal.transparency_page, name="transparency"),
    path("priorities/", portal.priorities, name="priorities"),
    path("thanks/<str:token>/keep/", portal.keep, name="keep_gift"),
    path("my-gifts/", portal.my_gifts, name="my_gifts"),
    path("account/new/", portal.signup, name="signup"),
    # The sandbox payment provider's checkout page (in production, a real provider's site).
    path("sandbox/checkout/<str:charge_id>/", portal.sandbox_checkout, name="sandbox_checkout"),
    path("sandbox/checkout/<str:charge_id>/cancel/", portal.sandbox_cancel, name="sandbox_cancel"),
    # Staff.
    path("manage/", views.dashboard, name="dashboard"),
    path("manage/cases/", views.case_list, name="cases"),
    path("manage/people/<str:person_code>/open/", views.case_open, name="case_open"),
    path("manage/people/<str:person_code>/needs/<uuid:need>/open/", views.case_open_need, name="case_open_need"),
    path("manage/cases/<str:code>/", views.case_detail, name="case"),
    path("manage/cases/<str:code>/facts/", views.case_facts, name="case_facts"),
    path("manage/cases/<str:code>/campaign/", views.case_campaign, name="case_campaign"),
    path("manage/cases/<str:code>/claims/", views.claim_add, name="claim_add"),
    path("manage/cases/<str:code>/claims/<int:pk>/verify/", views.claim_verify, name="claim_verify"),
    path("manage/cases/<str:code>/claims/<int:pk>/remove/", views.claim_remove, name="claim_remove"),
    path("manage/cases/<str:code>/sources/", views.source_add, name="source_add"),
    path("manage/cases/<str:code>/sources/<int:pk>/remove/", views.source_remove, name="source_remove"),
    path("manage/cases/<str:code>/installments/<int:pk>/paid/", views.installment_paid, name="installment_paid"),
    path("manage/cases/<str:code>/eligibility/", views.case_eligibility, name="case_eligibility"),
    path("manage/cases/<str:code>/approve/", views.case_approve, name="case_approve"),
    path("manage/cases/<str:code>/reopen/", views.case_reopen, name="case_reopen"),
    path("manage/cases/<str:code>/publish/", views.case_publish, name="case_publish"),
    path("manage/cases/<str:code>/cancel/", views.case_cancel, name="case_cancel"),
    path("manage/cases/<str:code>/allocate/", views.case_allocate, name="case_allocate"),
    path("manage/cases/<str:code>/settle/", views.case_settle, name="case_settle"),
    path("manage/cases/<str:code>/release/", views.case_release, name="case_release"),
    path("manage/cases/<str:code>/close/", views.case_close, name="case_close"),
    path("manage/cases/<str:code>/proof/", views.settlement_proof, name="settlement_proof"),
    path("manage/campaigns/", views.campaign_list, name="campaigns"),
    path("manage/campaigns/new/", views.campaign_create, name="campaign_create"),
    path("manage/campaigns/<slug:code>/", views.campaign_detail, name="campaign"),
    path("manage/rules/", views.rules, name="rules"),
    path("manage/ledger/", views.ledger_view, name="ledger"),
    path("manage/settlements/", views.settlement_list, name="settlements"),
    path("manage/gifts/", views.donation_list, name="donations"),
]
