"""Stadtlotse settings: everything comes from environment variables (see .env.example).

A fresh checkout runs on SQLite with no variables set; production sets DATABASE_URL,
SECRET_KEY, ALLOWED_HOSTS and SITE_URL at least.
"""

import importlib.util
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

from stadtlotse.core.security import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

_INSECURE_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # mypy's Django plugin imports the settings to read the models; nothing is signed in that process.
    if not DEBUG and not env_bool("STADTLOTSE_ALLOW_INSECURE_KEY") and "mypy_django_plugin.main" not in sys.modules:
        # Fail closed: sessions and private links are signed with this key.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (50+ random characters) or DEBUG=true for development."
        )
    SECRET_KEY = _INSECURE_KEY
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is too short: use at least 32 random characters.")

DATA_DIR = Path(os.environ.get("STADTLOTSE_DATA_DIR", BASE_DIR / "var"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
_site_host = urlparse(SITE_URL).hostname
if _site_host and _site_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_site_host)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS") or [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "stadtlotse.core",
    "stadtlotse.accounts",
    "stadtlotse.catalog",
    "stadtlotse.tickets",
    "stadtlotse.media",
    "stadtlotse.intake",
    "stadtlotse.routing",
    "stadtlotse.notifications",
    "stadtlotse.connectors",
    "stadtlotse.publicweb",
    "stadtlotse.backoffice",
    "stadtlotse.open311",
    "stadtlotse.analytics",
    "stadtlotse.demo",
]

