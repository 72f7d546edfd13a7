"""The forms' renderer: Django's ``TemplatesSetting`` (widgets by Jinja2 first, see
``TEMPLATES`` in the settings), except that an empty list of errors renders as
nothing without asking for its template.

Every field of every form renders its list of errors, almost always empty: a
document's change form asks for about 130 such templates, each found through the
engines and rendered to an empty string (3 to 5% of the page's time). Django's own
templates for them (``django/forms/errors/``) render nothing when there is no error,
so the page is the same.
"""

from django.forms.renderers import TemplatesSetting

ERROR_TEMPLATES = "django/forms/errors/"


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name.startswith(ERROR_TEMPLATES) and not context.get("errors"):
            return ""
        return super().render(template_name, context, request)
