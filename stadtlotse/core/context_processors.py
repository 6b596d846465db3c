from django.conf import settings


def site(request):
    return {"CITY_NAME": settings.STADTLOTSE["CITY_NAME"], "SITE_URL": settings.SITE_URL}
