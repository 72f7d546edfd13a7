"""The benchmark's report (``tests/bench.py``): what it computes from its timings."""

from tests import bench

#: the ids the report's paths name (the probe's, in a real run)
PARAMS = dict.fromkeys(
    (
        "event",
        "checked_import",
        "word",
        "signatory",
        "document",
        "fifty",
        "place",
        "publisher",
        "year",
    ),
    1,
)


def timed(**medians):
    """A pass whose pages took these medians (ms), by label; /healthz 2 ms."""
    pages = {}
    for label, ms in medians.items():
        pages[label] = bench.PageResult()
        pages[label].add(ms, 200, 1024)
    healthz = bench.PageResult()
    healthz.add(2.0, 200, 10)
    return {"results": {"/healthz": healthz}, "staff": pages}


def test_the_admin_pages_are_also_given_against_the_admin_home_page():
    info = {"staff_params": PARAMS}
    uncached = timed(**{"admin: home": 20.0, "admin: documents": 50.0})

    lines = bench._floor_lines(info, uncached, None)

    assert "(admin: home: 20.0 ms, 10.0x /healthz)" in lines[1]
    assert "| admin: documents | 50.0 | 2.5 |" in lines
    # the floor itself and the pages not timed have no row
    assert not any(line.startswith("| admin: home |") for line in lines)
    assert not any(line.startswith("| admin: events |") for line in lines)


def test_without_the_home_page_there_is_no_such_table():
    info = {"staff_params": PARAMS}
    assert bench._floor_lines(info, timed(**{"admin: documents": 50.0}), None) == []


def test_a_staff_page_is_measured_against_the_healthz_requests_paired_with_it():
    info = {"staff_params": PARAMS}
    uncached = timed(**{"admin: home": 20.0, "admin: documents": 50.0})
    documents = uncached["staff"]["admin: documents"]
    documents.floor = bench.PageResult()
    documents.floor.add(4.0, 200, 10)  # the pass's own /healthz took 2 ms

    rows = bench._staff_rows(info, uncached, None, timeout=10)

    row = next(row for row in rows if row.startswith("| admin: documents |"))
    # median, p95, then the ratios to its paired /healthz (4 ms), not the pass's
    assert row.endswith("| 50.0 | 50.0 | 12.5 | 12.5 |")
    # a page without paired requests keeps the pass's /healthz
    home = next(row for row in rows if row.startswith("| admin: home |"))
    assert home.endswith("| 20.0 | 20.0 | 10.0 | 10.0 |")
