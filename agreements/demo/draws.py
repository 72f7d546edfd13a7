"""The demo's random draws: one seeded generator, weighted picks, fixed dates, and the
word lists they draw from (the TOML files in ``data/``)."""

import bisect
import datetime
import functools
import tomllib
from importlib import resources

# Fixed, not today's date, so that a seed builds the same register on any day.
FIRST_DAY = datetime.date(1995, 1, 1)
LAST_DAY = datetime.date(2026, 10, 31)
TODAY = datetime.date(2026, 11, 1)

# Chance that a weighted pick takes a value not yet used, so that even a small demo
# holds every kind and status (the first picks cover them all, the rest follow weights).
COVER_EVERY_CHOICE = 0.3


@functools.cache
def load(name):
    """``data/<name>.toml`` as a dict, its tables in the file's order. Do not modify."""
    path = resources.files(__package__) / "data" / f"{name}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


class Weighted:
    """A weighted choice, prepared once: values and their cumulative weights."""

    def __init__(self, weights):
        self.weights = {value: weight for value, weight in weights.items() if weight}
        self.values = list(self.weights)
        total, self.cum = 0, []
        for value in self.values:
            total += self.weights[value]
            self.cum.append(total)
        self.total = float(total)
        self.last = len(self.values) - 1
        self.subsets = {}

    def pick(self, rng):
        # What rng.choices(self.values, cum_weights=self.cum)[0] does, draw for draw,
        # without its checks: it is called a few million times.
        return self.values[
            bisect.bisect(self.cum, rng.random() * self.total, 0, self.last)
        ]

    def only(self, allowed):
        key = frozenset(allowed)
        if key not in self.subsets:
            self.subsets[key] = Weighted(
                {value: w for value, w in self.weights.items() if value in allowed}
            )
        return self.subsets[key]


def weighted(table, choices):
    """A ``Weighted`` of a data file's ``{value: weight}`` table of model choices.

    The values become the ``choices`` members, so a misspelt one fails at once.
    """
    return Weighted({choices(value): weight for value, weight in table.items()})


class Draws:
    """The random choices the register is made of, all from one ``random.Random``."""

    def __init__(self, rng, unseen):
        self.rng = rng
        # {name: values not yet picked}, for ``choose``.
        self.unseen = unseen
        years = range(FIRST_DAY.year, LAST_DAY.year + 1)
        # More documents each year, fewer in the pandemic, the last year not yet over.
        year_weights = [
            (1 + 0.12 * (year - FIRST_DAY.year))
            * (0.5 if year in (2020, 2021) else 1)
            * (LAST_DAY.month / 12 if year == LAST_DAY.year else 1)
            for year in years
        ]
        self.year_choice = Weighted(dict(zip(years, year_weights, strict=True)))

    def chance(self, probability):
        return self.rng.random() < probability

    def choose(self, name, weighted, allowed=None):
        """A weighted pick that still brings out every value early on."""
        unseen = self.unseen.get(name)
        if allowed is not None:
            weighted = weighted.only(allowed)
        if unseen and self.rng.random() < COVER_EVERY_CHOICE:
            for value in unseen:
                if value in weighted.weights:
                    unseen.remove(value)
                    return value
        value = weighted.pick(self.rng)
        if unseen and value in unseen:
            unseen.remove(value)
        return value

    def random_date(self, after=FIRST_DAY):
        year = self.year_choice.pick(self.rng)
        start = max(datetime.date(year, 1, 1), after)
        end = min(datetime.date(year, 12, 31), LAST_DAY)
        if start > end:
            start, end = after, LAST_DAY
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def days_after(self, day, low, high, cap=TODAY):
        result = day + datetime.timedelta(days=self.rng.randint(low, high))
        return max(min(result, cap), day)
