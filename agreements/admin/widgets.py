"""The admin's own widgets: a text box that suggests the values already recorded (an
HTML ``datalist``), and an autocomplete that labels its record without a query."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect

#: How many publishers the source form suggests.
PUBLISHERS_SUGGESTED = 500


class SuggestingTextInput(forms.TextInput):
    """Free text, with the given ``suggestions`` offered as it is typed. The
    suggestions are read when the form is shown, not when the admin starts."""

    template_name = (
        "agreements/widgets/suggesting_input.html"  # in agreements/templates
    )

    def __init__(self, suggestions=(), attrs=None):
        super().__init__(attrs)
        self.suggestions = suggestions

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id', name)}-suggestions"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["list_id"] = list_id
        context["widget"]["suggestions"] = list(self.suggestions)
        return context


class LoadedAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete of one record, whose picked record's label comes
    from the record the form already holds (``loaded``, set by
    ``show_loaded_records``) rather than from a query of its own: one query less for
    each such box on a change form, and none for a row's box, whose record the
    inline read with the row. A value the form does not hold (one posted instead)
    is looked up as the admin does."""

    loaded = None

    def optgroups(self, name, value, attr=None):
        empty = self.choices.field.empty_values
        picked = [str(v) for v in value if str(v) not in empty]
        loaded = self.loaded or {}
        if any(pk not in loaded for pk in picked):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for pk in picked:
            label = self.choices.field.label_from_instance(loaded[pk])
            options.append(self.create_option(name, pk, label, True, len(options)))
        return [(None, options, 0)]


def show_loaded_records(form):
    """Give each ``LoadedAutocompleteSelect`` of ``form`` the record its instance
    was read with (an inline's rows select them), so the box's label needs no
    query. A record not read with the instance is left to the box, which reads it
    only if the form is shown (not on a save that succeeds)."""
    instance = form.instance
    for name, field in form.fields.items():
        widget = getattr(field.widget, "widget", field.widget)  # the admin's wrapper
        if not isinstance(widget, LoadedAutocompleteSelect):
            continue
        model_field = widget.field
        target = getattr(model_field, "target_field", None)
        if target is None or not model_field.is_cached(instance):
            continue
        record = getattr(instance, name)
        if record is not None:
            widget.loaded = {str(getattr(record, target.attname)): record}


class LoadedAutocompleteMixin:
    """For a ``ModelAdmin`` or inline: its autocompletes are
    ``LoadedAutocompleteSelect``; its form calls ``show_loaded_records``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = LoadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
