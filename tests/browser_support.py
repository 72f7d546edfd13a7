"""The harness the browser and accessibility tests share.

Loaded as a pytest plugin by ``test_browser.py`` and ``test_accessibility.py``
(``pytest_plugins = ["tests.browser_support"]``), so its fixtures and hooks are loaded
only by runs that collect those modules.

- ``browser``: one headless Debian Chromium for each run of consecutive browser tests,
  driven by Playwright's sync API; it stops before any other test. Playwright's own
  browser downloads are never used: the executable comes from conftest's
  ``chromium_path`` (skipped where missing, failed under REQUIRE_ALL=1).
- ``page``: a fresh browser context per test (desktop 1280 px wide) whose
  ``base_url`` is pytest-django's ``live_server``; a failing test leaves a screenshot.
- ``register``: the real 10 April 2023 package plus enough factory-made documents for
  two pages of KZ–AZ memoranda, other countries' documents and one unpublished draft.
- ``PUBLIC_PAGES``: every public page the checkers visit, one test id each.
- ``SessionReport`` with ``axe_pages`` (axe-core in Chromium) and ``check_html`` (the
  Nu HTML Checker, one Java run): each checker goes over every page once a session.

The test modules import helpers from here before pytest loads it as a plugin, too late
for assertion rewriting, which it does not need (it asserts nothing):
PYTEST_DONT_REWRITE says so and keeps pytest from warning.
"""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from django.urls import reverse
from django.utils.translation import override

from agreements.models import Document
from agreements.opendata.build import build as build_open_data
from tests.conftest import skip_or_fail
from tests.factories import bilateral_document

TESTS_DIR = Path(__file__).resolve().parent
JS_DIR = TESTS_DIR / "js"
AXE_JS = JS_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = JS_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
NPM_HINT = "npm ci --prefix tests/js --ignore-scripts --no-audit --no-fund"

