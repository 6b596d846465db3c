from django.urls import path, re_path

from . import views

app_name = "backoffice"
TICKET_ID = r"(?P<public_id>[A-Za-z]{1,10}-\d{4}-\d{4,9})"
urlpatterns = [
    path("", views.home, name="home"),
    re_path(rf"^t/{TICKET_ID}$", views.ticket, name="ticket"),
]
