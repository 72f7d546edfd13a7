"""What every public page's chrome shows, for templates whose view does not give it."""

from django.utils.functional import SimpleLazyObject

from .aggregates import last_changed, register_stamp


def register(request):
    """``register_last_changed`` for the footer, read only if a template shows it and
    its view has not given it (the register's views do: ``views.RegisterMixin``)."""
    return {
        "register_last_changed": SimpleLazyObject(
            lambda: last_changed(register_stamp())
        )
    }
