from django.urls import path, re_path

from stadtlotse.tickets.models import TICKET_ID_PATTERN as TICKET_ID

from . import feeds, views

app_name = "publicweb"
TOKEN = r"(?P<token>[\w-]{20,80})"  # noqa: S105 - a URL pattern, not a secret
urlpatterns = [
    path("", views.home, name="home"),
    path("melden", views.report, name="report"),
    path("melden/fragen", views.report_questions, name="report_questions"),
    path("melden/aehnliche", views.similar, name="similar"),
    re_path(rf"^melden/danke/{TICKET_ID}/{TOKEN}$", views.confirmation, name="confirmation"),
    re_path(r"^melden/bestaetigen/(?P<token>[\w:-]{10,200})$", views.confirm_report, name="confirm_report"),
    re_path(rf"^t/{TICKET_ID}$", views.ticket, name="ticket"),
    re_path(rf"^t/{TICKET_ID}/unterstuetzen$", views.support, name="support"),
    re_path(rf"^t/{TICKET_ID}/abonnieren$", views.subscribe, name="subscribe"),
    re_path(rf"^t/{TICKET_ID}/foto/(?P<attachment_id>\d+)$", views.photo, name="photo"),
    re_path(rf"^t/{TICKET_ID}/foto/(?P<attachment_id>\d+)/klein$", views.photo, {"thumbnail": True},
            name="photo_thumbnail"),
    re_path(rf"^t/{TICKET_ID}/{TOKEN}$", views.private, name="private"),
    re_path(rf"^t/{TICKET_ID}/{TOKEN}/meine-daten\.json$", views.private_data, name="private_data"),
    re_path(rf"^abo/{TOKEN}$", views.subscription_confirm, name="subscription_confirm"),
    re_path(rf"^abo/{TOKEN}/abbestellen$", views.unsubscribe, name="unsubscribe"),
    path("karte", views.public_map, name="map"),
    path("karte/liste", views.map_list, name="map_list"),
    path("karte/daten.geojson", views.map_geojson, name="map_geojson"),
    path("feeds/bezirk/<slug:slug>.rss", feeds.DistrictFeed(), name="district_feed"),
    path("feeds/bezirk/<slug:slug>.atom", feeds.DistrictAtomFeed(), name="district_atom"),
    path("feeds/kategorie/<slug:code>.rss", feeds.CategoryFeed(), name="category_feed"),
    path("feeds/kategorie/<slug:code>.atom", feeds.CategoryAtomFeed(), name="category_atom"),
]
