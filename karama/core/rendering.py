"""The form renderer: Django's own, except for `<select>`.

Django renders a select's options one template include at a time; a consent form naming one of 300 partner
organizations spent 38 ms on its options alone, more than the rest of a person's page. Selects here are written
in Python with the same markup (`django/forms/widgets/select.html` and `select_option.html`), escaped as
Django escapes; every other widget, and any select with templates of its own, goes through the templates.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _escape(value) -> str:
    """As conditional_escape (the same entities as django.utils.html.escape), without its lazy-string wrapper,
    which cost more than the escaping across a few hundred options."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value), quote=True)


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: `name` for True, nothing for False, `name="value"` otherwise."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> str:
    parts = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'  <optgroup label="{_escape(group_name)}">')
        parts.extend(
            f'  <option value="{_escape(option["value"])}"{_attrs(option["attrs"])}>{_escape(option["label"])}</option>'
            for option in options
        )
        if group_name:
            parts.append("  </optgroup>")
    parts.append("</select>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above went through _escape


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT else None
        if widget and all(
            option.get("template_name") == OPTION
            for _name, options, _index in widget["optgroups"]
            for option in options
        ):
            return render_select(widget)
        return super().render(template_name, context, request)
