from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

# A database outage answers 503 with a bilingual page; nothing shows a stack trace.
handler500 = "stadtlotse.core.views.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("konto/", include("stadtlotse.accounts.urls")),
    path("backoffice/", include("stadtlotse.backoffice.urls")),
    path("open311/", include("stadtlotse.open311.urls")),
    path("connectors/", include("stadtlotse.connectors.urls")),
    path("", include("stadtlotse.core.urls")),
    path("", include("stadtlotse.analytics.urls")),
    path("", include("stadtlotse.publicweb.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
