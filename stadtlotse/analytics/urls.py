from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("statistik", views.statistics, name="statistics"),
    path("offene-daten", views.open_data, name="open_data"),
    path("offene-daten/meldungen.csv", views.open_data_csv, name="open_data_csv"),
    path("offene-daten/meldungen.geojson", views.open_data_geojson, name="open_data_geojson"),
]
