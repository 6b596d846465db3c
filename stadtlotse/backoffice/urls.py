from django.urls import path, re_path

from stadtlotse.analytics import views as analytics
from stadtlotse.tickets.models import TICKET_ID_PATTERN as TICKET_ID

from . import blocklist, deliveries, views
from .forms import ACTION_FORMS

app_name = "backoffice"
ACTION = rf"(?P<action>{'|'.join(ACTION_FORMS)})"
urlpatterns = [
    path("", views.home, name="home"),
    path("tickets", views.ticket_list, name="tickets"),
    path("zustellung-fehlgeschlagen", deliveries.failed, name="deliveries_failed"),
    path("zustellung/<int:delivery_id>/erneut", deliveries.retry, name="delivery_retry"),
    path("sperrliste", blocklist.blocklist, name="blocklist"),
    path("sperrliste/<int:entry_id>/entfernen", blocklist.unblock, name="blocklist_remove"),
    path("auswertung", analytics.dashboard, name="analytics"),
    path("auswertung/export.xlsx", analytics.export_xlsx, name="analytics_xlsx"),
    re_path(r"^auswertung/(?P<key>[a-z_]{1,40})\.csv$", analytics.table_csv, name="analytics_csv"),
    path("tickets/bulk", views.bulk, name="bulk"),
    path("tickets/new", views.new_report, name="new_report"),
    path("views", views.save_view, name="save_view"),
    path("views/<int:view_id>/delete", views.delete_view, name="delete_view"),
    re_path(rf"^t/{TICKET_ID}$", views.ticket_detail, name="ticket"),
    re_path(rf"^t/{TICKET_ID}/{ACTION}$", views.act, name="action"),
    re_path(rf"^t/{TICKET_ID}/callback/(?P<notification_id>\d+)$", views.complete_callback, name="callback_done"),
    re_path(rf"^t/{TICKET_ID}/photo/(?P<attachment_id>\d+)$", views.attachment, name="attachment"),
    re_path(rf"^t/{TICKET_ID}/photo/(?P<attachment_id>\d+)/moderate$", views.moderate_photo, name="moderate_photo"),
    re_path(rf"^t/{TICKET_ID}/photo/(?P<attachment_id>\d+)/redact$", views.redact_photo, name="redact_photo"),
    re_path(rf"^t/{TICKET_ID}/photo/(?P<attachment_id>\d+)/redact/(?P<number>\d+)/remove$", views.remove_redaction,
            name="remove_redaction"),
]
