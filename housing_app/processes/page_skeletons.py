"""A process page's questions, filled into a skeleton of the whole page's markup.

widgets.py made each GOV.UK control cheaper, but a page of 68 controls still ran the page's
block macros, built the blocks and the params of every control, and called every widget, on
every request: most of a process page's cost. Yet the questions' markup of one page differs from
visit to visit only in the household members' names and ids, the typed answers, and which
options are checked.

So the page's blocks are rendered once through the full path (the same template and widgets)
for a stand-in household whose names and ids are placeholders, with a placeholder for each
typed answer and the same options checked, and the output, split at the placeholders, is kept
as the page's skeleton. Each visit's page is that skeleton with its own texts, escaped, in the
placeholders: what the full path would have written. The key holds everything else the markup
depends on (the page row, which never changes: a changed layout is a new version with new pages;
each member's role; for each question whether it has a text, and which options are checked), so
there is nothing to invalidate.

Kept in memory: layout text and markup, members' roles, and which options are checked. Never
kept: names, ids, typed answers. Rendered in full instead: pages with photo or signature
questions (their markup lists stored photos and links), forms showing errors, a text the macros
might reflow (a line break outside a textarea), and templates that reload (development).

The page around the questions (GOV.UK template, header, navigation, headings, buttons, footer)
is kept the same way, as a shell per page, officer name and script root, with placeholders for
the visit's id, reference and address, the CSRF token and the questions: rendering that
template was a third of a page's cost. It keeps no more than the officer sees on every page.
Pages with flashed messages or errors are rendered in full.

Showing a page's stored answers (a GET) builds no form at all when the skeleton serves it: what
each question shows is worked out from its stored answer (shown_by_answer, by the same rules as
the form's fields), and the form is built only to make a skeleton or to render in full.
"""

import re
import secrets
from collections import Counter
from types import SimpleNamespace
from typing import NamedTuple

from flask import current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from housing_app.lru import LRUCache
from housing_app.models import Page, Process
from housing_app.processes.forms import build_blocks, build_page_form, initial_data, page_form_class
from housing_app.processes.layouts import is_question, options_of
from housing_app.processes.service import answer_values, slots_for

# Placeholders: letters, digits and dashes (escaping leaves them alone), random per process.
# Codes: "i3" member 3's id as field names hold it (no dashes), "-i3-" the id itself, "n3" the
# member's full name, "v7" slot 7's typed text, "v7d0" a part (day, month, year) of a date.
_TOKEN = f"k{secrets.token_hex(8)}"
_CODE = re.compile(f"{_TOKEN}(-?[inv][0-9]+(?:d[0-9])?-?){_TOKEN}")
# The shell's codes are words: what each stands for, and how many times the page must write it.
_SHELL_CODE = re.compile(f"{_TOKEN}([a-z]+){_TOKEN}")
SHELL_TEXTS = {"process": None, "reference": 1, "address": 1, "csrf": None, "questions": 1}

TEXT_KINDS = frozenset({"text", "number", "textarea"})
CHOICE_KINDS = frozenset({"yesno", "radios", "checkboxes", "select"})
# Only the kinds above are filled into skeletons; photo and signature questions are not.
ROLE_FIELDS = ("personTenureType", "isResponsible")  # what member_role reads
# A member id as str(UUID) writes it has nothing to escape.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_UNUSABLE = False  # kept for a key whose rendering did not split cleanly: render in full


class PageHtml(bytes):
    """Escaped HTML as the UTF-8 bytes a response sends: what a skeleton or shell is filled
    into. A page's copy text has curly quotes, so as one str it was wide text that took 35 us to
    encode on every page (of 45 KB); its parts are kept encoded, and only the visit's own texts
    are encoded per page. As Markup does, it gives the text to Jinja (__html__) and to str()."""

    __slots__ = ()

    def __html__(self) -> str:
        return self.decode()

    def __str__(self) -> str:
        return self.decode()


def encoded(parts: tuple[str, ...]) -> tuple:
    """A skeleton's or shell's parts (text, code, text, ..., text) as kept: texts as UTF-8."""
    return tuple(part.encode() if index % 2 == 0 else part for index, part in enumerate(parts))


page_skeletons = LRUCache(256)
page_shells = LRUCache(256)
signed_csrf_tokens = LRUCache(1024)


def placeholder(code: str) -> str:
    return f"{_TOKEN}{code}{_TOKEN}"


def render_page_questions(process: Process, page: Page, form) -> Markup | PageHtml:
    """The page's questions (and content) as the form shows them."""
    filled = from_skeleton(process, page, form)
    if filled is not None:
        return filled
    return render_blocks(build_blocks(page, process.household_members), form, process)


