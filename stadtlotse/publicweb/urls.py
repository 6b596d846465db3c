from django.urls import path, re_path

from . import views

app_name = "publicweb"
TICKET_ID = r"(?P<public_id>[A-Za-z]{1,10}-\d{4}-\d{4,9})"
urlpatterns = [
    path("", views.home, name="home"),
    path("melden", views.report, name="report"),
    re_path(rf"^melden/danke/{TICKET_ID}/(?P<token>[\w-]{{20,80}})$", views.confirmation, name="confirmation"),
    re_path(rf"^t/{TICKET_ID}$", views.ticket, name="ticket"),
    re_path(rf"^t/{TICKET_ID}/(?P<token>[\w-]{{20,80}})$", views.private, name="private"),
]
