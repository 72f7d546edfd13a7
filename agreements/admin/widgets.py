"""A text box that suggests the values already recorded (an HTML ``datalist``)."""

from django import forms

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
