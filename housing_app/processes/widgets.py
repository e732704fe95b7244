"""The GOV.UK widgets of govuk_frontend_wtf, rendered without a Flask `render_template` per field.

govuk_frontend_wtf renders each field with `render_template("govuk_frontend_wtf/<x>.html")`, a
two-line template that imports one GOV.UK Frontend macro and calls it with the field's params.
Through `render_template` that runs every context processor, the template signals and the
template lookup once per field (22 fields, 68 controls, on the largest process page), and it
merges params with deepmerge. These subclasses map the field to the same params and call the same GOV.UK macro
directly (the imported macro module is cached by Jinja), so the HTML is the same, made faster.

The macros are still the slowest part of a page, and a field's markup is mostly the same from one
request to the next: only the typed value, the error message and which options are checked
change. So each rendering is remembered as a "skeleton": the macro's output for the params with
the value and error text swapped for placeholders, keyed by everything else in the params (name,
id, label, hint, options, which are checked, whether there is a value and an error). The next
rendering with the same key fills the placeholders with the escaped texts, exactly as the macro
would. Nothing is kept that the key does not fully determine, so there is nothing to invalidate:
a new layout version has other labels or options, hence other keys. What is kept is layout text,
household members' names and ids (labels and field names) and which options are checked; typed
answers and error messages are never kept. The cache is per process and bounded (LRU).
"""

import re
import secrets
from collections import Counter
from weakref import WeakKeyDictionary

from flask import current_app
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from jinja2 import Environment
from markupsafe import Markup, escape

from housing_app.lru import LRUCache

# The template govuk_frontend_wtf would render -> (the GOV.UK macro file, the macro) it calls.
MACROS = {
    f"govuk_frontend_wtf/{name}.html": (f"govuk_frontend_jinja/components/{component}/macro.html", macro)
    for name, component, macro in [
        ("input", "input", "govukInput"),
        ("textarea", "textarea", "govukTextarea"),
        ("date", "date-input", "govukDateInput"),
        ("radios", "radios", "govukRadios"),
        ("checkboxes", "checkboxes", "govukCheckboxes"),
        ("select", "select", "govukSelect"),
        ("file-upload", "file-upload", "govukFileUpload"),
    ]
}


def merge(base, new):
    """govuk_frontend_wtf's deepmerge rules without deepmerge: dicts merge key by key (into
    `base`), lists append, anything else is replaced by `new`."""
    if isinstance(base, list) and isinstance(new, list):
        return base + new
    if isinstance(base, dict) and isinstance(new, dict):
        for key, value in new.items():
            base[key] = merge(base[key], value) if key in base else value
        return base
    return new


_macros_by_environment: "WeakKeyDictionary[Environment, dict]" = WeakKeyDictionary()


def gov_macro(template: str):
    """The GOV.UK macro that govuk_frontend_wtf's `template` calls, from the app's environment.
    Looked up once per environment, unless it reloads changed templates (development)."""
    environment = current_app.jinja_env
    if environment.auto_reload:
        path, name = MACROS[template]
        return getattr(environment.get_template(path).module, name)
    macros = _macros_by_environment.setdefault(environment, {})
    macro = macros.get(template)
    if macro is None:
        path, name = MACROS[template]
        macro = macros[template] = getattr(environment.get_template(path).module, name)
    return macro


# Placeholders: letters and digits only, so escaping and attribute quoting leave them alone;
# random per process, so no layout text or answer can contain one by chance or design.
_TOKEN = f"q{secrets.token_hex(8)}"
_PLACEHOLDER = re.compile(f"{_TOKEN}([a-z][0-9]*)z")


def placeholder(name: str) -> str:
    return f"{_TOKEN}{name}z"


class NotCacheable(Exception):
    """Params holding something the cache key cannot represent exactly: render in full."""


def freeze(value, name: str | None = None, new: str = ""):
    """A hashable key for params, exact about types (True is not 1, Markup is not str) and order
    (attributes are written in their dict order); with `name` replaced by `new` as replace_name
    does, in the same walk."""
    kind = type(value)
    if kind is str:
        if name is not None and (value == name or value.startswith(f"{name}-")):
            return new + value[len(name) :]
        return value
    if kind is dict:
        return ("d", *((key, freeze(item, name, new)) for key, item in value.items()))
    if kind is list or kind is tuple:
        return (kind.__name__, *(freeze(item, name, new) for item in value))
    if value is None or kind in (bool, int, float, Markup):
        return (kind.__name__, value)
    raise NotCacheable(kind)


# Field names (a question key, and a member's id without dashes) that escaping leaves alone.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


def replace_name(value, name: str, new: str):
    """`value` (params) with `name` replaced by `new` in every plain string that is the name or
    an id made from it (the name, a dash, a suffix)."""
    kind = type(value)
    if kind is str:
        if value == name or value.startswith(f"{name}-"):
            return new + value[len(name) :]
        return value
    if kind is dict:
        return {key: replace_name(item, name, new) for key, item in value.items()}
    if kind is list:
        return [replace_name(item, name, new) for item in value]
    return value


