"""The WSGI app for bench/intake.py: Stadtlotse's own URLs plus /bench/floor.

The floor is the least a web request that stores something can cost on this server: a bare Django
view that inserts one row in a transaction (no forms, no templates). Scenarios are reported as a
share of its throughput, a ratio that survives a noisy machine.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stadtlotse.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
                   if connection.vendor == "sqlite" else
                   "CREATE TABLE IF NOT EXISTS bench_floor (id SERIAL PRIMARY KEY, body TEXT NOT NULL)")
connection.close()


@csrf_exempt
def floor(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (body) VALUES (%s)", [request.POST.get("description", "")])
    return HttpResponse("[]", content_type="application/json", status=201)


urlpatterns = [path("bench/floor", floor), path("", include("stadtlotse.urls"))]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
