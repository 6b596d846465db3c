from django.urls import path, re_path

from stadtlotse.tickets.models import TICKET_ID_PATTERN as TICKET_ID

from . import views

app_name = "publicweb"
urlpatterns = [
    path("", views.home, name="home"),
    path("melden", views.report, name="report"),
    re_path(rf"^melden/danke/{TICKET_ID}/(?P<token>[\w-]{{20,80}})$", views.confirmation, name="confirmation"),
    re_path(rf"^t/{TICKET_ID}$", views.ticket, name="ticket"),
    re_path(rf"^t/{TICKET_ID}/(?P<token>[\w-]{{20,80}})$", views.private, name="private"),
]
