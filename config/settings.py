"""One settings module: every deployment knob comes from the environment (django-environ)."""

import os
import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    CELERY_BROKER_URL=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# The test process configures itself (pytest-django); every other process with DEBUG off is production.
TESTING = "pytest" in sys.modules
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"
# Scripts and commands may run on the development key; serving with DEBUG off refuses it
# (config.production, called by config.wsgi and config.asgi).
SECRET_KEY = env("SECRET_KEY", default="") or DEV_SECRET_KEY
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "import_export",
    "pgtrigger",  # the decision log's append-only trigger on PostgreSQL
    "axes",  # failed-login throttling
    "leadscoring",
    "scoring",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: answers a locked-out login
]

# Failed-login throttling (django-axes): a username from one address is locked out for an hour after five
# failures in a row; a success resets the count. The API's token and key authentication are not affected.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, eager Celery and imports share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # Writers take the lock when their transaction starts, so concurrent rescoring serialises
        # instead of failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not shared-cache memory: shared cache takes table locks that ignore the busy timeout,
    # and the concurrency tests need SQLite to behave as it does in production.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
# Hashed, compressed names once `collectstatic` has written its manifest; until then the plain storage,
# with whitenoise serving straight from the apps (WHITENOISE_USE_FINDERS), so no page ever 500s for a
# missing manifest entry.
_MANIFEST_BUILT = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
        if not DEBUG and _MANIFEST_BUILT
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.min.js straight from the installed plotly package: no copy in the repo, no CDN.
    "scoring.charts.PlotlyJsFinder",
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Model artifacts are written and read by our own code only (joblib + sha256 on the version).
MODEL_ARTIFACT_DIR = Path(env("MODEL_ARTIFACT_DIR", default=str(BASE_DIR / "var" / "models")))

# HTTPS in production (DEBUG off): HSTS, redirect, secure cookies. Behind a TLS-terminating proxy set
# TRUST_X_FORWARDED_PROTO=true so the redirect sees the original scheme; HTTPS=false serves plain http
# (a trusted network only). Dev (DEBUG on) and the tests stay on http.
HTTPS = env.bool("HTTPS", default=not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A session write under /api/ without the CSRF token answers the JSON error, not Django's HTML page.
CSRF_FAILURE_VIEW = "config.api.errors.csrf_failure"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# E-mail (tier change notifications).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="leadscoring@localhost")

# Celery: no broker configured means tasks run eagerly, in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or "memory://localhost/"
# Progress lives in our Job and chunk rows and every task is fire-and-forget, so no result store:
# a result backend on the broker only doubled the Redis traffic (and its outage) for nothing read.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has finished, and a task whose process died (SIGKILL, the OOM killer)
# goes back to the queue instead of being acknowledged and dropped. Every task is idempotent for this.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers a message nobody acknowledged after the visibility timeout (one hour by default,
# which left a killed worker's chunk waiting an hour). Sized to the longest chunk: 2,000 leads scored
# lead by lead at about 500 leads/s is 4 s, so 300 s is ample; ETA tasks stay far below it. The
# batch reaper (scoring.tasks.batch_reap_task) requeues a vanished worker's chunk sooner still.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
# A batch Job with a chunk still waiting and no chunk published, started or finished for this long has
# lost a message (a failed publish, a worker that died holding it unstarted): the reaper requeues it.
BATCH_STALL_SECONDS = env.int("BATCH_STALL_SECONDS", default=60)
# Short socket timeouts: with Redis down a publish fails in about a second instead of hanging ~19 s;
# what it would have carried waits in the outbox (scoring.integrations) for the sweep.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0),
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# A worker keeps retrying the broker when it goes away (the default), and waits at start-up too.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The outbox drain waits this long after a commit, so a burst of events for one lead is one rescore.
OUTBOX_DRAIN_DELAY = env.float("OUTBOX_DRAIN_DELAY", default=1.0)
# A drain's claim on its messages; past it (the drain's worker died) the sweep delivers them again.
OUTBOX_CLAIM_SECONDS = env.int("OUTBOX_CLAIM_SECONDS", default=120)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a missing credential answers 401 with an `Api-Key` challenge.
        "leadscoring.api.authentication.IntegrationKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "config.api.permissions.RolePermission",
    ],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttles.PerCallerRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "integration": env("API_THROTTLE_INTEGRATION", default="1200/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Lead Scoring API",
    "DESCRIPTION": (
        "Push leads and activity, score leads, read tiers, reasons and analytics.\n\n"
        "Authenticate with `Authorization: Api-Key <key>` (per integration, scoped read-only or "
        "read-write, revocable in the admin) or a signed-in session. Every error "
        'is JSON: `{"error": {"code", "message", "fields"}}`. Text never contains NUL (`\\u0000`): a body '
        "with one is refused (400). Lists are paginated (`page`, `page_size` "
        "up to 500). Bulk lists take at most 1,000 items; bodies over 2.5 MB answer 413."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "leadscoring.models.Lead.Status",
        "JobStatusEnum": "scoring.models.Job.Status",
        "EventItemStatusEnum": ["created", "duplicate", "error"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.add_error_responses",
    ],
}

# Activity dated further ahead than this is refused (API, services, imports): clock skew, not a typo.
EVENT_FUTURE_SKEW_HOURS = env.int("EVENT_FUTURE_SKEW_HOURS", default=24)

IMPORT_EXPORT_USE_TRANSACTIONS = True
# A lead named "=HYPERLINK(...)" must not become a live formula in an admin export: the resources pass
# every cell through config.csv_safe. The library's own escaping stays off: it only drops a leading "="
# (leaving "@", "+" and "-" formulae live) and writes empty cells as "None".
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# The decision and current-score indexes carry INCLUDE columns so PostgreSQL answers from the index
# alone; SQLite ignores them (the index still works), which is all W040 says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