MIDDLEWARE = [
    # Outermost, so its one log line per request also covers what the middleware below answers.
    "stadtlotse.core.logs.RequestLogMiddleware",
    # Before anything reads the body: an oversized upload is refused by its declared length (core/limits.py).
    "stadtlotse.core.limits.BodySizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # the policy: CONTENT_SECURITY_POLICY below, from core/security.py
    "stadtlotse.core.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "stadtlotse.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "stadtlotse.urls"
WSGI_APPLICATION = "stadtlotse.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stadtlotse.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# dj_database_url gives a TypedDict; the SQLite branch builds a plain dict with other keys.
DATABASES: dict[str, Any]
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if "postgresql" in DATABASES["default"]["ENGINE"] and importlib.util.find_spec("psycopg") is None:
        raise ImproperlyConfigured(
            'DATABASE_URL names PostgreSQL, but its driver is not installed: pip install ".[postgresql]"')
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "stadtlotse.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
        # timeout instead of failing with "database is locked" halfway through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Tests need a file (not :memory:) so that threads and worker processes share one database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("STADTLOTSE_TEST_SQLITE", str(DATA_DIR / "test-stadtlotse.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache, sessions -----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL and importlib.util.find_spec("redis") is None:
    raise ImproperlyConfigured('REDIS_URL is set, but the Redis client is not installed: pip install ".[redis]"')
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # Database cache: shared by every process on the machine, unlike the local-memory cache.
    # MAX_ENTRIES: beyond it the cache deletes a third of its rows, rate-limit counters with them; Django's
    # default of 300 would let anyone reset every limit by spreading requests over a few hundred addresses.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "stadtlotse_cache",
                          "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000)}}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Background jobs -------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Auth ----------------------------------------------------------------------------------
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "backoffice:home"
LOGOUT_REDIRECT_URL = "publicweb:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first (new and changed passwords); the others only verify older hashes until next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if env_bool("STADTLOTSE_TEST_FAST_HASHER"):
    # Test runs only (set by testing/pytest_env.py): Argon2 costs ~0.1 s per user created. Argon2
    # stays in the list, so its hashes still verify; its own test asserts the production order.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
# Failed logins (password or second factor) allowed, as count/seconds: per account from one address
# (or one browser it logged in from before), per address over all accounts, and per account over
# all addresses (not applied to such a browser, so nobody elsewhere can lock its owner out).
LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5/900")
LOGIN_FAILURES_PER_IP = os.environ.get("LOGIN_FAILURES_PER_IP", "20/900")
LOGIN_FAILURES_PER_ACCOUNT_TOTAL = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT_TOTAL", "50/900")
# How long a browser stays known after a complete login there.
LOGIN_DEVICE_DAYS = env_int("LOGIN_DEVICE_DAYS", 90)
# Who must use a second factor (an authenticator app): admin (default), all staff, or none.
STAFF_2FA_REQUIRED = os.environ.get("STAFF_2FA_REQUIRED", "admin")
if STAFF_2FA_REQUIRED not in ("admin", "all", "none"):
    raise ImproperlyConfigured("STAFF_2FA_REQUIRED must be admin, all or none.")
# Sessions end after 8 hours at most, and after this many seconds without a request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browsers remember to use HTTPS only (sent on HTTPS responses only).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0)
# How many reverse proxies in front of Stadtlotse append to X-Forwarded-For (0: trust none).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Rate limits on intake and the API; load tests and benchmarks switch them off.
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
if env_bool("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
def _leaflet_dir():
    import xstatic.pkg.leaflet

    return xstatic.pkg.leaflet.BASE_DIR


# Leaflet comes from the XStatic-Leaflet package and is served as /static/leaflet/leaflet.js.
STATICFILES_DIRS = [PACKAGE_DIR / "static", ("leaflet", _leaflet_dir())]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names let browsers cache for a year; needs `collectstatic` (make run does it).
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ------------------------------------------------------------------------------------
# Our URL forms (documented in .env.example) on django-environ's parser. Its own "smtps" means
# STARTTLS, ours implicit TLS, so ours are translated first and never passed through unchanged.
_EMAIL_SCHEMES = {  # ours: (django-environ's, default port)
    "smtp": ("smtp", 25), "smtps": ("smtp+ssl", 465), "submission": ("smtp+tls", 587), "console": ("consolemail", None),
}


def _email_from_url(url):
    """smtp://user:pass@host:port, smtps:// (implicit TLS) or submission:// (STARTTLS); console://."""
    parts = urlparse(url)
    if parts.scheme not in _EMAIL_SCHEMES:
        raise ImproperlyConfigured(f"EMAIL_URL has an unknown scheme: {parts.scheme!r}")
    scheme, default_port = _EMAIL_SCHEMES[parts.scheme]
    parsed = environ.Env.email_url_config(parts._replace(scheme=scheme).geturl())
    if scheme == "consolemail":
        return {"EMAIL_BACKEND": parsed["EMAIL_BACKEND"]}
    # ?ssl=true / ?tls=true switch either on for a plain smtp:// URL.
    extra = {key.upper(): value == "true" for key, value in parse_qsl(parts.query) if key in ("ssl", "tls")}
    return {
        "EMAIL_BACKEND": parsed["EMAIL_BACKEND"],
        "EMAIL_HOST": parsed["EMAIL_HOST"] or "localhost",
        "EMAIL_PORT": parsed["EMAIL_PORT"] or default_port,
        "EMAIL_HOST_USER": parsed["EMAIL_HOST_USER"] or "",
        "EMAIL_HOST_PASSWORD": parsed["EMAIL_HOST_PASSWORD"] or "",
        "EMAIL_USE_SSL": bool(parsed.get("EMAIL_USE_SSL")) or extra.get("SSL", False),
        "EMAIL_USE_TLS": bool(parsed.get("EMAIL_USE_TLS")) or extra.get("TLS", False),
    }


if os.environ.get("EMAIL_URL"):
    globals().update(_email_from_url(os.environ["EMAIL_URL"]))
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
else:
    # No mail server configured: write mails to files so a demo loses nothing and sends nothing.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Stadtlotse <noreply@stadtlotse.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ----------------------------------------------------------------------------------
# "json": one JSON object per line (time, level, logger, message, request_id, method, path, status,
# duration_ms, …) for log collectors; "plain": readable lines. Every line carries the request id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "stadtlotse.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"()": "stadtlotse.core.logs.PlainFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "stadtlotse.core.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Two lines per job drown everything else; failures are logged as warnings by our jobs.
        "django_tasks": {"level": os.environ.get("TASK_LOG_LEVEL", "WARNING")},
        # One line per request, written by core/logs.py; off with REQUEST_LOG_LEVEL=WARNING.
        "stadtlotse.request": {"level": os.environ.get("REQUEST_LOG_LEVEL", os.environ.get("LOG_LEVEL", "INFO"))},
        # The line above already records every 4xx/5xx; Django's own copy without the request id is noise.
        "django.request": {"level": "ERROR"},
    },
}

