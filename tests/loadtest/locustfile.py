"""The load test's visitors: a mix of the public pages, with /healthz as the yardstick.

Run by ``tests/loadtest/run.py`` (``make loadtest``), which picks real slugs from the
database into the JSON file named by ``LOADTEST_TARGETS`` and reads back the file named
by ``LOADTEST_RESULTS``: every response time (ms, unrounded, which locust's own
percentiles are not) and each page's cache hits and misses (``X-Cache``).

Popularity is skewed as on a real site: the home page, the list and the dashboard are
asked for often; documents, events, bodies and countries by a Zipf-like law over the
picked records (the first few often, the long tail rarely).
"""

import itertools
import json
import os
import random
from collections import defaultdict

from locust import FastHttpUser, between, constant, events, task

TARGETS = json.loads(open(os.environ["LOADTEST_TARGETS"]).read())
RESULTS = os.environ["LOADTEST_RESULTS"]
# "0" for no pause (saturation), else "low-high" seconds between a user's requests.
WAIT = os.environ.get("LOADTEST_WAIT", "0.5-2")

times = defaultdict(list)
failures = defaultdict(int)
cache_outcomes = defaultdict(lambda: defaultdict(int))


# List pages 2, 3, 4... (page 1 is "list"), the first ones most asked for.
PAGES = list(range(2, TARGETS["pages"] + 1))
# Cumulative weights 1/1, 1/2, 1/3...: a Zipf-like popularity over a list of records.
LONGEST = max(
    len(value) for value in (*TARGETS.values(), PAGES) if isinstance(value, list)
)
ZIPF = list(itertools.accumulate(1 / n for n in range(1, LONGEST + 1)))


def zipf(items):
    """One of ``items``, the n-th with a weight of 1/n."""
    return random.choices(items, cum_weights=ZIPF[: len(items)])[0]


@events.request.add_listener
def record(name, response_time, response, exception, **kwargs):
    times[name].append(response_time)
    if exception is not None:
        failures[name] += 1
    elif response is not None:
        cache_outcomes[name][response.headers.get("X-Cache") or "none"] += 1


@events.quitting.add_listener
def write_results(environment, **kwargs):
    with open(RESULTS, "w") as out:
        json.dump({"times": times, "failures": failures, "cache": cache_outcomes}, out)


class Visitor(FastHttpUser):
    if WAIT == "0":
        wait_time = constant(0)
    else:
        low, high = (float(part) for part in WAIT.split("-"))
        wait_time = between(low, high)

    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{url}: HTTP {response.status_code}")

    @task(10)
    def healthz(self):
        self.page("/healthz", "/healthz")

    @task(8)
    def home(self):
        self.page("/", "home")

    @task(10)
    def document_list(self):
        self.page("/agreements/", "list")

    @task(4)
    def list_page(self):
        if PAGES:  # a register of one page has none
            self.page(f"/agreements/?page={zipf(PAGES)}", "list ?page=n")

    @task(10)
    def filtered_list(self):
        country = zipf(TARGETS["countries"]).upper()
        kind = random.choice(TARGETS["kinds"])
        choices = [
            f"country={country}",
            f"country={country}&kind={kind}",
            f"topic={random.choice(TARGETS['topics'])}",
            f"status={random.choice(TARGETS['statuses'])}&ordering=-signed_on",
            f"event={zipf(TARGETS['events'])}",
        ]
        self.page(f"/agreements/?{random.choice(choices)}", "list filtered")

    @task(8)
    def search(self):
        self.page(f"/agreements/?q={zipf(TARGETS['words'])}", "list ?q=word")

    @task(20)
    def document(self):
        self.page(f"/agreements/{zipf(TARGETS['documents'])}/", "document")

    @task(6)
    def event(self):
        self.page(f"/events/{zipf(TARGETS['events'])}/", "event")

    @task(3)
    def body(self):
        self.page(f"/bodies/{zipf(TARGETS['bodies'])}/", "body")

    @task(6)
    def country(self):
        self.page(f"/countries/{zipf(TARGETS['countries'])}/", "country")

    @task(5)
    def dashboard(self):
        self.page("/follow-up/", "follow-up dashboard")
