"""Attacks on the admin and the headers every response carries.

- CSRF: every POST to every admin URL without a token is refused and stores nothing.
- The login's ``next`` parameter never sends anyone to another site.
- A Host not in ALLOWED_HOSTS gets 400.
- A 10 MB body is refused (413) before anything reads it; the server carries on.
- Repeated failed logins lock the username out from that address (django-axes).
- Security headers: CSP without 'unsafe-inline', nosniff, Referrer-Policy, framing.
"""

import logging
import re
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import quote, urlsplit

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import URLResolver, reverse
from django.utils import timezone

from agreements.models import Document
from agreements.security import client_ip
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # noqa: S105
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def staff():
    return get_user_model().objects.create_superuser(
        "alice", "alice@example.org", PASSWORD
    )


def row_counts():
    """Rows in every table a request could write to."""
    return {
        model._meta.label: model._base_manager.count() for model in apps.get_models()
    }


# --- Security headers -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/agreements/", "/admin/login/", "/healthz"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    policy = response["Content-Security-Policy"]
    directives = {
        part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
    }
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_csrf_cookie_is_http_only(client):
    response = client.get("/admin/login/")
    assert response.cookies["csrftoken"]["httponly"] is True


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
)
def test_https_redirect_and_hsts_behind_a_tls_proxy(client):
    plain = client.get("/agreements/?kind=treaty")
    assert plain.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert plain["Location"] == "https://testserver/agreements/?kind=treaty"
    assert "Strict-Transport-Security" not in plain
    secure = client.get("/agreements/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == HTTPStatus.OK
    assert secure["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    # Load balancers probe over plain HTTP: no redirect for the health checks.
    assert client.get("/healthz").status_code == HTTPStatus.OK
    assert client.get("/readyz").status_code == HTTPStatus.OK


# --- CSRF on every admin form ---------------------------------------------------------


def admin_patterns(patterns=None):
    """Every URL pattern of the admin site."""
    for pattern in admin.site.urls[0] if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from admin_patterns(pattern.url_patterns)
        else:
            yield pattern


def model_of(url_name):
    """The model an admin URL name such as ``auth_user_password_change`` is about."""
    for model in admin.site._registry:
        if url_name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def admin_post_urls(instances):
    """A URL for every admin view, filled in with a real object where one is needed."""
    urls = []
    for pattern in admin_patterns():
        name = pattern.name
        if name is None:  # the catch-all and the bare "<id>/" redirects
            continue
        obj = instances.get(model_of(name))
        if name.endswith("_simple_history"):  # a past version of a record
            if obj is not None:
                record = obj.history.first()
                urls.append(reverse(f"admin:{name}", args=(obj.pk, record.history_id)))
            continue
        kwargs = {}
        for argument in pattern.pattern.regex.groupindex:
            if argument in ("object_id", "id") and obj is not None:
                kwargs[argument] = obj.pk
            elif argument == "app_label":
                kwargs[argument] = "agreements"
            elif argument == "content_type_id":  # "view on site"
                kwargs[argument] = instances[Document].pk
            else:
                break
        else:
            urls.append(reverse(f"admin:{name}", kwargs=kwargs))
    return urls


@pytest.fixture
def every_record(staff):
    """At least one row of every model the admin edits."""
    call_command("loaddata", "kz_az_2023", "kz_az_2023_followup", verbosity=0)
    instances = {}
    for model in admin.site._registry:
        obj = model._base_manager.first()
        if obj is None:
            factory = getattr(factories, f"{model.__name__}Factory", None)
            if factory is not None:
                obj = factory()
        if obj is None and model is AccessAttempt:
            Client().post("/admin/login/", {"username": "x", "password": "wrong"})
            obj = AccessAttempt.objects.first()
        if obj is not None:
            if hasattr(obj, "history") and not obj.history.exists():
                obj.save()  # a history record, for the admin's "past version" view
            instances[model] = obj
    return instances


def test_csrf_is_enforced_on_every_admin_form(staff, every_record):
    attacker = Client(enforce_csrf_checks=True)
    attacker.force_login(staff)
    urls = admin_post_urls(every_record)
    # Every model's add, change, delete and changelist views are among them.
    for model in admin.site._registry:
        if model._meta.app_label in {"agreements", "auth"}:
            opts = model._meta
            for view in ("add", "changelist"):
                assert (
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}") in urls
                )
            for view in ("change", "delete", "history"):
                url = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_{view}",
                    args=(every_record[model].pk,),
                )
                assert url in urls
    assert reverse("admin:login") in urls
    assert reverse("admin:password_change") in urls
    assert len(urls) > 100
    before = row_counts()
    document = Document.objects.first()
    for url in urls:
        response = attacker.post(
            url,
            {
                "title": "Forged",
                "name": "Forged",
                "action": "delete_selected",
                "_selected_action": [document.pk],
                "post": "yes",
                "password1": "forged-password-1234",
                "password2": "forged-password-1234",
            },
        )
        assert response.status_code == HTTPStatus.FORBIDDEN, url
        assert b"CSRF verification failed" in response.content, url
    assert row_counts() == before
    document.refresh_from_db()
    assert document.title != "Forged"