def render_blocks(blocks, form, process) -> Markup:
    html = render_template("processes/_page_blocks.html", blocks=blocks, form=form, process=process)
    return Markup(html)  # noqa: S704 - autoescaped template output


def date_parts(field) -> list:
    """Day, month and year as the date widget writes them (GovDateInput.map_gov_params)."""
    if field.raw_data is not None:
        return list(field.raw_data)
    if field.data:
        return field.data.strftime("%d %m %Y").split(" ")
    return [None, None, None]


def _has_line_break(text: str) -> bool:
    return "\n" in text or "\r" in text


def from_skeleton(process: Process, page: Page, form) -> PageHtml | None:
    """The page's questions from its skeleton, or None when they must be rendered in full."""
    if any(form[slot.field_name].errors for slot in form.slots):
        return None
    return _fill_skeleton(process, page, _shown_by_fields(form), lambda: form)


def _shown_by_fields(form):
    for slot in form.slots:
        kind = slot.element["type"]
        yield kind, shown_by_field(kind, form[slot.field_name])


def from_stored_answers(process: Process, page: Page, values: dict) -> PageHtml | None:
    """from_skeleton for a page showing its stored answers, without building its form: what each
    question shows is worked out from its answer as the form's fields would show it. Building
    the form (a field object per question) was half of what showing a page cost in Python; it is
    built only when the skeleton is made."""
    questions = page_questions(page)
    if questions is None:
        return None
    member_ids = [member.get("id") for member in process.household_members]
    shown = []
    for question in questions:
        kind, key = question.kind, question.key
        for contact_id in member_ids if question.per_member else (None,):
            shown.append((kind, shown_for(question, values.get((key, contact_id)))))
    return _fill_skeleton(process, page, shown, lambda: build_page_form(process, page, submitted=False))


_NOT_FILLED = object()  # a question a skeleton does not fill: the page is rendered in full


def shown_by_field(kind: str, field):
    """What the field shows: its text (a text kind), its date's three parts, or which of its
    options are checked (a choice kind)."""
    if kind in TEXT_KINDS:
        return field._value()
    if kind == "date":
        return date_parts(field)
    if kind in CHOICE_KINDS:
        return tuple(choice.selected for choice in field.iter_choices())
    return _NOT_FILLED


class Question(NamedTuple):
    """What working out a question's shown answer needs of its element, worked out once per page."""

    key: str
    kind: str
    per_member: bool
    element: dict
    choices: tuple[str, ...]  # its options' values as text, as the field holds them
    shown_by_choice: dict  # a single-choice question: the chosen text -> which options are checked
    none_checked: tuple[bool, ...]


def question_of(element: dict) -> Question:
    kind = element["type"]
    choices = tuple(str(option["value"]) for option in options_of(element)) if kind in CHOICE_KINDS else ()
    if kind == "select":
        choices = ("", *choices)  # "Select an option" (forms.make_field)
    by_choice = {chosen: tuple(choice == chosen for choice in choices) for chosen in choices}
    per_member = bool(element.get("perMember"))
    return Question(element["key"], kind, per_member, element, choices, by_choice, (False,) * len(choices))


_page_questions = LRUCache(512)
_NOT_ALL_FILLED = object()  # kept for a page with a question no skeleton fills
FILLED_KINDS = TEXT_KINDS | CHOICE_KINDS | {"date"}


def page_questions(page: Page) -> tuple[Question, ...] | None:
    """The page's questions in order (slots_for's), or None when the skeleton cannot fill one of
    them. Kept by page id: a page row never changes."""
    questions = _page_questions.get(page.id)
    if questions is None:
        elements = [element for element in page.elements if is_question(element)]
        questions = tuple(question_of(element) for element in elements)
        if any(q.kind not in FILLED_KINDS for q in questions):
            questions = _NOT_ALL_FILLED
        _page_questions.put(page.id, questions)
    return questions if questions is not _NOT_ALL_FILLED else None


def shown_by_answer(element: dict, answer):
    """shown_by_field of the field forms.build_page_form fills with this stored answer, without
    the field."""
    return shown_for(question_of(element), answer)


