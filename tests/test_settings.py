"""Settings from the environment: safe refusals, the cache and session switch, and a
production environment that passes ``manage.py check --deploy`` without a warning.

Each test starts a fresh Python with a chosen environment (settings are read once, at
import), inheriting nothing of the caller's DJANGO_*, DATABASE_URL or REDIS_URL.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = BASE_DIR / ".env.example"

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": s.CACHES["default"].get("LOCATION"),
    "CACHE_OPTIONS": s.CACHES["default"].get("OPTIONS", {}),
    "CACHE_RETRY_AFTER": s.CACHES["default"].get("RETRY_AFTER"),
    "SESSION_ENGINE": s.SESSION_ENGINE,
    "PAGE_CACHE_SECONDS": s.PAGE_CACHE_SECONDS,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_HSTS_PRELOAD": s.SECURE_HSTS_PRELOAD,
    "TRUSTED_PROXY_COUNT": s.TRUSTED_PROXY_COUNT,
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "AXES_COOLOFF_MINUTES": s.AXES_COOLOFF_TIME.total_seconds() / 60,
    "STATICFILES_BACKEND": s.STORAGES["staticfiles"]["BACKEND"],
    "DATABASE_OPTIONS": s.DATABASES["default"].get("OPTIONS", {}),
    "RATE_LIMITS": s.RATE_LIMITS,
    "DATA_LICENCE": s.DATA_LICENCE,
}))
"""


def secret_key():
    return secrets.token_urlsafe(50)


