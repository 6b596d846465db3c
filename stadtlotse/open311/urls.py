from django.urls import path, register_converter

from . import views


class FormatConverter:
    """The file-style suffix that chooses the response format."""

    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

app_name = "open311"
urlpatterns = [
    path("discovery.<fmt:fmt>", views.discovery, name="discovery"),
    path("v2/discovery.<fmt:fmt>", views.discovery, name="discovery-v2"),
    path("v2/services.<fmt:fmt>", views.services, name="services"),
    path("v2/services/<str:service_code>.<fmt:fmt>", views.service_definition, name="service"),
    path("v2/requests.<fmt:fmt>", views.requests, name="requests"),
    path("v2/requests/<str:service_request_id>.<fmt:fmt>", views.request_detail, name="request"),
    path("v2/openapi.json", views.openapi_description, name="openapi"),
    path("v2/servicerequestupdates.<fmt:fmt>", views.service_request_updates, name="updates"),
    path("v2/tokens/<str:token>.<fmt:fmt>", views.token, name="token"),
]
