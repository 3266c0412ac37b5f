"""Production: PostgreSQL, Redis, gunicorn behind TLS. Every secret comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
# The log-in counters must be shared by every web process: Redis (by default the broker's server).
CACHES = {"default": env.cache("DJANGO_CACHE_URL", default=CELERY_BROKER_URL)}
CACHES["default"].setdefault("KEY_PREFIX", "portal")
# The documented deployment: one TLS proxy in front of gunicorn, which appends the client to X-Forwarded-For.
PORTAL_TRUSTED_PROXY_COUNT = env.int("PORTAL_TRUSTED_PROXY_COUNT", default=1)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
# The __Host- prefix: browsers keep the cookie only if it is Secure, for Path=/ and with no Domain (this host only).
SESSION_COOKIE_NAME = "__Host-sessionid"
SESSION_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)

# E-mails to wardens carry absolute links: the address must be given, and be https.
PORTAL_BASE_URL = env("PORTAL_BASE_URL").rstrip("/")
if not PORTAL_BASE_URL.startswith("https://") or len(PORTAL_BASE_URL) <= len("https://"):
    raise ImproperlyConfigured(
        f"PORTAL_BASE_URL must be the portal's https address, e.g. https://portal.example.org (got {PORTAL_BASE_URL!r})."
    )

# /health/ (load balancers) and /metrics (Prometheus) are asked over plain HTTP inside the network: no https redirect.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]

# One JSON line per log record (python-json-logger): requests and tasks (operations/requestlog.py,
# operations/receivers.py) carry their fields; a telephone number in any message is replaced before it is written.
# The worker logs through the same configuration (Celery does not replace it), without Celery's own line per task
# (it would print the task's return value): operations/receivers.py writes one.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"no_numbers": {"()": "operations.requestlog.NoTelephoneNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["no_numbers"]}},
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