def shown_for(question: Question, answer):
    """What `question` shows for this stored answer: initial_data's conversion, then the WTForms
    fields' own rules (StringField's _value; SelectField's and RadioField's coercion to text,
    SelectMultipleField's of each item)."""
    kind = question.kind
    if kind in TEXT_KINDS:
        return str(answer) if answer is not None else ""  # initial_data: the answer, or its text
    if kind == "checkboxes":
        try:
            chosen = [str(item) for item in answer]
        except TypeError:  # not a list of choices (none stored): nothing checked
            chosen = []
        return tuple(choice in chosen for choice in question.choices)
    if kind in CHOICE_KINDS:
        if answer is None:
            return question.none_checked
        return question.shown_by_choice.get(str(answer), question.none_checked)
    if kind == "date":
        data = initial_data(question.element, answer)
        return data.strftime("%d %m %Y").split(" ") if data else [None, None, None]
    return _NOT_FILLED


def _fill_skeleton(process, page, shown, make_form) -> PageHtml | None:
    """The questions from the skeleton for the household and what each slot shows (`shown`: its
    kind and shown value, in slots_for's order), or None when they must be rendered in full.
    `make_form` gives the page's form filled as shown, should the skeleton need making."""
    if current_app.jinja_env.auto_reload:
        return None
    members = process.household_members
    state: list = []
    texts: dict[str, str] = {}
    for index, member in enumerate(members):
        name, member_id = member.get("fullName"), member.get("id")
        if type(name) is not str or type(member_id) is not str or _has_line_break(name):
            return None
        state.append(tuple(member.get(role) for role in ROLE_FIELDS))
        if _CANONICAL_UUID.fullmatch(member_id) is None:  # not as str(UUID) writes it: escape it
            member_id = str(escape(member_id))
        texts[f"i{index}"] = member_id.replace("-", "")
        texts[f"-i{index}-"] = member_id
        texts[f"n{index}"] = str(escape(name))
    for index, (kind, value) in enumerate(shown):
        if value is _NOT_FILLED:
            return None
        if kind in TEXT_KINDS:
            if value and kind != "textarea" and _has_line_break(value):
                return None
            state.append(bool(value))
            if value:
                texts[f"v{index}"] = str(escape(value))
        elif kind == "date":
            if any(part and (type(part) is not str or _has_line_break(part)) for part in value):
                return None
            state.append(tuple(True if part else part for part in value))  # a text, None or ""
            texts.update((f"v{index}d{n}", str(escape(part))) for n, part in enumerate(value) if part)
        else:
            state.append(value)
    key = (page.id, tuple(state))
    parts = page_skeletons.get(key)
    if parts is None:
        made = make_skeleton(page, members, make_form())
        parts = encoded(made) if made else _UNUSABLE
        page_skeletons.put(key, parts)
    if parts is _UNUSABLE:
        return None
    # The template's own output, with escaped texts where it would have written them.
    return fill(parts, texts)


def fill(parts: tuple, texts: dict[str, str | bytes]) -> PageHtml:
    """Kept parts (encoded: text, code, text, ..., text) with each code's text in its place.
    Each text is encoded once, however often the page writes it (a member's id: many times)."""
    encoded_texts = {code: text if isinstance(text, bytes) else text.encode() for code, text in texts.items()}
    filled = list(parts)
    filled[1::2] = [encoded_texts[code] for code in parts[1::2]]
    return PageHtml(b"".join(filled))


def make_skeleton(page: Page, members: list[dict], form) -> tuple[str, ...] | None:
    """Render the page's blocks for a stand-in household and `form`'s state, with placeholders
    for names, ids and typed texts; split at the placeholders (text, code, text, ..., text).
    None if a typed text is not written exactly once (a macro changed it, or left it out)."""
    stand_ins = []
    for index, member in enumerate(members):
        stand_in = {"id": placeholder(f"-i{index}-"), "fullName": placeholder(f"n{index}")}
        stand_in.update((role, member[role]) for role in ROLE_FIELDS if role in member)
        stand_ins.append(stand_in)
    slots = list(slots_for(page, stand_ins))
    stand_in_form = page_form_class(page, slots)(formdata=None, meta={"csrf": False})
    typed = set()
    for index, (slot, real_slot) in enumerate(zip(slots, form.slots, strict=True)):
        field, real = stand_in_form[slot.field_name], form[real_slot.field_name]
        kind = slot.element["type"]
        if kind in TEXT_KINDS:
            if real._value():
                field.data = placeholder(f"v{index}")
                typed.add(f"v{index}")
            else:
                field.data = real.data
        elif kind == "date":
            parts = date_parts(real)
            field.data = None
            field.raw_data = None  # no date: none of the three parts (date_parts gives Nones)
            if any(part is not None for part in parts):
                field.raw_data = [
                    placeholder(f"v{index}d{n}") if part else part for n, part in enumerate(parts)
                ]
            typed.update(f"v{index}d{n}" for n, part in enumerate(parts) if part)
        else:
            field.data = real.data
    html = str(render_blocks(build_blocks(page, stand_ins), stand_in_form, None))
    parts = tuple(_CODE.split(html))
    written = Counter(parts[1::2])
    names = {f"{prefix}{index}" for index in range(len(members)) for prefix in ("i", "n")}
    names |= {f"-i{index}-" for index in range(len(members))}
    if set(written) - names - typed or any(written[code] != 1 for code in typed):
        return None
    return parts


