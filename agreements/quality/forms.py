"""The queue's filters (and which check to list), as a form."""

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ..models import Body, Country, Document
from .checks import CHECKS, CHECKS_BY_NAME
from .finders import OTHER_LANGUAGES
from .queue import Filters


class FilterForm(forms.Form):
    """The queue's filters (and which check to list), from a query string or the
    command's options. Values that name nothing are errors, not an empty queue."""

    country = forms.CharField(
        label=_("Country (ISO code)"),
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={"size": 3}),
    )
    body = forms.SlugField(
        label=_("Body (slug)"),
        required=False,
        max_length=Body._meta.get_field("slug").max_length,
    )
    kind = forms.ChoiceField(
        label=_("Document kind"),
        required=False,
        choices=[("", _("Any kind")), *Document.Kind.choices],
    )
    language = forms.ChoiceField(
        label=_("Text missing in"),
        required=False,
        choices=[
            ("", _("Any other language")),
            *(
                (code, get_language_info(code)["name_translated"])
                for code in OTHER_LANGUAGES
            ),
        ],
    )
    check = forms.ChoiceField(
        label=_("Check"),
        required=False,
        choices=[("", _("All checks")), *((c.name, c.title) for c in CHECKS)],
    )

    def clean_country(self):
        code = self.cleaned_data["country"].strip().upper()
        if code and not Country.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("No country has the code “%(code)s”."), params={"code": code}
            )
        return code

    def clean_body(self):
        slug = self.cleaned_data["body"]
        if slug and not Body.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("No body has the slug “%(slug)s”."), params={"slug": slug}
            )
        return slug

    def filters(self):
        data = self.cleaned_data
        return Filters(
            country=data["country"],
            body=data["body"],
            kind=data["kind"],
            language=data.get("language", ""),
        )

    def checks(self):
        """The checks to run: the one chosen, or all."""
        name = self.cleaned_data["check"]
        return (CHECKS_BY_NAME[name],) if name else CHECKS
