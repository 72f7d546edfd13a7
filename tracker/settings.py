"""Settings for the register of signed bilateral documents.

Everything an operator changes comes from the environment, so one code base runs on a
laptop (SQLite, DEBUG on) and on a ministry's servers (PostgreSQL).
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    """The variable's value; absent or empty takes the default, so one .env template
    with empty lines works. The helpers below refuse a value that makes no sense."""
    return os.environ.get(name, "").strip() or default


def env_bool(name, default=False):
    value = env_str(name).lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (on or off), not {value!r}.")


def env_list(name, default=""):
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = env_str(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}."
        ) from None


# DEBUG is on unless DJANGO_DEBUG says otherwise, so that `make run` works on a laptop
# with no set-up; `make serve` and tracker/gunicorn.conf.py turn it off. With DEBUG off
# nothing insecure is assumed: the secret key and the host names must be given.
DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not DEBUG:
    _missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"With DJANGO_DEBUG off, {' and '.join(_missing)} must be set: "
            "DJANGO_SECRET_KEY to 50 or more random characters, DJANGO_ALLOWED_HOSTS "
            "to the site's host names, comma-separated (see .env.example)."
        )
if not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
if not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
# The site's origin(s) as browsers see them, e.g. https://register.example.org: needed
# when a proxy terminates TLS and Django is not told (see SECURE_PROXY_SSL_HEADER).
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # before the admin, so that its admin classes see the translation fields
    "modeltranslation",
    "tracker.apps.RegisterAdminConfig",  # django.contrib.admin, our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "csp",
    "axes",
    "django_ratelimit",
    "import_export",
    "agreements",
    # its Jinja2 widget templates, for FORM_RENDERER below
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "agreements.security.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors get public pages from the cache, before sessions and auth.
    "agreements.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of a public page is its address's prefix (none for English); the
    # admin follows the staff member's chosen language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"

# Forms' widgets are rendered by Jinja2 from Django's own Jinja2 copies of its widget
# templates (in django.forms): a form or changelist row renders dozens of widgets, each
# a template with includes, and Jinja2 compiles them to Python. Every other template,
# the admin's widget wrappers included, is found by the Django engine after it
# (FORM_RENDERER, a TemplatesSetting, asks the engines in this order).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agreements.context_processors.register",
                "agreements.context_processors.languages",
            ],
        },
    },
]

# TemplatesSetting, with empty lists of errors rendered without a template
FORM_RENDERER = "agreements.renderers.FormRenderer"

WSGI_APPLICATION = "tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# PostgreSQL's planner prices a random page read at 4 sequential ones, a cost that
# models spinning disks; on solid-state storage, or a register that fits in memory,
# its own documentation suggests about 1.1. With 4 it hashes every body (3,663 at
# the bench's size) to join a page's 50 parties to theirs, 2.5 ms where 50 index
# probes take 0.3. Each connection sets it for itself (no privilege needed);
# DJANGO_PG_RANDOM_PAGE_COST=server keeps the server's own (docs/deployment.md).
_RANDOM_PAGE_COST = env_str("DJANGO_PG_RANDOM_PAGE_COST", "1.1")
if "postgresql" in DATABASES["default"]["ENGINE"] and _RANDOM_PAGE_COST != "server":
    try:
        _cost = float(_RANDOM_PAGE_COST)
    except ValueError:
        raise ImproperlyConfigured(
            "DJANGO_PG_RANDOM_PAGE_COST must be a number or 'server', not "
            f"{_RANDOM_PAGE_COST!r}."
        ) from None
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c random_page_cost={_cost:g}".strip()
    )
# PostgreSQL compiles a query to machine code (JIT) once its estimated cost passes
# jit_above_cost, a compilation made for reports that run for minutes: an admin
# search over every action, estimated high, spent 395 ms of its 817 compiling.
# Pages here answer in milliseconds, so each connection turns it off;
# DJANGO_PG_JIT=server keeps the server's own (docs/deployment.md).
_JIT = env_str("DJANGO_PG_JIT", "off")
if "postgresql" in DATABASES["default"]["ENGINE"] and _JIT != "server":
    if _JIT not in ("on", "off"):
        raise ImproperlyConfigured(
            f"DJANGO_PG_JIT must be 'off', 'on' or 'server', not {_JIT!r}."
        )
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit={_JIT}".strip()

# App servers keep no state of their own: sessions live in the database, with or
# without Redis, so staff can sign in and work while Redis is down (cached_db would
# write each session to the cache and fail with it). The cache is Redis, shared by
# every worker of every host, or else a per-process memory cache.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
REDIS_URL = env_str("REDIS_URL")
# A Redis that stops answering costs one wait this long, then the pause.
_CACHE_TIMEOUT = env_int("DJANGO_CACHE_TIMEOUT_MS", 500) / 1000
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that, after a failure, answers as an empty cache
            # for RETRY_AFTER seconds instead of raising or waiting on every call
            # (see tracker.cache_backend and docs/deployment.md).
            "BACKEND": "tracker.cache_backend.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("DJANGO_CACHE_KEY_PREFIX", "tracker"),
            "RETRY_AFTER": env_int("DJANGO_CACHE_RETRY_AFTER_SECONDS", 30),
            "OPTIONS": {
                "socket_connect_timeout": _CACHE_TIMEOUT,
                "socket_timeout": _CACHE_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tracker",
        }
    }
# How long a public page may be served from the cache (agreements.cache); 0: never.
# Off by default with DEBUG on, so that a template being edited shows at once.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 0 if DEBUG else 600)

# django-axes stands first: it refuses a locked-out login before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Staff sign in through the admin; a login whose ?next= points elsewhere (another site)
# lands on the admin's index rather than on a page that does not exist.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {"NAME": _VALIDATORS + "MinimumLengthValidator"},
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]

# English is the default and keeps the unprefixed addresses; /ru/, /kk/ and /az/ serve
# the same pages in Russian, Kazakh (Cyrillic) and Azerbaijani (Latin). Each language
# is named in itself in the switcher.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("ru", "Русский"),
    ("kk", "Қазақ тілі"),
    ("az", "Azərbaycan dili"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]

# The register's own text in each language (agreements/translation.py): a field
# ``name`` gains ``name_en_gb``, ``name_ru``, ``name_kk`` and ``name_az``; a page
# in a language without the text shows the English, marked as such.
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = (LANGUAGE_CODE,)
# Spreadsheet import and export of documents (agreements/imports.py): importing
# needs the right to add documents, exporting the right to view them.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# the admin's language tabs, from our own static files (the CSP allows no CDN);
# modeltranslation reads this setting without its prefix
JQUERY_UI_URL = "agreements/vendor/jquery-ui/jquery-ui.min.js"

# Dates in full in English, and Kazakh formats (Django has none)
FORMAT_MODULE_PATH = ["tracker.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Documents' files (agreements.models.texts): the file system under MEDIA_ROOT, or an
# S3-compatible bucket with DJANGO_STORAGE=s3 (docs/texts.md). Never served from
# MEDIA_URL: a view serves a published document's files (agreements.texts).
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"
ATTACHMENT_MAX_MB = env_int("DJANGO_ATTACHMENT_MAX_MB", 50)
STORAGE = env_str("DJANGO_STORAGE", "filesystem").lower()
if STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("DJANGO_S3_BUCKET"),
            "endpoint_url": env_str("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": env_str("DJANGO_S3_REGION") or None,
            "access_key": env_str("DJANGO_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("DJANGO_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("DJANGO_S3_PREFIX"),
            # private objects: the public reach them through the view, never the bucket
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if not DEFAULT_STORAGE["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("DJANGO_STORAGE=s3 needs DJANGO_S3_BUCKET.")
elif STORAGE == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(
        f"DJANGO_STORAGE must be filesystem or s3, not {STORAGE!r}."
    )

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# E-mail (follow-up reminders). The console backend prints mail in development.
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "register@localhost")
# Gets one digest of every overdue and due-soon action; empty to send none.
FOLLOWUP_STAFF_EMAIL = env_str("FOLLOWUP_STAFF_EMAIL")
# The site's address for links in e-mails, e.g. https://register.example.org
FOLLOWUP_BASE_URL = env_str("FOLLOWUP_BASE_URL")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# History records who changed what; the admin shows it on each record.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Reverting restores the document row only, not its parties and sources: misleading.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Security -------------------------------------------------------------------------
# The headers are sent with DEBUG on too, so development sees what production does.
# With DEBUG off the site is HTTPS-only unless the environment says otherwise: plain
# HTTP is redirected and HSTS is sent, so `manage.py check --deploy` passes with only
# the three required variables. Each can be turned off (docs/deployment.md says when).

# Behind a proxy that terminates TLS Django sees plain HTTP. Set
# DJANGO_SECURE_PROXY_SSL_HEADER=1 to trust the proxy's X-Forwarded-Proto: only when
# the proxy always sets (overwrites) that header.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# 0 when the proxy in front redirects to HTTPS itself, or for a plain-HTTP trial.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP and expect 200, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# An hour to start with, so a mistake is undone in an hour; operators raise it to a
# year (31536000) once HTTPS works. 0 turns HSTS off (the proxy sends its own).
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 3600)
# The site's own subdomains only (not its parent domain's), so on with HSTS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", bool(SECURE_HSTS_SECONDS)
)
# Preloading puts the domain in browsers for months: the domain owner's decision
# (hstspreload.org), never a default, so check --deploy's reminder of it is silenced.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Cookies travel over HTTPS only once DEBUG is off (DJANGO_SECURE_COOKIES=0 for a trial
# over plain HTTP). No script reads the CSRF cookie (forms carry the token), so it is
# HttpOnly like the session cookie.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool(
    "DJANGO_SECURE_COOKIES", not DEBUG
)
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True

# A larger body is refused with 413 before it is read (agreements.security); form
# fields alone are capped lower still, by Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
MAX_REQUEST_BODY_BYTES = env_int("DJANGO_MAX_REQUEST_BYTES", 5 * 1024 * 1024)

# Content-Security-Policy (django-csp): everything from this site, nothing inline, no
# framing. Django's admin and the public pages need nothing more.
SIMPLE_HISTORY_STYLE = "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # One exception: django-simple-history's history page has the inline style
        # attribute style="border-top: 0". Its hash allows that exact value, no other.
        "style-src-attr": [UNSAFE_HASHES, SIMPLE_HISTORY_STYLE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login protection (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failed logins for one
# username from one address, that pair is locked out for DJANGO_LOGIN_COOLOFF_MINUTES
# (each further try restarts the wait). Locking the pair, not the account alone, keeps
# a stranger from locking a colleague out. Attempts are stored in the database, so
# every app server sees them; the lockout is logged by axes.handlers.database.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/locked_out.html"
# The log names the username and address (axes masks them by default): a lockout
# record that says neither is no help to whoever investigates it.
AXES_SENSITIVE_PARAMETERS = []
# Behind DJANGO_TRUSTED_PROXY_COUNT proxies the client's address is read from
# X-Forwarded-For (agreements.security.client_ip); 0 means clients connect directly.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "agreements.security.client_ip"


# Rate limits (django-ratelimit) on the public endpoints that do real work: the
# calendar, and searches (agreements.security.rate_limited). Counted per client address
# (as axes reads it) in the default cache; answers from the page cache are not
# counted, and signed-in staff are never limited. "N/s", "N/m", "N/h"; "off": no limit.
def env_rate(name, default):
    """A rate limit: "N/s", "N/m", "N/h" or "N/d"; "off" for none."""
    value = env_str(name, default)
    if value.lower() == "off":
        return None
    if not re.fullmatch(r"\d+/[smhd]", value):
        raise ImproperlyConfigured(f'{name} must be like "60/m", or "off"')
    return value


RATE_LIMITS = {
    "calendar": env_rate("DJANGO_RATE_LIMIT_CALENDAR", "20/m"),
    "search": env_rate("DJANGO_RATE_LIMIT_SEARCH", "60/m"),
}
RATELIMIT_USE_CACHE = "default"
# With the cache down (Redis stopped), requests go through rather than all refused.
RATELIMIT_FAIL_OPEN = True
# FailSoftRedisCache is Django's RedisCache (atomic increments) under another name.
SILENCED_SYSTEM_CHECKS.append("django_ratelimit.W001")
if not REDIS_URL:
    # Without Redis each worker process counts in its own memory: a client gets up to
    # the rate times the number of workers, still a bound on one client's flood.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# --- Open data (issue 17): the licence, the bulk files, the exports' limit and the
# read-only JSON API at /api/v1/ (agreements.api, docs/api.md, docs/open-data.md)
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]
# The licence the register's data is published under: shown on /data/, written into
# every bulk file's data package, and named in every API response (a "licence" key
# and a Link: <url>; rel="license" header).
DATA_LICENCE = {
    "name": env_str("DJANGO_DATA_LICENCE_NAME", "CC BY 4.0"),
    "url": env_str(
        "DJANGO_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
    ),
}
# Where `manage.py build_open_data` writes the bulk files (a cron job); the web server
# serves OPEN_DATA_ROOT/current/ at /data/files/ (docs/open-data.md).
OPEN_DATA_ROOT = Path(env_str("DJANGO_OPEN_DATA_ROOT") or BASE_DIR / "opendata")
# The site's address for the URLs written in the bulk files, e.g.
# https://register.example.org (empty: the address for links in e-mails).
OPEN_DATA_BASE_URL = env_str("DJANGO_OPEN_DATA_BASE_URL") or FOLLOWUP_BASE_URL
# A whole list as CSV or XLSX reads every matching document: limited per client.
RATE_LIMITS["export"] = env_rate("DJANGO_RATE_LIMIT_EXPORT", "10/m")
# Anonymous API requests per client address (DRF's throttling, in the default cache,
# as the pages' limits; agreements.api.throttling): 429 with Retry-After.
RATE_LIMITS["api"] = env_rate("DJANGO_RATE_LIMIT_API", "120/m")
REST_FRAMEWORK = {
    # read-only and public: no session, so no CSRF, and the same answer for everyone
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["agreements.api.throttling.AnonymousThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "agreements.api.exceptions.exception_handler",
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Register of signed bilateral documents: open data API",
    "DESCRIPTION": (
        "Read-only JSON API of the register's published records. Field names are "
        "stable within a major version; see docs/api.md for the changelog."
    ),
    # The API's version (not an operator's setting): raise it with each change of the
    # schema, with a line in docs/api.md's changelog (tests/test_api_schema.py).
    "VERSION": "1.2.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "agreements.api.schema.error_responses",
    ],
    # each choice set named once, by what it is (stable names in the schema)
    "ENUM_NAME_OVERRIDES": {
        "DocumentKindEnum": "agreements.models.Document.Kind",
        "LegalStatusEnum": "agreements.models.Document.LegalStatus",
        "FollowUpStatusEnum": "agreements.models.Document.FollowUpStatus",
        "BodyKindEnum": "agreements.models.Body.Kind",
        "EventKindEnum": "agreements.models.Event.Kind",
        "ActionStatusEnum": "agreements.models.Action.Status",
        "ConfidenceEnum": "agreements.models.Confidence",
        "PrecisionEnum": "agreements.models.DuePrecision",
        "DateKindEnum": "agreements.models.DateKind",
        "StepKindEnum": "agreements.models.StepKind",
        "EntryIntoForceRuleEnum": "agreements.models.Document.EntryIntoForce",
        "IdentifierKindEnum": "agreements.models.DocumentIdentifier.Kind",
        "TextKindEnum": "agreements.models.Attachment.Kind",
    },
    # the documentation page's scripts and styles from our own static files
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# --- End of open data ---------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str("DJANGO_LOG_LEVEL", "WARNING").upper(),
    },
}