def fillable(text) -> bool:
    """Whether `text` (a typed value or an error message) goes in a placeholder: the macro writes
    it once, escaped and unchanged. A text with a line break is not cached at all (some macros
    indent it), so no typed text ever ends up in a key."""
    if type(text) is not str or text == "":
        return False
    if "\n" in text or "\r" in text:
        raise NotCacheable("line break")
    return True


skeletons = LRUCache(2048)


class DirectRender:
    """Mixin for a govuk_frontend_wtf widget: same params, same macro, no render_template."""

    template: str

    def merge_params(self, a, b):
        return merge(a, b)

    def fill_in(self, params: dict) -> tuple[dict, dict]:
        """(params with the per-request and per-member texts replaced by placeholders,
        {placeholder: text}): the typed value, the error message, the field's name (it holds the
        member's id, and ids are made from it) and the label or legend html (it holds the
        member's name), so one skeleton serves every household."""
        texts = {}
        params = dict(params)
        if fillable(params.get("value")):
            texts["v"], params["value"] = params["value"], placeholder("v")
        error = params.get("errorMessage")
        if type(error) is dict and "html" not in error and fillable(error.get("text")):
            texts["e"] = error["text"]
            params["errorMessage"] = {**error, "text": placeholder("e")}
        params = self.fill_in_items(params, texts)
        name = params.get("name")
        if type(name) is str and _PLAIN_NAME.fullmatch(name):
            texts["n"] = name  # replaced in the key, and in the params only if rendered
        for path in (("label",), ("fieldset", "legend")):
            params = self.fill_in_html(params, path, texts)
        return params, texts

    def fill_in_items(self, params: dict, texts: dict) -> dict:
        """Typed texts in the items (date parts), before the name is replaced."""
        return params

    @staticmethod
    def fill_in_html(params: dict, path: tuple[str, ...], texts: dict) -> dict:
        """Replace the Markup at params[path]["html"] with the placeholder "l" (when the macro
        writes it unchanged: no surrounding space to trim, no line to indent)."""
        parents, node = [params], params
        for step in path:
            node = node.get(step) if type(node) is dict else None
            parents.append(node)
        html = node.get("html") if type(node) is dict else None
        if type(html) is not Markup or "l" in texts or html != html.strip() or "\n" in html or "\r" in html:
            return params
        texts["l"] = html
        replaced = {**node, "html": placeholder("l")}
        for step, parent in zip(reversed(path), reversed(parents[:-1]), strict=True):
            replaced = {**parent, step: replaced}
        return replaced

    def render(self, params):
        macro = gov_macro(self.template)
        try:
            skeleton_params, texts = self.fill_in(params)
            name = texts.get("n")
            key = (self.template, freeze(skeleton_params, name, placeholder("n")))
        except NotCacheable:
            return macro(params)  # Markup: the macro escapes what it writes
        entry = skeletons.get(key)
        if entry is None or entry[0] is not macro:
            if name is not None:
                skeleton_params = replace_name(skeleton_params, name, placeholder("n"))
            html = str(macro(skeleton_params))
            parts = _PLACEHOLDER.split(html)  # text, name, text, name, ..., text
            written = Counter(parts[1::2])
            # Every text written exactly once, as is (the name as often as ids are made from it).
            if set(written) - set(texts) or any(written[k] != 1 for k in texts if k != "n"):
                return macro(params)
            entry = (macro, parts)
            skeletons.put(key, entry)
        parts = entry[1]
        filled = [str(escape(texts[part])) if index % 2 else part for index, part in enumerate(parts)]
        # The macro's own output with escaped texts in the places it would have written them.
        return Markup("".join(filled))  # noqa: S704


class TextInput(DirectRender, GovTextInput):
    pass


class TextArea(DirectRender, GovTextArea):
    pass


class DateInput(DirectRender, GovDateInput):
    def fill_in(self, params: dict) -> tuple[dict, dict]:
        params, texts = super().fill_in(params)
        # govukDateInput never reads params.value (the whole date as text): its day, month and
        # year items carry the values. Leave the placeholder in, expect it nowhere.
        texts.pop("v", None)
        return params, texts

    def fill_in_items(self, params: dict, texts: dict) -> dict:
        items = params.get("items")
        if type(items) is list:
            params["items"] = []
            for index, item in enumerate(items):
                if type(item) is dict and fillable(item.get("value")):
                    texts[f"d{index}"] = item["value"]
                    item = {**item, "value": placeholder(f"d{index}")}
                params["items"].append(item)
        return params


class ChoiceItems:
    """govuk_frontend_wtf's GovIterableBase.__call__, with the items read from the field's choices
    instead of binding a WTForms sub-field per option (same text, value and checked state)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        items = []
        for choice in field._iter_choices_normalized():
            item = {"text": choice.label or choice.value, "value": str(choice.value)}
            if choice.selected:
                item["checked"] = True
            items.append(item)
        kwargs["items"] = items
        return GovFormBase.__call__(self, field, **kwargs)


class RadioInput(ChoiceItems, DirectRender, GovRadioInput):
    pass


class CheckboxesInput(ChoiceItems, DirectRender, GovCheckboxesInput):
    pass


class Select(DirectRender, GovSelect):
    pass


class FileInput(DirectRender, GovFileInput):
    pass