# Debian's Chromium in a container: no sandbox (we run as root), no GPU, and nothing
# that phones home, since the machine has no internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def screenshot_dir():
    """Where screenshots go: $SCREENSHOT_DIR, else tests/artifacts/ (git-ignored)."""
    path = Path(os.environ.get("SCREENSHOT_DIR") or TESTS_DIR / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- The browser ----------------------------------------------------------------------


class _Chromium:
    """Starts Playwright and Chromium on first use, for a run of browser tests."""

    def __init__(self):
        self._playwright = None
        self._browser = None
        self._saved_async_unsafe = None

    def get(self, executable):
        if self._browser is None:
            # Playwright's sync API keeps an event loop running in this thread, and
            # Django refuses ORM calls from a thread with a running loop. Test code
            # here is synchronous, so the guard is safely off while the browser lives.
            self._saved_async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            from playwright.sync_api import sync_playwright

            threads_connections = {alias: connections[alias] for alias in connections}
            self._playwright = sync_playwright().start()
            # Django keeps its connections per thread, but per context while an
            # event loop runs in the thread, as Playwright's now does between calls.
            # Without this the tests would get fresh connections that lack the test
            # database's serialized contents (so ``serialized_rollback`` restores
            # nothing), and on PostgreSQL stay open when the database is dropped.
            for alias, connection in threads_connections.items():
                connections[alias] = connection
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        return self._browser

    def close(self):
        """Stop Chromium and Playwright, whose loop no longer runs in the thread."""
        if self._playwright is not None:
            try:
                if self._browser is not None:
                    self._browser.close()
            finally:
                self._playwright.stop()
                self._browser = self._playwright = None
                if self._saved_async_unsafe is None:
                    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
                else:
                    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._saved_async_unsafe


_CHROMIUM = _Chromium()


@pytest.fixture(scope="session")
def _chromium_session():
    yield _CHROMIUM
    _CHROMIUM.close()


@pytest.fixture
def browser(chromium_path, _chromium_session):
    """The session's Chromium; ``chromium_path`` skips (or fails in CI) without it."""
    return _chromium_session.get(chromium_path)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    # Stop the browser before any test that is not a browser test: while Playwright
    # lives, its event loop counts as running in this thread, which would break a
    # later test's asyncio.run() or async_to_sync(). It starts again when needed.
    if nextitem is None or nextitem.get_closest_marker("browser") is None:
        _CHROMIUM.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture
def page(request, browser, live_server):
    """A fresh desktop-width tab on the live server; screenshots itself on failure."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        locale="en-GB",
        # axe is injected as an inline script; a strict CSP must not block it.
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.js_errors = []
    tab.on("pageerror", lambda error: tab.js_errors.append(str(error)))
    yield tab
    name = request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
    failure_shot = screenshot_dir() / f"FAILED-{name}.png"
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        tab.screenshot(path=failure_shot, full_page=True)
    else:
        failure_shot.unlink(missing_ok=True)  # an earlier run's, now stale
    context.close()


# --- The data -------------------------------------------------------------------------

FIXTURE = "kz_az_2023"
# The fixture holds 6 published KZ–AZ memoranda; 30 more make two list pages of 25.
FIXTURE_KZ_AZ_MEMORANDA = 6
EXTRA_KZ_AZ_MEMORANDA = 30
UNPUBLISHED_TITLE = "Draft memorandum on cooperation in tourism (unpublished)"
AZERTAC_MOU = "kz-az-2023-mou-tv-radio-complex-azertac"
VISIT = "aliyev-official-visit-astana-2023-04-10"


@transaction.atomic  # one commit, not one per row: much faster on PostgreSQL
def build_register():
    """Load the real package and add the documents the journey and checkers need."""
    call_command("loaddata", FIXTURE, verbosity=0)
    first = datetime.date(2021, 1, 4)
    for n in range(1, EXTRA_KZ_AZ_MEMORANDA + 1):
        bilateral_document(
            countries=("KZ", "AZ"),
            title=f"Memorandum of understanding on cooperation, series {n:02d}",
            slug=f"kz-az-series-{n:02d}",
            kind=Document.Kind.MEMORANDUM,
            signed_on=first + datetime.timedelta(days=7 * n),
        )
    others = [
        (("KZ", "UZ"), Document.Kind.AGREEMENT, "Agreement on border crossings"),
        (("AZ", "TR"), Document.Kind.MEMORANDUM, "Memorandum on Azerbaijan–Türkiye"),
        (("KZ", "CN"), Document.Kind.MEMORANDUM, "Memorandum on KZ–China rail freight"),
    ]
    for n, (countries, kind, title) in enumerate(others, start=1):
        bilateral_document(
            countries=countries,
            title=title,
            slug=f"other-country-{n}",
            kind=kind,
            signed_on=datetime.date(2024, 6, n),
        )
    # A KZ–AZ memorandum like the others, so a leak would show in the filtered list.
    draft = bilateral_document(
        countries=("KZ", "AZ"),
        title=UNPUBLISHED_TITLE,
        slug="kz-az-draft-tourism",
        kind=Document.Kind.MEMORANDUM,
        signed_on=datetime.date(2023, 4, 10),
        is_published=False,
    )
    # the bulk files, so that /data/ lists them
    build_open_data()
    return SimpleNamespace(
        kz_az_memoranda=FIXTURE_KZ_AZ_MEMORANDA + EXTRA_KZ_AZ_MEMORANDA,
        unpublished=draft,
    )


@pytest.fixture
def register():
    """The register the pages show; the test must hold database access."""
    return build_register()


# --- The pages the checkers visit -----------------------------------------------------


@dataclass(frozen=True)
class PublicPage:
    """One public page: a test id, a URL name and its arguments, the query string."""

    id: str
    name: str
    kwargs: dict = field(default_factory=dict)
    query: tuple = ()
    statuses: tuple = (200,)
    #: None: English, at the address without a language prefix
    language: str | None = None

    @property
    def url(self):
        with override(self.language or settings.LANGUAGE_CODE):
            path = reverse(f"agreements:{self.name}", kwargs=self.kwargs)
        return f"{path}?{urlencode(self.query)}" if self.query else path


ENGLISH_PAGES = [
    PublicPage("home", "home"),
    PublicPage("list", "document-list"),
    PublicPage(
        "list-filtered",
        "document-list",
        query=(("country", "KZ"), ("country", "AZ"), ("kind", "memorandum")),
    ),
    PublicPage("list-empty", "document-list", query=(("q", "zyzzyva quokka"),)),
    # An impossible date: the form must say so, at the top and by the field.
    PublicPage(
        "list-form-error",
        "document-list",
        query=(("signed_after", "2023-13-45"),),
        statuses=(200, 400),
    ),
    PublicPage("document", "document-detail", {"slug": AZERTAC_MOU}),
    PublicPage("body-list", "body-list"),
    PublicPage("body", "body-detail", {"slug": "azertac"}),
    PublicPage("event-list", "event-list"),
    PublicPage("event", "event-detail", {"slug": VISIT}),
    PublicPage("country-list", "country-list"),
    PublicPage("country", "country-detail", {"code": "az"}),
    PublicPage("open-data", "open-data"),
    PublicPage(
        "not-found", "document-detail", {"slug": "no-such-document"}, statuses=(404,)
    ),
]
#: Every page in English, then in Russian, Kazakh and Azerbaijani.
PUBLIC_PAGES = ENGLISH_PAGES + [
    replace(page, id=f"{page.id}-{code}", language=code)
    for code in ("ru", "kk", "az")
    for page in ENGLISH_PAGES
]


# --- Checking every page once a session -----------------------------------------------


class SessionReport:
    """A checker's findings for every public page, computed once, answered per page.

    Each page keeps its own test id, but the costly part (a register, a browser tour,
    a Java start) runs once, inside the first test that asks: a session fixture is set
    up before any test has database access, so it cannot do the work itself.
    """

    def __init__(self):
        self._results = None

    def for_page(self, page_id, compute):
        """``(status, findings)`` for one page; ``compute()`` gives them all."""
        if self._results is None:
            self._results = compute()
        return self._results[page_id]


@pytest.fixture(scope="session")
def axe_report():
    return SessionReport()


# --- axe-core -------------------------------------------------------------------------

_AXE_RUN = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({
            target: n.target.join(" "),
            html: n.html,
            summary: n.failureSummary,
        })),
    }));
}"""


def require_axe():
    if not AXE_JS.is_file():
        skip_or_fail(f"axe-core not installed at {AXE_JS} (run: {NPM_HINT})")


def run_axe(page):
    """The page's WCAG 2.1 A/AA violations as axe-core reports them."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def axe_pages(page):
    """Every public page as (status, violations), toured in one browser tab.

    A page that cannot be checked gets (a description of the error, []), so one broken
    page fails its own test rather than the whole run. A page with violations leaves a
    screenshot, AXE-<page id>.png, beside the others.
    """
    results = {}
    for public_page in PUBLIC_PAGES:
        shot = screenshot_dir() / f"AXE-{public_page.id}.png"
        try:
            response = page.goto(public_page.url)
            violations = run_axe(page)
        except Exception as error:  # reported on the page's own test
            results[public_page.id] = (f"{type(error).__name__}: {error}", [])
            continue
        results[public_page.id] = (response.status, violations)
        if violations:  # what the page looked like, for whoever fixes it
            page.screenshot(path=shot, full_page=True)
        else:
            shot.unlink(missing_ok=True)
    return results


def format_axe(label, violations):
    lines = [f"{len(violations)} axe-core violation(s) on {label}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}")
            lines.append(f"       {node['html'][:200]}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"       {detail}")
    return "\n".join(lines)


# --- The Nu HTML Checker --------------------------------------------------------------

# A page that must fail, checked in the same run: proof the checker can fail.
VNU_SELF_CHECK = "self-check"
VNU_SELF_CHECK_HTML = (
    '<!DOCTYPE html><html lang="en"><head><title>Invalid on purpose</title>'
    '</head><body><main><img src="seal.png"><li>stray item</li></main></body>'
    "</html>"
)


def check_html(java, rendered):
    """Run vnu.jar once over ``{page id: (status, HTML)}``; ``{id: (status, errors)}``.

    A page whose HTML is None (it raised) is not checked; its status says why.
    """
    rendered = {**rendered, VNU_SELF_CHECK: (200, VNU_SELF_CHECK_HTML)}
    results = {page_id: (status, []) for page_id, (status, _) in rendered.items()}
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        files = {}
        for page_id, (_, html) in rendered.items():
            if html is not None:
                path = Path(tmp) / f"{page_id}.html"
                path.write_text(html, encoding="utf-8")
                files[path.name] = page_id
        command = [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]
        command += ["--stdout", "--exit-zero-always"]
        command += sorted(str(Path(tmp) / name) for name in files)
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=600, check=False
        )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(
            f"vnu.jar gave no JSON (exit {completed.returncode}):\n"
            f"{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}"
        ) from error
    for message in report.get("messages", []):
        page_id = files.get(Path(message.get("url", "")).name)
        if page_id is None:
            # About the run itself rather than one page: every page reports it.
            for _, errors in results.values():
                errors.append(message)
        elif message.get("type") != "info":
            results[page_id][1].append(message)
    return results


def format_vnu(label, messages):
    lines = [f"{len(messages)} Nu HTML Checker error(s) on {label}:"]
    for m in messages:
        where = f"line {m.get('lastLine', '?')}, column {m.get('firstColumn', '?')}"
        lines.append(f"- {where}: {m.get('message')}")
        extract = (m.get("extract") or "").replace("\n", "⏎")
        if extract:
            lines.append(f"    {extract[:200]}")
    return "\n".join(lines)


def render_pages(client):
    """Every public page as (status, HTML) from Django's test client.

    A page that raises gets (a description of the exception, None), so one broken
    view fails its own test rather than the whole run.
    """
    rendered = {}
    for public_page in PUBLIC_PAGES:
        try:
            response = client.get(public_page.url)
        except Exception as error:  # reported on the page's own test
            rendered[public_page.id] = (f"{type(error).__name__}: {error}", None)
        else:
            rendered[public_page.id] = (
                response.status_code,
                response.content.decode(response.charset or "utf-8"),
            )
    return rendered


@pytest.fixture(scope="session")
def vnu_java():
    """The java that runs vnu.jar; skips (fails in CI) without it or the jar."""
    java = shutil.which("java")
    if java is None:
        skip_or_fail("java not found (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        skip_or_fail(f"vnu-jar not installed at {VNU_JAR} (run: {NPM_HINT})")
    return java


@pytest.fixture(scope="session")
def vnu_report():
    return SessionReport()
