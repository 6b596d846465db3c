from django.urls import path

from . import views

app_name = "connectors"
urlpatterns = [
    path("webhook/<slug:slug>/status", views.webhook_status, name="webhook_status"),
]
