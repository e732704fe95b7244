"""Process page scenarios (render, save) and the full PDF, when the product has them.

Set-up goes through the officer's own pages, as a person would (so it follows the product as it
changes): load the shipped layouts, sign in, start a Tenancy and Household Check on a tenure
with six household members, and pick its largest page (most form controls). Rendering GETs that
page; saving POSTs its form back with an answer in every control ("Save and come back later").
"""

import importlib
import re
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser

from bench.run import PROJECT_ROOT, Browser, Scenario, csrf_token


class SetupError(RuntimeError):
    pass


def has_rule(routes, fragment: str) -> bool:
    return any(fragment in rule.rule for rule in routes.app.url_map.iter_rules())


def has_pdf_renderer() -> bool:
    try:
        pdf = importlib.import_module("housing_app.services.pdf")
    except ImportError:
        return False
    return hasattr(pdf, "render_process_summary_pdf")


class FormFields(HTMLParser):
    """The controls of the page's POST form: what a browser would send, with an answer in each.
    `changed` picks the other answers (other texts and numbers, each choice's last option rather
    than its first), so saving the two in turn changes every answer each time."""

    def __init__(self, changed: bool = False):
        super().__init__(convert_charrefs=True)
        self.changed = changed
        self.in_form = False
        self.controls = 0
        self.fields: dict[str, list[str]] = {}
        self.radios_seen: set[str] = set()
        self.select: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None

    def add(self, name, value):
        self.fields.setdefault(name, []).append(value)

    def text(self, answer: str) -> str:
        return f"{answer} (changed)" if self.changed else answer

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            self.controls += 1
            if kind in ("radio", "checkbox"):
                if name not in self.radios_seen:
                    self.radios_seen.add(name)
                    self.add(name, attrs.get("value", "on"))
                elif self.changed:
                    self.fields[name] = [attrs.get("value", "on")]  # the last option
            elif kind == "hidden":
                self.add(name, attrs.get("value", ""))
            elif kind == "number" or attrs.get("inputmode") == "numeric":
                self.add(name, attrs.get("value") or numeric_answer(name, self.changed))
            elif kind == "email":
                email = "bench2@hackney.example" if self.changed else "bench@hackney.example"
                self.add(name, attrs.get("value") or email)
            else:
                self.add(name, attrs.get("value") or self.text("Bench answer"))
        elif tag == "textarea" and name:
            self.controls += 1
            self.textarea = name
            self.add(name, self.text("Bench answer written by the benchmark."))
        elif tag == "select" and name:
            self.controls += 1
            self.select, self.select_chosen = name, False
        elif tag == "option" and self.select and attrs.get("value"):
            if not self.select_chosen:
                self.add(self.select, attrs["value"])
                self.select_chosen = True
            elif self.changed:
                self.fields[self.select] = [attrs["value"]]  # the last option

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None


def numeric_answer(name: str, changed: bool = False) -> str:
    """Plausible numbers, including the day / month / year parts of GOV.UK date inputs."""
    if name.endswith("-day") or name.endswith("[day]"):
        return "13" if changed else "12"
    if name.endswith("-month") or name.endswith("[month]"):
        return "4" if changed else "3"
    if name.endswith("-year") or name.endswith("[year]"):
        return "1985" if changed else "1984"
    return "3" if changed else "2"


def load_layouts(environment: dict) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "processes", "load"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if completed.returncode != 0:
        raise SetupError(f"could not load the process layouts: {completed.stderr[-300:]}")


def start_check(browser: Browser, tenure_id: str) -> str:
    """Start a Tenancy and Household Check through the officer's pages; return its path."""
    status, _headers, page = browser.request("GET", f"/tenures/{tenure_id}/processes/new")
    if status != 200:
        raise SetupError(f"the start page answered {status}")
    html = page.decode()
    choices = re.findall(
        r'<input[^>]*name="process_type"[^>]*value="([^"]+)"[^>]*>\s*<label[^>]*>([^<]+)<', html
    )
    if not choices:
        raise SetupError("the start page offers no process types")
    code = next((value for value, label in choices if "Tenancy" in label), choices[0][0])
    status, headers, _body = browser.request(
        "POST",
        f"/tenures/{tenure_id}/processes",
        {"csrf_token": csrf_token(html) or "", "process_type": code, "crm_interaction_guid": ""},
    )
    location = {k.lower(): v for k, v in headers.items()}.get("location", "")
    if status not in (302, 303) or "/processes/" not in location:
        raise SetupError(f"starting a check answered {status}")
    return urllib.parse.urlsplit(location).path