PAGE_TEMPLATE = "processes/page.html"


def render_page(process: Process, page: Page, form, questions_html: Markup | PageHtml) -> PageHtml:
    """The process page (open for answers) as render_template writes it, from its shell when
    it has one, encoded for the response. `form` None: the page shows the stored answers
    (render_stored_page), and its form is built only if the page is rendered in full."""
    has_errors = form is not None and form.errors
    in_full = current_app.jinja_env.auto_reload or session.get("_flashes") or has_errors
    if not in_full:
        key = (page.id, current_user.name, request.script_root)
        parts = page_shells.get(key)
        if parts is None:
            made = make_page_shell(process, page)
            parts = encoded(made) if made else _UNUSABLE
            page_shells.put(key, parts)
        if parts is not _UNUSABLE:
            texts = {
                "process": str(process.id),
                "reference": str(escape(process.reference)),
                "address": str(escape(process.address)),
                "csrf": str(escape(page_csrf_token())),
                "questions": questions_html,  # Markup (a str) or PageHtml: fill takes either
            }
            return fill(parts, texts)
    if form is None:
        form = build_page_form(process, page, submitted=False)
    context = {"process": process, "page": page, "form": form, "questions_html": questions_html}
    return PageHtml(render_template(PAGE_TEMPLATE, **context, read_only=False).encode())


def page_csrf_token() -> str:
    """generate_csrf's token, signed once for each session's token rather than for every page
    (a twentieth of a page's cost). With WTF_CSRF_TIME_LIMIT unset the signature's time is never
    checked, so any token signed for the session's is as good as a new one; with a limit set,
    each page signs its own, as Flask-WTF does. A token this request has signed already (the
    first page of a session is rendered through its form) is the one kept."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    session_token = session.get(field_name)
    if field_name not in g and session_token is not None:
        token = signed_csrf_tokens.get((secret_key, session_token))
        if token is not None:
            setattr(g, field_name, token)  # what generate_csrf hands out for the rest of the request
            return token
    token = generate_csrf()  # this request's, or a new one (with the session's token if it had none)
    if session.get(field_name) is not None:
        signed_csrf_tokens.put((secret_key, session[field_name]), token)
    return token


def render_stored_page(process: Process, page: Page) -> PageHtml:
    """An open page showing the visit's stored answers (a GET), with no form built where its
    questions come from their skeleton; rendered through the form otherwise."""
    questions = from_stored_answers(process, page, answer_values(process))
    if questions is not None:
        return render_page(process, page, None, questions)
    form = build_page_form(process, page, submitted=False)
    return render_page(process, page, form, render_page_questions(process, page, form))


def make_page_shell(process: Process, page: Page) -> tuple[str, ...] | None:
    """The page rendered for a stand-in visit whose id, reference and address are placeholders,
    with a placeholder CSRF token and questions; split at the placeholders. None if a text is
    not written as often as SHELL_TEXTS says (the template changed what it does with it)."""
    stand_in = SimpleNamespace(
        id=placeholder("process"),
        reference=placeholder("reference"),
        address=placeholder("address"),
        process_type=process.process_type,
        submitted_at=None,
    )
    token_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    real_token = g.pop(token_name, None)
    setattr(g, token_name, placeholder("csrf"))  # generate_csrf hands out what g holds
    try:
        form = FlaskForm(formdata=None)
        html = render_template(
            PAGE_TEMPLATE,
            process=stand_in,
            page=page,
            form=form,
            questions_html=Markup(placeholder("questions")),  # noqa: S704 - a placeholder
            read_only=False,
        )
    finally:
        g.pop(token_name, None)
        if real_token is not None:
            setattr(g, token_name, real_token)
    parts = tuple(_SHELL_CODE.split(html))
    written = Counter(parts[1::2])
    if set(written) - set(SHELL_TEXTS) or _CODE.search(html):
        return None
    if any(times is not None and written[code] != times for code, times in SHELL_TEXTS.items()):
        return None
    return parts
