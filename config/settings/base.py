"""Settings shared by every environment. Everything that varies comes from one environ.Env()."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "audit",
    "facilities",
    "api",
    "approvals",
    "calls",
    "emergencies",
    "investigations",
    "django_prometheus",
    "operations",
]

MIDDLEWARE = [
    "operations.requestlog.RequestLogMiddleware",  # first: one log line per request, its whole duration
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.headers.PrivateAnswersMiddleware",  # after whitenoise: static files keep their cache lifetimes
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # was this session's second factor given (request.user.is_verified())
    "facilities.two_factor.SignInMiddleware",  # absolute session lifetime; no page before the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "facilities.context_processors.roles",
            ],
            # The one way numbers, people and ages are shown (phone, who, ago), in every template without a load.
            "builtins": ["core.templatetags.display"],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions end after 30 minutes: the expiry is pushed forward on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# However active, a session ends this long after its password was given (facilities.two_factor.SignInMiddleware).
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)

# Two-factor sign-in (django-otp; who needs it: facilities.two_factor). Authenticator apps show the issuer's name.
# django-otp's own per-device slow-down is off: a wrong code is a failed log-in for django-axes' lockout and the
# slow-down below, exactly as a wrong password is (facilities.services.second_factor_verify).
OTP_TOTP_ISSUER = "Inmate telephone portal"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Log-in defences (the README's "Log-in defences" says what each one defends against).
# django-axes locks a user name *at one address* after 5 failures (CJIS), for an hour: a user name and an
# address together, so that neither five guesses at a warden's name nor five failures from one address (the
# facility's shared address, or the proxy's) lock anybody else out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
# A password alone does not clear the failures of a user who still owes the second factor: they are cleared when
# the whole sign-in succeeds (facilities.login_security.clear_failures), so wrong codes add up to the same lockout.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = False
# The client's address, from the trusted proxies' header (facilities.login_security.client_ip; django-ipware is
# not installed, so axes' AXES_IPWARE_* settings do not apply): with N trusted proxies in front of the portal,
# the N-th address from the right of PORTAL_CLIENT_IP_HEADER; entries a client adds on the left are ignored.
AXES_CLIENT_IP_CALLABLE = "facilities.login_security.client_ip"
PORTAL_TRUSTED_PROXY_COUNT = env.int("PORTAL_TRUSTED_PROXY_COUNT", default=0)
PORTAL_CLIENT_IP_HEADER = env("PORTAL_CLIENT_IP_HEADER", default="HTTP_X_FORWARDED_FOR")
# One user name guessed from many addresses: after LOGIN_THROTTLE_AFTER failures (all addresses, each less than
# the window after the one before), each further failure doubles the wait before the next attempt for that
# name (1 s, 2 s, ... up to the maximum). Addresses the user logged in from in the last LOGIN_KNOWN_ADDRESS_DAYS
# days are not slowed down. Counters live in the default cache.
LOGIN_THROTTLE_AFTER = env.int("LOGIN_THROTTLE_AFTER", default=10)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=15 * 60)
LOGIN_THROTTLE_MAX_DELAY_SECONDS = env.int("LOGIN_THROTTLE_MAX_DELAY_SECONDS", default=60)
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
# Django's cache: the log-in counters above. Per process locally and in tests; Redis in production (shared by
# every web process): see config/settings/production.py.
CACHES = {"default": env.cache("DJANGO_CACHE_URL", default="locmemcache://")}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="phone-portal@localhost")

# The portal's own settings. Code reads them as settings.NAME only: every one is declared here (a test checks).
# The address users reach the portal at, without a trailing slash: e-mails to wardens link to it.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Reviews that come due (domain §9): days from today to the next review of a phone restriction, a block or an
# investigator's watch entry, unless whoever records it chooses a date. The one place these defaults live.
REVIEW_DEFAULT_DAYS = {"restriction": 90, "block": 90, "watch": 90}
# How long after its last allowed minute an authorised call waits for the platform's completion report.
CALLS_COMPLETION_GRACE_MINUTES = env.int("CALLS_COMPLETION_GRACE_MINUTES", default=10)
# The monthly reset voids and regrants balances in chunks of this many inmates, one transaction each.
CALLS_RESET_CHUNK = env.int("CALLS_RESET_CHUNK", default=20_000)
# The dispatcher runs the facilities that share a reset moment together, in groups of at most this many inmates
# in custody (facilities kept whole), so that one run sweeps the id range once for many facilities and several
# workers share one midnight (calls/reset.py). Fewer, larger groups sweep the tables fewer times: at full volume
# 100,000 made 13 runs, 1.40x the floor; 300,000 made 6, 1.24x (docs/performance.md).
CALLS_RESET_GROUP_INMATES = env.int("CALLS_RESET_GROUP_INMATES", default=300_000)

# django-simple-history: a record's history keeps the whole reason for each change (a text column, not 100
# characters), so no service cuts it short.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.PlatformTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsPlatformClient"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# Content-Security-Policy (django-csp): every page loads scripts, styles, images and fonts from the portal itself
# only; no inline <script>, no <style> element or style="" attribute (templates keep theirs in static/), no plugin,
# no framing, forms post only to the portal. tests/test_headers.py checks every page type carries it and that no
# template has inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Inmate telephone portal: platform API",
    "DESCRIPTION": (
        "Machine API for the vendor's telephone platform and the jail management system. "
        "Authenticate with `Authorization: Token <token>`. Errors are JSON `{code, message}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI and Redoc from the app's own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every task acknowledges late: a task whose worker dies is delivered again. Redis holds an unacknowledged
# message for the visibility timeout before giving it to another worker, so the timeout must exceed the
# longest task (a monthly reset run: at most CALLS_RESET_GROUP_INMATES, 300,000 inmates, under a minute on 2 busy
# CPUs, bench/reset.py) and any countdown (none is used); 15 minutes leaves a wide margin. A longer task would be delivered twice while
# running (tasks are safe to run twice, but it wastes a worker).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=900)}
# The monthly reset's recovery bound (calls/reset.py): beat runs the dispatcher every
# CALLS_RESET_DISPATCH_SECONDS; it queues again a reset with no progress for CALLS_RESET_STALE_SECONDS (a run
# reports after every chunk, about a second each). A reset killed half-way finishes within
# stale + dispatch interval + its remaining run time of a worker coming back: under 5 minutes by default.
CALLS_RESET_DISPATCH_SECONDS = env.float("CALLS_RESET_DISPATCH_SECONDS", default=60.0)
CALLS_RESET_STALE_SECONDS = env.float("CALLS_RESET_STALE_SECONDS", default=120.0)
# Tests only (a worker test kills a run half-way): pause after each chunk. Always 0 outside config/settings/test.py.
CALLS_RESET_CHUNK_PAUSE_SECONDS = 0.0
# Periodic tasks: each app that has some lists its own in <app>/schedule.py (plain data).
from calls.schedule import beat as _calls_beat_every  # noqa: E402
from emergencies.schedule import BEAT as _emergencies_beat  # noqa: E402
from facilities.schedule import BEAT as _facilities_beat  # noqa: E402

CELERY_BEAT_SCHEDULE: dict = {
    **_facilities_beat, **_calls_beat_every(reset_dispatch_seconds=CALLS_RESET_DISPATCH_SECONDS),
    **_emergencies_beat,
}

# Operations (docs/operations.md): /metrics answers only addresses in these networks (CIDR; the client's address as
# the log-in defences see it, facilities.login_security.client_ip), anyone else gets 404. prometheus-client reads
# PROMETHEUS_MULTIPROC_DIR itself: set, every process of a machine writes its figures there and /metrics sums them.
PORTAL_METRICS_NETWORKS = env.list("PORTAL_METRICS_NETWORKS", default=["127.0.0.1/32", "::1/128"])
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
