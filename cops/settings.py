"""Settings for the COPS platform, read from the environment.

Development defaults point at the local PostgreSQL and Redis; with COPS_ENV=production
the process refuses to start on unsafe values (see the end of this module).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cops.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_str("COPS_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"COPS_ENV must be 'development' or 'production', got {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "crispy_forms",
    "crispy_bootstrap5",
    "leaflet",
    "axes",
    "cops",
    "actors",
    "directory",
    "barometer",
    "selfassess",
    "accompaniment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control on personal pages, Permissions-Policy everywhere (static files included).
    "cops.middleware.PrivacyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cops.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cops.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cops.urls"
WSGI_APPLICATION = "cops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cops.context_processors.platform",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cops"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions and cache stay in PostgreSQL / process memory so that the site keeps
# working when the broker (Redis) is down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cops-default"},
    # Shared between processes (rate limits, throttling).
    # MAX_ENTRIES well above the default 300: past it Django culls a third of the rows, which
    # would silently reset live rate-limit counters.
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cops_cache",
        "OPTIONS": {"MAX_ENTRIES": 200_000},
    },
}

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "actors.User"
LOGIN_URL = "actors:login"
LOGIN_REDIRECT_URL = "actors:account"
LOGOUT_REDIRECT_URL = "home"
# django-axes first: it refuses the credentials of a locked-out (email, address) pair before any check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Django's list is English: these catch "motdepasse12", "azertyuiop12" and "aaaaaaaaaaaa".
    {"NAME": "actors.validators.FrenchCommonPasswordValidator"},
    {"NAME": "actors.validators.RepeatedCharacterPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
# How long a sign-up's verification link works (actors.tokens), in seconds; the email states it in days.
EMAIL_VERIFICATION_TIMEOUT = 60 * 60 * 24 * 7

# Login throttling (django-axes): 5 failures for one email from one address lock that pair for
# 15 minutes. Counting the pair, not the address alone, keeps a whole office behind one address
# able to sign in while someone there mistypes; counting the address too stops one visitor from
# locking other people's accounts.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "cops.security.login_username"
AXES_CLIENT_IP_CALLABLE = "cops.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "actors.views.accounts.login_locked_out"
# No login history table: a log of who signed in from where is personal data we have no use for.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- Retention of personal data (days), applied each night by cops.purge_expired_data -----------
# Shown on the privacy page: change them here, not in the text.
# An account whose address was never confirmed.
RETENTION_UNVERIFIED_ACCOUNT_DAYS = env_int("RETENTION_UNVERIFIED_ACCOUNT_DAYS", 30)
# A directory profile left as a draft (never published), and a published profile's unsubmitted edit.
RETENTION_DRAFT_PROFILE_DAYS = env_int("RETENTION_DRAFT_PROFILE_DAYS", 180)
# A barometer response never sent, counted from the day its campaign closed.
RETENTION_BAROMETER_DRAFT_DAYS = env_int("RETENTION_BAROMETER_DRAFT_DAYS", 30)
# An email once sent (its text is cleared at sending), or given up after its last attempt.
RETENTION_SENT_EMAIL_DAYS = env_int("RETENTION_SENT_EMAIL_DAYS", 90)
# Failed sign-in attempts (django-axes), kept to spot attacks on an account.
RETENTION_LOGIN_ATTEMPT_DAYS = env_int("RETENTION_LOGIN_ATTEMPT_DAYS", 30)
# A finished report (its file too), counted from when it was built.
RETENTION_REPORT_DAYS = env_int("RETENTION_REPORT_DAYS", 30)
# People without an account, anonymised (names and addresses go, the statistics stay):
# a barometer invitation list, a year after its campaign closed (time for the report and for
# preparing the next edition from the same lists);
RETENTION_BAROMETER_INVITATION_DAYS = env_int("RETENTION_BAROMETER_INVITATION_DAYS", 365)
# an address left for the report or the regional dynamic, deleted a year after its campaign closed;
RETENTION_BAROMETER_CONTACT_DAYS = env_int("RETENTION_BAROMETER_CONTACT_DAYS", 365)
# a self-assessment participant, a year after the session (its follow-up is done by then);
RETENTION_SELFASSESS_PARTICIPANT_DAYS = env_int("RETENTION_SELFASSESS_PARTICIPANT_DAYS", 365)
# a committee meeting's guest without an account, two years after the meeting (a mandate's span,
# so that the next meetings can still invite them again).
RETENTION_MEETING_GUEST_DAYS = env_int("RETENTION_MEETING_GUEST_DAYS", 730)
# A message relayed to a partner (and its answer, its abuse report), counted from when it was sent.
RETENTION_CONTACT_MESSAGE_DAYS = env_int("RETENTION_CONTACT_MESSAGE_DAYS", 90)
# Events: the accessibility needs and the answers marked sensitive, counted from the event's end;
RETENTION_EVENT_NEEDS_DAYS = env_int("RETENTION_EVENT_NEEDS_DAYS", 30)
# a registration of a person without an account, anonymised a year after the event;
RETENTION_EVENT_REGISTRATION_DAYS = env_int("RETENTION_EVENT_REGISTRATION_DAYS", 365)
# a registration whose address was never confirmed (it holds no seat), deleted after a week.
RETENTION_EVENT_UNCONFIRMED_DAYS = env_int("RETENTION_EVENT_UNCONFIRMED_DAYS", 7)
# The newsletter: a subscription whose address was never confirmed, deleted after 30 days (its
# confirmation link dies then too);
RETENTION_NEWSLETTER_UNCONFIRMED_DAYS = env_int("RETENTION_NEWSLETTER_UNCONFIRMED_DAYS", 30)
# an unsubscribed address, kept with its dates as proof of the opposition (nothing is sent to it),
# deleted three years after the unsubscription.
RETENTION_NEWSLETTER_UNSUBSCRIBED_DAYS = env_int("RETENTION_NEWSLETTER_UNSUBSCRIBED_DAYS", 1095)

# --- Committee meetings ----------------------------------------------------------------------------
# How long before a meeting its reminder goes to those who said they come or did not answer.
MEETING_REMINDER_HOURS = env_int("MEETING_REMINDER_HOURS", 48)

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Public uploads (photos, logos, news images) served by the site itself, DEBUG or not: `make run`
# and the compose setup have no other web server in front. Turn off where one serves /media/.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# Files only served through permission-checked views (reports, signed conventions).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Email -------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25 if PRODUCTION else 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "COPS Occitanie <ne-pas-repondre@cops-occitanie.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
STAFF_EMAIL = env_str("STAFF_EMAIL", "equipe@cops-occitanie.fr")

# --- Celery --------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Lets several deployments (or a test worker) share one Redis without taking each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged after it ran, and redelivered if its worker dies: every task
# claims its rows before any side effect, so a redelivery never repeats one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hold up a web request when Redis is down or unreachable (a refused
# connection fails at once, a silent one within a second): the task's rows wait for their sweep.
# The worker's own connection retries on its own terms (broker_connection_max_retries).
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1.0,
    "max_retries": 0,  # one connection attempt when publishing, no waits between retries
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
EMAIL_RATE_PER_MINUTE = env_int("EMAIL_RATE_PER_MINUTE", 600)
# Barometer invitations and reminders, sent by the worker that claims each round.
BAROMETER_EMAILS_PER_MINUTE = env_int("BAROMETER_EMAILS_PER_MINUTE", 6000)
# SMTP connections one worker uses side by side for a round (see cops.bulk_sending).
BAROMETER_SMTP_CONNECTIONS = env_int("BAROMETER_SMTP_CONNECTIONS", 8)
# The newsletter's issues go through the same engine (cops.bulk_sending), at their own pace;
# unset, they follow the barometer's values.
NEWSLETTER_EMAILS_PER_MINUTE = env_int("NEWSLETTER_EMAILS_PER_MINUTE", BAROMETER_EMAILS_PER_MINUTE)
NEWSLETTER_SMTP_CONNECTIONS = env_int("NEWSLETTER_SMTP_CONNECTIONS", BAROMETER_SMTP_CONNECTIONS)

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API de la plateforme COPS Occitanie",
    "DESCRIPTION": "API en lecture seule de l'annuaire des acteurs du partenariat en santé.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Forms and maps ----------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MAP_TILES_URL = env_str("MAP_TILES_URL", "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env_str(
    "MAP_TILES_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (43.7, 2.4),
    "DEFAULT_ZOOM": 7,
    "MIN_ZOOM": 5,
    "MAX_ZOOM": 18,
    "TILES": [("OpenStreetMap", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})],
    "ATTRIBUTION_PREFIX": "Leaflet",
    "RESET_VIEW": False,
}

# --- Security ------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", PRODUCTION) else None
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Number of reverse proxies in front of the site that append to X-Forwarded-For: the client's
# address (rate limits, login throttling) is read that many entries from the right; 0 means
# REMOTE_ADDR, so a visitor can never choose their own address by sending the header.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Rates of cops.ratelimit's named groups that differ from the code's, by group name, e.g.
# {"directory.search": (240, 60)} (requests, seconds) or {"directory.search": "240/m"}.
RATE_LIMITS: dict = {}
# Content-Security-Policy (cops.middleware): sent as Content-Security-Policy-Report-Only while
# the pages are being cleaned of inline scripts and styles, then enforced.
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
CSP_REPORT_ONLY_PATHS = ["/admin/", "/api/"]

HEALTHCHECK_BROKER_TIMEOUT = env_float("HEALTHCHECK_BROKER_TIMEOUT", 0.5)
HEALTHCHECK_CACHE_SECONDS = env_int("HEALTHCHECK_CACHE_SECONDS", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Personal links carry their secret in the URL: a 404, 403 or 429 on one is logged with it
    # masked (on the loggers that print request paths, and on the console for any other).
    "filters": {"secret_links": {"()": "cops.security.RedactSecretLinks"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secret_links"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["secret_links"]},
        "django.security.csrf": {"filters": ["secret_links"]},
        # runserver's request lines, as Django logs them by default, less the secrets.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["secret_links"],
        },
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every PDF step at INFO: keep worker logs readable.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes narrates every sign-in at INFO; lockouts are logged at WARNING.
        "axes": {"level": "WARNING"},
    },
}

# --- Refuse to run production on unsafe values -----------------------------------------------
if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG must be false")
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the site's host names")
    if problems:
        raise ImproperlyConfigured("Unsafe production settings: " + "; ".join(problems))

# --- Periodic tasks (synced into django-celery-beat's tables, editable in the admin) ------------
CELERY_BEAT_SCHEDULE = {
    "cops.flush_outbox": {"task": "cops.flush_outbox", "schedule": 60.0},
    "cops.sweep_reports": {"task": "cops.sweep_reports", "schedule": 60.0},
    # Directory: the staff's morning digest of profiles awaiting moderation, then the yearly
    # "still accurate?" emails (each profile claimed before its email, so a rerun sends none twice).
    "directory.send_moderation_digest": {
        "task": "directory.send_moderation_digest",
        "schedule": crontab(hour=7, minute=30),
    },
    "directory.send_accuracy_reminders": {
        "task": "directory.send_accuracy_reminders",
        "schedule": crontab(hour=10, minute=0),
    },
    "barometer.send_due_rounds": {"task": "barometer.send_due_rounds", "schedule": 60.0},
    # Newsletter issues still sending (a worker lost, the SMTP server down): a pass finishes what is left.
    "actors.send_newsletter_issues": {"task": "actors.send_newsletter_issues", "schedule": 60.0},
    # Accompaniments: à distance evaluations whose date has come, and reminders due (each claimed once).
    "accompaniment.send_due_evaluations": {"task": "accompaniment.send_due_evaluations", "schedule": 900.0},
    # Charter renewals and meeting invitations left unsent (broker down, worker lost): each row claimed once.
    "actors.send_pending_committee_mail": {"task": "actors.send_pending_committee_mail", "schedule": 300.0},
    "actors.send_meeting_reminders": {"task": "actors.send_meeting_reminders", "schedule": 900.0},
    # Events: reminders 7 days and 1 day before, to those registered (each claimed once).
    "actors.send_event_reminders": {"task": "actors.send_event_reminders", "schedule": crontab(minute=5)},
    # Personal data past its retention period (RETENTION_* above), every night.
    "cops.purge_expired_data": {"task": "cops.purge_expired_data", "schedule": crontab(hour=3, minute=15)},
}