def largest_page(browser: Browser, process_path: str) -> tuple[str, str, FormFields]:
    status, _headers, body = browser.request("GET", process_path)
    if status != 200:
        raise SetupError(f"the task list answered {status}")
    paths = list(
        dict.fromkeys(re.findall(rf'href="({re.escape(process_path)}/pages/[^"?#]+)"', body.decode()))
    )
    if not paths:
        raise SetupError("the task list links to no pages")
    best = None
    for path in paths:
        status, _headers, page = browser.request("GET", path)
        if status != 200:
            continue
        fields = FormFields()
        fields.feed(page.decode())
        if best is None or fields.controls > best[2].controls:
            best = (path, page.decode(), fields)
    if best is None:
        raise SetupError("no process page could be opened")
    return best


def build(server, manifest: dict, timing: dict, routes, log) -> list:
    render = Scenario("process_page_render", "Render a process page", "page")
    save = Scenario("process_page_save", "Save a process page", "save", expect=(302, 303))
    bound = Scenario(
        "process_page_signed_in_bound",
        "Baseline, not the product: the least a signed-in page costs (sign-in check and the visit's "
        "row, then the same page precomputed: bench/signed_in_bound.py)",
        "page",
        server="signed_in_bound",
    )
    pdf = Scenario(
        "pdf_full_check", "PDF of a full Tenancy and Household Check (6 members, 10 photos)", "pdf"
    )
    if not has_pdf_renderer():
        pdf.available, pdf.note = False, "not available: the product cannot make a process PDF yet"
    if not has_rule(routes, "/pages/") or not has_rule(routes, "/processes/new"):
        for scenario in (render, save, bound):
            scenario.available, scenario.note = False, "not available: the product has no process pages yet"
        return [render, save, bound, pdf]
    try:
        load_layouts(server.environment)
        browser = Browser(server.url(""))
        credentials = manifest["credentials"]
        if not browser.sign_in(credentials["email"], credentials["password"]):
            raise SetupError("the bench officer could not sign in")
        probes = manifest["probes"]
        tenure_id = (probes.get("sixMemberTenureIds") or probes["tenureIds"])[0]
        process_path = start_check(browser, tenure_id)
        page_path, html, fields = largest_page(browser, process_path)
    except SetupError as exc:
        for scenario in (render, save, bound):
            scenario.available, scenario.note = False, f"not available: {exc}"
        return [render, save, bound, pdf]
    signed_in = browser.signed_in_headers()
    title = re.search(r"<h1[^>]*>([^<]+)</h1>", html)
    page_title = title.group(1).strip() if title else page_path.rsplit("/", 1)[-1]
    render.title = f"Render a process page ('{page_title}', {fields.controls} controls)"
    render.requests = [{"method": "GET", "path": page_path, "headers": signed_in}]
    changed = FormFields(changed=True)
    changed.feed(html)
    save.title = f"Save a process page ('{page_title}', {fields.controls} controls, new answers each time)"
    # Two sets of answers in turn: each save writes (answers, activity, section status).
    save.requests = [
        {
            "method": "POST",
            "path": page_path,
            "headers": {**signed_in, "Content-Type": "application/x-www-form-urlencoded"},
            "body": urllib.parse.urlencode({**answers.fields, "action": ["later"]}, doseq=True),
        }
        for answers in (fields, changed)
    ]
    process_id = process_path.rstrip("/").rsplit("/", 1)[-1]
    bound.requests = [{"method": "GET", "path": f"/bench/signed-in-bound/{process_id}", "headers": signed_in}]
    log(f"process page {page_path}: {fields.controls} controls")
    return [render, save, bound, pdf]
