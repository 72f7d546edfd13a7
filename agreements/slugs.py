"""A record's address from its title: whole words only, at most 100 characters, and
unique. Addresses are permanent, so a cut word ("…sanitary-and-epidemiolo") would
stay wrong for good; an event's address carries its date, so that the next visit of
the same kind has its own."""

from django.utils.text import slugify

MAX_LENGTH = 100
#: Words a cut address does not end on ("…-kazakhstan-and-the").
DANGLING = {"a", "an", "and", "between", "for", "in", "of", "on", "the", "to", "with"}


def cut(slug, max_length=MAX_LENGTH):
    """``slug``, at most ``max_length`` long, ending after a whole word."""
    if len(slug) <= max_length:
        return slug
    if slug[max_length] == "-":  # the cut falls between two words
        words = slug[:max_length].rstrip("-").split("-")
    else:
        head = slug[:max_length]
        if "-" not in head:
            return head  # one endless word
        words = head.rsplit("-", 1)[0].rstrip("-").split("-")
    while len(words) > 1 and words[-1] in DANGLING:
        words.pop()
    return "-".join(words)


def unique_slug(model, text, *, fallback, suffix="", exclude_pk=None, within=None):
    """A slug of ``text`` (or of ``fallback`` where ``text`` has no Latin letter or
    digit), ending in ``suffix`` (``-2023-04-10``), that no other ``model`` record
    (of those matching the lookups ``within``, if given) has: ``-2``, ``-3``... are
    added until none does."""
    base = slugify(text) or slugify(fallback)
    taken = (
        model._default_manager.filter(**(within or {}))
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    number = 1
    while True:
        ending = suffix if number == 1 else f"{suffix}-{number}"
        slug = f"{cut(base, MAX_LENGTH - len(ending))}{ending}"
        if not taken.filter(slug=slug).exists():
            return slug
        number += 1
