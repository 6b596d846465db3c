from django.urls import path, re_path

from . import views
from .forms import ACTION_FORMS

app_name = "backoffice"
TICKET_ID = r"(?P<public_id>[A-Za-z]{1,10}-\d{4}-\d{4,9})"
ACTION = rf"(?P<action>{'|'.join(ACTION_FORMS)})"
urlpatterns = [
    path("", views.home, name="home"),
    path("tickets", views.ticket_list, name="tickets"),
    re_path(rf"^t/{TICKET_ID}$", views.ticket_detail, name="ticket"),
    re_path(rf"^t/{TICKET_ID}/{ACTION}$", views.act, name="action"),
    re_path(rf"^t/{TICKET_ID}/callback/(?P<notification_id>\d+)$", views.complete_callback, name="callback_done"),
    re_path(rf"^t/{TICKET_ID}/photo/(?P<attachment_id>\d+)$", views.attachment, name="attachment"),
]