# --- Stadtlotse ------------------------------------------------------------------------------
STADTLOTSE = {
    # Ticket ids look like SL-2026-0042.
    "TICKET_PREFIX": os.environ.get("STADTLOTSE_TICKET_PREFIX", "SL"),
    "CITY_NAME": os.environ.get("STADTLOTSE_CITY_NAME", "Berlin"),
    "MAX_DESCRIPTION_CHARS": env_int("STADTLOTSE_MAX_DESCRIPTION_CHARS", 5000),
    "MIN_DESCRIPTION_CHARS": env_int("STADTLOTSE_MIN_DESCRIPTION_CHARS", 10),
    # A closed ticket can be reopened by its reporter within this many days.
    "REOPEN_DAYS": env_int("STADTLOTSE_REOPEN_DAYS", 14),
    # Days after a ticket is closed until the reporter's name, e-mail and phone are erased (DSGVO Art. 5).
    "CONTACT_RETENTION_DAYS": env_int("STADTLOTSE_CONTACT_RETENTION_DAYS", 90),
    # Notification and forwarding retries: attempts, first delay in seconds, doubling each time
    # up to 6 h; the defaults keep trying for about 44 hours.
    "JOB_MAX_ATTEMPTS": env_int("STADTLOTSE_JOB_MAX_ATTEMPTS", 16),
    "JOB_RETRY_BASE_SECONDS": env_int("STADTLOTSE_JOB_RETRY_BASE_SECONDS", 60),
    "JOB_RETRY_MAX_SECONDS": env_int("STADTLOTSE_JOB_RETRY_MAX_SECONDS", 6 * 3600),
    # Connectors (see docs/connectors/): replies to forwarded mails go to LOCAL+SL-2026-0042@DOMAIN.
    "CONNECTOR_REPLY_ADDRESS": os.environ.get("STADTLOTSE_CONNECTOR_REPLY_ADDRESS", "antwort@stadtlotse.localhost"),
    # The first word(s) of a department's reply that change the status, as "KEYWORD=status,...";
    # empty means ANGENOMMEN, IN BEARBEITUNG, ERLEDIGT, ABGELEHNT (connectors/mail_in.py).
    "CONNECTOR_MAIL_KEYWORDS": os.environ.get("STADTLOTSE_CONNECTOR_MAIL_KEYWORDS", ""),
    "CONNECTOR_MAX_MAIL_BYTES": env_int("STADTLOTSE_CONNECTOR_MAX_MAIL_BYTES", 25 * 1024 * 1024),
    # A mail whose header block is larger is ignored before it is parsed (huge headers cost seconds).
    "CONNECTOR_MAX_MAIL_HEADER_BYTES": env_int("STADTLOTSE_CONNECTOR_MAX_MAIL_HEADER_BYTES", 64 * 1024),
    # The authserv-id of the city's own MTA in Authentication-Results; when set, a reply is applied
    # only with dmarc=pass (or an aligned dkim=pass) from that host. Empty: not checked.
    "CONNECTOR_MAIL_AUTHSERV_ID": os.environ.get("STADTLOTSE_CONNECTOR_MAIL_AUTHSERV_ID", "").strip().lower(),
    # Bounces for refused replies, per recipient and in total (requests/seconds), against backscatter.
    "CONNECTOR_BOUNCE_RATE": os.environ.get("STADTLOTSE_CONNECTOR_BOUNCE_RATE", "3/3600"),
    "CONNECTOR_BOUNCE_TOTAL_RATE": os.environ.get("STADTLOTSE_CONNECTOR_BOUNCE_TOTAL_RATE", "30/3600"),
    # Host names or addresses (or networks like 10.20.0.0/16) of the city's internal systems that
    # webhook and Open311 connectors may reach; everything else must be a public internet address.
    "CONNECTOR_ALLOWED_HOSTS": env_list("STADTLOTSE_CONNECTOR_ALLOWED_HOSTS"),
    # Signed webhooks older (or further in the future) than this are refused as possible replays.
    "WEBHOOK_TOLERANCE_SECONDS": env_int("STADTLOTSE_WEBHOOK_TOLERANCE_SECONDS", 300),
    "CONNECTOR_TIMEOUT_SECONDS": env_int("STADTLOTSE_CONNECTOR_TIMEOUT_SECONDS", 30),
    # IMAP mailbox for replies (alternative to the MTA pipe `receive_mail`): imaps://user:pass@host/INBOX
    "CONNECTOR_IMAP_URL": os.environ.get("STADTLOTSE_CONNECTOR_IMAP_URL", ""),
    # Seconds between rounds of pulling status from the departments' Open311 back ends and the IMAP
    # mailbox, as a job the worker runs (0: off, e.g. when poll_imap/poll_open311 run from cron).
    "CONNECTOR_POLL_SECONDS": env_int("STADTLOTSE_CONNECTOR_POLL_SECONDS", 120),
    "DESK_EMAIL": os.environ.get("STADTLOTSE_DESK_EMAIL", "koordination@stadtlotse.localhost"),
    # Federal state whose public holidays pause deadlines (ISO 3166-2 code without "DE-": BE, BY, NW, …).
    "HOLIDAY_STATE": os.environ.get("STADTLOTSE_HOLIDAY_STATE", "BE"),
    # Local hour (city time) at which the daily digest of overdue tickets and follow-ups is sent.
    "DIGEST_HOUR": env_int("STADTLOTSE_DIGEST_HOUR", 7),
    # Minutes between rebuilds of the changed days of the analytics figures (the dashboard reads those).
    "ANALYTICS_REFRESH_MINUTES": env_int("STADTLOTSE_ANALYTICS_REFRESH_MINUTES", 15),
    # Licence of the open data files (name and link shown on /offene-daten).
    "OPEN_DATA_LICENCE": os.environ.get("STADTLOTSE_OPEN_DATA_LICENCE", "Datenlizenz Deutschland – Zero – Version 2.0"),
    "OPEN_DATA_LICENCE_URL": os.environ.get("STADTLOTSE_OPEN_DATA_LICENCE_URL", "https://www.govdata.de/dl-de/zero-2-0"),
    # Weekday (0 = Monday) on which department leads get their weekly summary, at DIGEST_HOUR.
    "WEEKLY_SUMMARY_WEEKDAY": env_int("STADTLOTSE_WEEKLY_SUMMARY_WEEKDAY", 0),
    # Photos per report, and what one photo may be: bytes of the upload and pixels of the image
    # (a small file can decode to a gigantic image).
    "MAX_PHOTOS": env_int("STADTLOTSE_MAX_PHOTOS", 3),
    "MAX_PHOTO_BYTES": env_int("STADTLOTSE_MAX_PHOTO_BYTES", 10 * 1024 * 1024),
    "MAX_PHOTO_PIXELS": env_int("STADTLOTSE_MAX_PHOTO_PIXELS", 40_000_000),
    # Anonymous photos (web form, Open311) may have fewer pixels than staff's: decoding costs CPU in
    # proportion to the pixels, and 25 megapixels hold every usual phone photo.
    "MAX_PUBLIC_PHOTO_PIXELS": env_int("STADTLOTSE_MAX_PUBLIC_PHOTO_PIXELS", 25_000_000),
    # Photos decoded at the same time on one machine (all web processes together, by lock files in
    # STADTLOTSE_DATA_DIR/locks), and how long a request waits for its turn before it is asked to retry.
    "DECODE_SLOTS": env_int("STADTLOTSE_DECODE_SLOTS", 2),
    "DECODE_WAIT_SECONDS": env_int("STADTLOTSE_DECODE_WAIT_SECONDS", 15),
    # Photos kept for a form sent back (media/pending/, deleted after a day): bytes per client IP (IPv6:
    # per /64) per day, and bytes in all. Beyond them the resident chooses the photos again.
    "STASH_BYTES_PER_SOURCE": env_int("STADTLOTSE_STASH_BYTES_PER_SOURCE", 60 * 1024 * 1024),
    "STASH_MAX_BYTES": env_int("STADTLOTSE_STASH_MAX_BYTES", 1024 * 1024 * 1024),
    # E-mails to one mailbox (lower case, "+tag" removed) per day; beyond it they are dropped with a log
    # line, so nobody can make the city flood an address they typed in.
    "MAILS_PER_ADDRESS_PER_DAY": env_int("STADTLOTSE_MAILS_PER_ADDRESS_PER_DAY", 30),
    # Longest side of the public version and of the thumbnail, in pixels.
    "PHOTO_PUBLIC_SIZE": env_int("STADTLOTSE_PHOTO_PUBLIC_SIZE", 1600),
    "PHOTO_THUMBNAIL_SIZE": env_int("STADTLOTSE_PHOTO_THUMBNAIL_SIZE", 320),
    # Map tiles; any XYZ tile server. OpenStreetMap's tiles need their attribution shown.
    "MAP_TILE_URL": os.environ.get("STADTLOTSE_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    "MAP_ATTRIBUTION": os.environ.get(
        "STADTLOTSE_MAP_ATTRIBUTION",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>',
    ),
    # Where the report map starts (the pin must be moved from here) and at which zoom.
    "MAP_CENTER": [float(v) for v in env_list("STADTLOTSE_MAP_CENTER", "52.5200,13.4050")][:2],
    "MAP_ZOOM": env_int("STADTLOTSE_MAP_ZOOM", 11),
    # Duplicate check while reporting: open published tickets this close (metres) and this recent (days).
    "DUPLICATE_RADIUS_METERS": env_int("STADTLOTSE_DUPLICATE_RADIUS_METERS", 100),
    "DUPLICATE_DAYS": env_int("STADTLOTSE_DUPLICATE_DAYS", 30),
    # Resolved tickets leave the public map after this many days (their page stays).
    "MAP_RESOLVED_DAYS": env_int("STADTLOTSE_MAP_RESOLVED_DAYS", 30),
    # The GeoJSON feed sends single points up to this many, grid clusters above.
    "MAP_MAX_POINTS": env_int("STADTLOTSE_MAP_MAX_POINTS", 300),
    # Cluster answers counted anew (not from the cache) per client IP (requests/seconds).
    "MAP_CLUSTER_RATE_PER_IP": os.environ.get("STADTLOTSE_MAP_CLUSTER_RATE_PER_IP", "60/60"),
    # Confirmation mails a client IP may trigger by subscribing to tickets (requests/seconds).
    "SUBSCRIBE_RATE_PER_IP": os.environ.get("STADTLOTSE_SUBSCRIBE_RATE_PER_IP", "20/3600"),
    # Open311: the jurisdiction_id clients must send if they send one (empty: any is accepted),
    # requests per IP and window on every Open311 endpoint, and the default rate of a new API key.
    "OPEN311_JURISDICTION": os.environ.get("STADTLOTSE_OPEN311_JURISDICTION", ""),
    # Open311 media_url photos are fetched only from public addresses unless this is set (tests,
    # closed networks where the apps' photo servers are internal).
    "FETCH_PRIVATE_URLS": env_bool("STADTLOTSE_FETCH_PRIVATE_URLS", False),
    # Listed in discovery as the "test" endpoint (a staging installation), when set.
    "OPEN311_TEST_URL": os.environ.get("STADTLOTSE_OPEN311_TEST_URL", ""),
    "OPEN311_RATE_PER_IP": os.environ.get("STADTLOTSE_OPEN311_RATE_PER_IP", "600/60"),
    "OPEN311_KEY_RATE": os.environ.get("STADTLOTSE_OPEN311_KEY_RATE", "120/60"),
    # Reports on the web form per client IP and per e-mail address (also Open311 per e-mail), as
    # "requests/seconds", several windows separated by commas: "5/600,20/86400".
    "REPORT_RATE_PER_IP": os.environ.get("STADTLOTSE_REPORT_RATE_PER_IP", "10/600,50/86400"),
    "REPORT_RATE_PER_EMAIL": os.environ.get("STADTLOTSE_REPORT_RATE_PER_EMAIL", "5/600,20/86400"),
    # The same description again from the same IP or e-mail address within this many hours is flagged
    # as spam and held for moderation (0: not checked).
    "SCREEN_REPEAT_HOURS": env_int("STADTLOTSE_SCREEN_REPEAT_HOURS", 24),
    # Web reports from an e-mail address never confirmed before wait for a click on the link in a
    # confirmation mail before they reach the desk; unconfirmed ones are deleted after this many days.
    "CONFIRM_UNKNOWN_SENDERS": env_bool("STADTLOTSE_CONFIRM_UNKNOWN_SENDERS", False),
    "CONFIRM_EXPIRY_DAYS": env_int("STADTLOTSE_CONFIRM_EXPIRY_DAYS", 7),
    # /healthz turns 503 when a due job has waited longer than this (worker stopped or swamped) …
    "HEALTH_MAX_JOB_LAG_SECONDS": env_int("STADTLOTSE_HEALTH_MAX_JOB_LAG_SECONDS", 300),
    # … or when the disk holding STADTLOTSE_DATA_DIR has less than this many MB free.
    "HEALTH_MIN_FREE_DISK_MB": env_int("STADTLOTSE_HEALTH_MIN_FREE_DISK_MB", 500),
    # Only these networks (or a request with the token) see /healthz's checks; others get ok/fail.
    "HEALTH_TRUSTED_NETWORKS": env_list("STADTLOTSE_HEALTH_TRUSTED_NETWORKS", "127.0.0.0/8,::1/128"),
    "HEALTH_TOKEN": os.environ.get("STADTLOTSE_HEALTH_TOKEN", ""),
}
for _network in STADTLOTSE["HEALTH_TRUSTED_NETWORKS"]:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"STADTLOTSE_HEALTH_TRUSTED_NETWORKS: {_error}") from None
# Request bodies on paths without a limit of their own (the report form and Open311 allow their
# photos, see core/limits.py); refused by Content-Length before anything is read.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 2 * DATA_UPLOAD_MAX_MEMORY_SIZE)

# No inline scripts, scripts only from our origin; sent by django-csp's middleware.
CONTENT_SECURITY_POLICY = content_security_policy(map_tile_url=STADTLOTSE["MAP_TILE_URL"])