def clean_env(**variables):
    """The environment of the parent process minus the project's own variables."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "FOLLOWUP_"))
        and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "tracker.settings"
    env["DATABASE_URL"] = "sqlite:////tmp/tracker-settings-test-unused.sqlite3"
    env.update(variables)
    return env


def run(args, **variables):
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_with(**variables):
    completed = run(["-c", PRINT_SETTINGS], **variables)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def production_env():
    """Every variable of .env.example with its value there, plus a real secret key."""
    variables = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
    variables["DJANGO_SECRET_KEY"] = secret_key()
    # Settings only: nothing here connects to the database or Redis.
    variables["DATABASE_URL"] = "sqlite:////tmp/tracker-settings-test-unused.sqlite3"
    return variables


# --- Refusing to start ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"DJANGO_ALLOWED_HOSTS": "register.example.org"},
            "DJANGO_SECRET_KEY must be set",
        ),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_ALLOWED_HOSTS must be set"),
        ({}, "DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set"),
        (
            {"DJANGO_SECRET_KEY": "  ", "DJANGO_ALLOWED_HOSTS": " , "},
            "DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set",
        ),
    ],
    ids=["no-secret-key", "no-allowed-hosts", "neither", "blank-values"],
)
def test_debug_off_refuses_to_start_without_secret_key_and_hosts(variables, message):
    completed = run(["manage.py", "check"], DJANGO_DEBUG="0", **variables)
    assert completed.returncode != 0
    assert message in completed.stderr
    assert "ImproperlyConfigured" in completed.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be 1 or 0"),
        ("DJANGO_PAGE_CACHE_SECONDS", "ten", "DJANGO_PAGE_CACHE_SECONDS must be"),
        ("DJANGO_LOGIN_FAILURE_LIMIT", "5.5", "DJANGO_LOGIN_FAILURE_LIMIT must be"),
    ],
)
def test_a_value_that_makes_no_sense_is_refused_with_its_name(name, value, message):
    completed = run(["-c", PRINT_SETTINGS], **{name: value})
    assert completed.returncode != 0
    assert message in completed.stderr


# --- What the environment sets --------------------------------------------------------


def test_debug_on_by_default_with_local_hosts_and_plain_cookies():
    values = settings_with()
    assert values["DEBUG"] is True
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]", "testserver"]
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["STATICFILES_BACKEND"].endswith(".StaticFilesStorage")


def test_debug_off_uses_exactly_the_given_hosts_and_secure_defaults():
    values = settings_with(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret_key(),
        DJANGO_ALLOWED_HOSTS="register.example.org, www.register.example.org",
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == [
        "register.example.org",
        "www.register.example.org",
    ]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["STATICFILES_BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_without_redis_the_cache_is_per_process_and_sessions_in_the_database():
    values = settings_with()
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_redis_url_makes_redis_the_shared_cache_and_keeps_sessions_out_of_it():
    values = settings_with(REDIS_URL="redis://cache.example.org:6379/3")
    assert values["CACHE_BACKEND"] == "tracker.cache_backend.FailSoftRedisCache"
    assert values["CACHE_LOCATION"] == "redis://cache.example.org:6379/3"
    # A Redis that is down or hung must not sign staff out or refuse logins.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    # Short waits, then the cache is skipped for a while (tracker.cache_backend).
    assert values["CACHE_OPTIONS"] == {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
    }
    assert values["CACHE_RETRY_AFTER"] == 30


def test_the_redis_timeouts_and_pause_come_from_the_environment():
    values = settings_with(
        REDIS_URL="redis://cache.example.org:6379/3",
        DJANGO_CACHE_TIMEOUT_MS="200",
        DJANGO_CACHE_RETRY_AFTER_SECONDS="10",
    )
    assert values["CACHE_OPTIONS"]["socket_timeout"] == 0.2
    assert values["CACHE_OPTIONS"]["socket_connect_timeout"] == 0.2
    assert values["CACHE_RETRY_AFTER"] == 10


def test_page_cache_login_and_proxy_settings_come_from_the_environment():
    defaults = settings_with()
    # DEBUG on (the default): no page cache, so an edited template shows at once.
    assert defaults["PAGE_CACHE_SECONDS"] == 0
    production = settings_with(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret_key(),
        DJANGO_ALLOWED_HOSTS="x.example",
    )
    assert production["PAGE_CACHE_SECONDS"] == 600
    assert defaults["AXES_FAILURE_LIMIT"] == 5
    assert defaults["AXES_COOLOFF_MINUTES"] == 30
    assert defaults["TRUSTED_PROXY_COUNT"] == 0
    assert defaults["SECURE_PROXY_SSL_HEADER"] is None
    values = settings_with(
        DJANGO_PAGE_CACHE_SECONDS="45",
        DJANGO_LOGIN_FAILURE_LIMIT="3",
        DJANGO_LOGIN_COOLOFF_MINUTES="90",
        DJANGO_TRUSTED_PROXY_COUNT="2",
        DJANGO_SECURE_PROXY_SSL_HEADER="1",
    )
    assert values["PAGE_CACHE_SECONDS"] == 45
    assert values["AXES_FAILURE_LIMIT"] == 3
    assert values["AXES_COOLOFF_MINUTES"] == 90
    assert values["TRUSTED_PROXY_COUNT"] == 2
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


PG_URL = "postgres://tracker@db.example:5432/tracker"


@pytest.mark.parametrize(
    ("variables", "limits"),
    [
        ({}, {"calendar": "20/m", "search": "60/m"}),
        ({"DJANGO_RATE_LIMIT_CALENDAR": ""}, {"calendar": "20/m", "search": "60/m"}),
        ({"DJANGO_RATE_LIMIT_SEARCH": "off"}, {"calendar": "20/m", "search": None}),
        ({"DJANGO_RATE_LIMIT_CALENDAR": "5/s"}, {"calendar": "5/s", "search": "60/m"}),
        (
            {"DJANGO_RATE_LIMIT_EXPORT": "off"},
            {"export": None},
        ),
        ({"DJANGO_RATE_LIMIT_API": "off"}, {"api": None}),
        ({"DJANGO_RATE_LIMIT_API": "10/s"}, {"api": "10/s"}),
    ],
    ids=["default", "empty", "off", "set", "export-off", "api-off", "api-set"],
)
def test_rate_limits_come_from_the_environment(variables, limits):
    limits = {
        "calendar": "20/m",
        "search": "60/m",
        "export": "10/m",
        "api": "120/m",
        **limits,
    }
    assert settings_with(**variables)["RATE_LIMITS"] == limits


def test_the_data_licence_comes_from_the_environment():
    assert settings_with()["DATA_LICENCE"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    chosen = settings_with(
        DJANGO_DATA_LICENCE_NAME="ODbL 1.0",
        DJANGO_DATA_LICENCE_URL="https://opendatacommons.org/licenses/odbl/1-0/",
    )["DATA_LICENCE"]
    assert chosen == {
        "name": "ODbL 1.0",
        "url": "https://opendatacommons.org/licenses/odbl/1-0/",
    }


def test_a_rate_limit_that_makes_no_sense_is_refused():
    completed = run(["-c", PRINT_SETTINGS], DJANGO_RATE_LIMIT_SEARCH="lots")
    assert completed.returncode != 0
    assert 'DJANGO_RATE_LIMIT_SEARCH must be like "60/m", or "off"' in completed.stderr


def test_postgresql_binds_parameters_in_the_client_and_prices_random_reads_low():
    # settings only: nothing connects to db.example. Django's default: server-side
    # binding caps a query at 65,535 parameters. The planner's random page cost is
    # the one PostgreSQL's documentation gives for solid-state storage.
    values = settings_with(DATABASE_URL=PG_URL, DJANGO_PG_JIT="server")
    assert values["DATABASE_OPTIONS"] == {"options": "-c random_page_cost=1.1"}
    values = settings_with(
        DATABASE_URL=PG_URL, DJANGO_PG_RANDOM_PAGE_COST="2", DJANGO_PG_JIT="server"
    )
    assert values["DATABASE_OPTIONS"] == {"options": "-c random_page_cost=2"}
    values = settings_with(
        DATABASE_URL=PG_URL, DJANGO_PG_RANDOM_PAGE_COST="server", DJANGO_PG_JIT="server"
    )
    assert values["DATABASE_OPTIONS"] == {}
    # SQLite has no such setting
    assert settings_with()["DATABASE_OPTIONS"] == {}


def test_postgresql_compiles_no_query_to_machine_code_unless_asked():
    # JIT compilation is for reports that run for minutes, not pages
    values = settings_with(DATABASE_URL=PG_URL)
    assert values["DATABASE_OPTIONS"] == {
        "options": "-c random_page_cost=1.1 -c jit=off"
    }
    values = settings_with(DATABASE_URL=PG_URL, DJANGO_PG_JIT="on")
    assert values["DATABASE_OPTIONS"] == {
        "options": "-c random_page_cost=1.1 -c jit=on"
    }
    values = settings_with(
        DATABASE_URL=PG_URL, DJANGO_PG_RANDOM_PAGE_COST="server", DJANGO_PG_JIT="server"
    )
    assert values["DATABASE_OPTIONS"] == {}
    completed = run(["-c", PRINT_SETTINGS], DATABASE_URL=PG_URL, DJANGO_PG_JIT="fast")
    assert completed.returncode != 0
    assert "DJANGO_PG_JIT must be 'off', 'on' or 'server'" in completed.stderr


def test_a_random_page_cost_that_is_not_a_number_is_refused():
    completed = run(
        ["-c", PRINT_SETTINGS],
        DATABASE_URL=PG_URL,
        DJANGO_PG_RANDOM_PAGE_COST="1.1; DROP TABLE",
    )
    assert completed.returncode != 0
    assert "DJANGO_PG_RANDOM_PAGE_COST must be a number" in completed.stderr


# --- Production -----------------------------------------------------------------------


def minimal_production_env():
    """Only what DEBUG off requires."""
    return {
        "DJANGO_SECRET_KEY": secret_key(),
        "DJANGO_ALLOWED_HOSTS": "register.example.org",
        "DJANGO_DEBUG": "0",
    }


def test_debug_off_redirects_to_https_and_sends_hsts_by_default():
    values = settings_with(**minimal_production_env())
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 3600  # short at first: operators raise it
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False  # the domain owner's decision


def test_debug_on_neither_redirects_nor_sends_hsts():
    values = settings_with()
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_the_environment_turns_the_https_redirect_and_hsts_off():
    # Behind a proxy that redirects to HTTPS and sends its own HSTS header.
    values = settings_with(
        **minimal_production_env(),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False


def test_check_deploy_passes_with_only_the_three_required_variables():
    completed = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **minimal_production_env(),
    )
    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout


def test_check_deploy_reports_no_issue_with_the_production_environment():
    completed = run(["manage.py", "check", "--deploy"], **production_env())
    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout
    assert "WARNINGS" not in completed.stderr + completed.stdout


def test_check_deploy_names_the_https_settings_turned_off():
    # The same check fails when HTTPS is turned off: it would catch a setting that
    # stopped being applied.
    variables = production_env()
    variables["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    variables["DJANGO_SECURE_HSTS_SECONDS"] = "0"
    variables["DJANGO_SECURE_COOKIES"] = "0"
    completed = run(["manage.py", "check", "--deploy"], **variables)
    for warning in ("security.W004", "security.W008", "security.W012", "W016"):
        assert warning in completed.stderr


def test_env_example_documents_every_variable_the_settings_read():
    read = set()
    for path in (
        BASE_DIR / "tracker" / "settings.py",
        BASE_DIR / "tracker" / "gunicorn.conf.py",
    ):
        source = path.read_text()
        read |= set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source))
        read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', source))
    read.add("DATABASE_URL")  # read by dj-database-url
    read.discard("DJANGO_SETTINGS_MODULE")
    documented = set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE.read_text(), re.M))
    assert len(read) > 25  # the patterns above still find the settings' variables
    assert read - documented == set()