def test_the_same_admin_post_with_its_token_goes_through(staff):
    # The control for the test above: what is refused there is the missing token.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    url = reverse("admin:auth_group_add")
    browser.get(url)
    token = browser.cookies["csrftoken"].value
    refused = browser.post(url, {"name": "Reviewers"})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert not Group.objects.filter(name="Reviewers").exists()
    accepted = browser.post(url, {"name": "Reviewers", "csrfmiddlewaretoken": token})
    assert accepted.status_code == HTTPStatus.FOUND
    assert Group.objects.filter(name="Reviewers").exists()


# --- The login's next parameter -------------------------------------------------------

FOREIGN_TARGETS = [
    "https://evil.example/",
    "http://evil.example/admin/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    " //evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_login_next_cannot_redirect_to_another_site(client, staff, target):
    response = client.post(
        f"/admin/login/?next={quote(target)}",
        {"username": "alice", "password": PASSWORD, "next": target},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == HTTPStatus.OK  # signed in all the same


def test_login_next_on_this_site_is_followed(client, staff):
    # The control: a local next is followed, so the test above can fail.
    response = client.post(
        "/admin/login/?next=/admin/agreements/document/",
        {"username": "alice", "password": PASSWORD, "next": "/admin/agreements/"},
    )
    assert response["Location"] == "/admin/agreements/"


@pytest.mark.parametrize("target", FOREIGN_TARGETS[:4])
def test_logout_next_cannot_redirect_to_another_site(client, staff, target):
    client.force_login(staff)
    response = client.post(f"/admin/logout/?next={quote(target)}")
    location = response.get("Location", "")
    assert "evil.example" not in location
    assert not urlsplit(location).netloc


# --- Hosts ----------------------------------------------------------------------------


@override_settings(ALLOWED_HOSTS=["register.example.org"])
@pytest.mark.parametrize("url", ["/", "/agreements/", "/admin/login/", "/healthz"])
def test_a_host_not_allowed_gets_400(client, url):
    assert client.get(url, HTTP_HOST="evil.example").status_code == 400
    assert client.get(url, HTTP_HOST="register.example.org.evil").status_code == 400
    allowed = client.get(url, HTTP_HOST="register.example.org")
    assert allowed.status_code == HTTPStatus.OK


@override_settings(ALLOWED_HOSTS=["register.example.org"])
def test_a_forwarded_host_is_not_trusted(client):
    response = client.get(
        "/admin/",
        HTTP_HOST="register.example.org",
        HTTP_X_FORWARDED_HOST="evil.example",
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "evil.example" not in response["Location"]


def test_a_host_not_allowed_gets_400_with_the_default_hosts(client):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


# --- A 10 MB body ---------------------------------------------------------------------


def test_a_10_mb_form_posted_to_the_admin_login_is_refused(client, staff):
    before = row_counts()
    response = client.post(
        "/admin/login/",
        b"username=alice&password=" + b"x" * TEN_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert b"too large" in response.content
    assert row_counts() == before
    assert client.get("/healthz").status_code == HTTPStatus.OK


def test_a_10_mb_upload_with_a_valid_form_stores_nothing(staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    url = reverse("admin:auth_group_add")
    browser.get(url)
    token = browser.cookies["csrftoken"].value
    before = row_counts()
    # Files do not count towards Django's field limit: without the cap this valid
    # form would be saved, its 10 MB spooled to a temporary file first.
    response = browser.post(
        url,
        {
            "name": "Uploaders",
            "csrfmiddlewaretoken": token,
            "attachment": ("big.bin", b"\0" * TEN_MB),
        },
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert row_counts() == before
    assert not Group.objects.filter(name="Uploaders").exists()


def test_form_fields_over_djangos_limit_get_400_not_500(client, staff):
    client.force_login(staff)
    before = row_counts()
    response = client.post(
        reverse("admin:auth_group_add"),
        b"name=Big&filler=" + b"x" * (3 * 1024 * 1024),  # under the 5 MB cap
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert row_counts() == before


def test_a_malformed_content_length_gets_400(client):
    response = client.generic("POST", "/admin/login/", b"", CONTENT_LENGTH="lots")
    assert response.status_code == HTTPStatus.BAD_REQUEST


# --- Login lockout (django-axes) ------------------------------------------------------


def fail_login(client, username="alice", **extra):
    return client.post(
        "/admin/login/", {"username": username, "password": "wrong guess"}, **extra
    )


def log_in(client, **extra):
    return client.post(
        "/admin/login/", {"username": "alice", "password": PASSWORD}, **extra
    )


def test_five_failed_logins_lock_the_user_out_from_that_address(
    client, staff, caplog, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    caplog.set_level(logging.WARNING, logger="axes")
    for _ in range(4):
        response = fail_login(client)
        assert response.status_code == HTTPStatus.OK
        assert b"Please enter the correct username and password" in response.content
    assert not any("Locking out" in r.getMessage() for r in caplog.records)

    locked = fail_login(client)
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    lockouts = [r for r in caplog.records if "Locking out" in r.getMessage()]
    assert len(lockouts) == 1
    assert lockouts[0].levelno == logging.WARNING
    # The record says who and from where.
    assert 'username: "alice"' in lockouts[0].getMessage()
    assert 'ip_address: "127.0.0.1"' in lockouts[0].getMessage()
    # Even the right password is refused now, with a page that says why.
    response = log_in(client)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    text = response.content.decode()
    assert "Sign-in locked" in text
    assert "5 failed attempts" in text
    assert "30 minutes" in text
    assert "alice" in text
    assert client.get("/admin/").status_code == HTTPStatus.FOUND  # not signed in


def test_a_lockout_holds_only_for_that_address_and_the_cool_off(client, staff):
    for _ in range(5):
        fail_login(client)
    assert log_in(client).status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Someone else cannot lock alice out from their own address...
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert log_in(other).status_code == HTTPStatus.FOUND
    # ...and after the cool-off she may try again from hers.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert log_in(client).status_code == HTTPStatus.FOUND


def test_the_lockout_page_escapes_the_username(client):
    name = "<script>alert(1)</script>"
    for _ in range(5):
        response = fail_login(client, username=name)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert name.encode() not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_lockout_follows_the_forwarded_client(client, staff):
    # The proxy appends the address it saw; what the client sent before it is ignored.
    for n in range(5):
        fail_login(
            client,
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "203.0.113.7"
    }
    locked = log_in(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Another client behind the same proxy is not locked out.
    other = log_in(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == HTTPStatus.FOUND


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy: the header is the client's own
        (1, "", "10.0.0.2"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "192.0.2.1, 203.0.113.7", "203.0.113.7"),
        (2, "192.0.2.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.2"),  # shorter than the proxies: not trusted
    ],
)
def test_client_ip_counts_trusted_proxies_from_the_right(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **extra)
    assert client_ip(request) == expected


def test_a_successful_login_resets_the_failure_count(client, staff):
    for _ in range(4):
        fail_login(client)
    assert log_in(client).status_code == HTTPStatus.FOUND
    client.logout()
    for _ in range(4):
        assert fail_login(client).status_code == HTTPStatus.OK
    assert log_in(client).status_code == HTTPStatus.FOUND


def test_the_lockout_page_gives_the_cool_off_in_minutes():
    from django.template.loader import render_to_string

    html = render_to_string(
        "axes/locked_out.html",
        {
            "failure_limit": 5,
            "username": "bob",
            "cooloff_timedelta": timedelta(minutes=30),
        },
    )
    assert re.search(r"blocked\s+for\s+30 minutes", html)
