from django.urls import path

from karama.ventures import views

app_name = "ventures"

urlpatterns = [
    path("", views.board, name="board"),
    path("follow-ups/", views.worklist, name="worklist"),
    path("new/", views.create, name="create"),
    path("agreements/<int:pk>/report/", views.report, name="report"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/revise/", views.revise, name="revise"),
    path("<str:code>/submit/", views.submit, name="submit"),
    path("<str:code>/review/", views.review, name="review"),
    path("<str:code>/grant/", views.grant, name="grant"),
    path("<str:code>/kit/items/", views.kit_item_add, name="kit_item_add"),
    path("<str:code>/kit/items/<int:item_pk>/remove/", views.kit_item_remove, name="kit_item_remove"),
    path("<str:code>/kit/procurement/", views.procurement, name="procurement"),
    path("<str:code>/kit/donors/", views.ask_donors, name="ask_donors"),
    path("<str:code>/handover/", views.handover, name="handover"),
    path("<str:code>/handover/receipt/", views.receipt, name="receipt"),
    path("<str:code>/follow-ups/", views.follow_up, name="follow_up"),
    path("<str:code>/follow-ups/plan/", views.follow_up_plan, name="follow_up_plan"),
]
