"""The board in a real browser: one case of a made-up council, one test per role.

Run by scripts/browser-test, which starts `docket serve` on a fresh workspace of
さくら市個人情報保護審議会 (five members, 桜井 春子 the chair; not the bundled example), with one account
per role, and passes:
  BOARD_URL        the board (http://127.0.0.1:PORT)
  BOARD_ARTIFACTS  where the screenshots go (full-page PNG, ROLE-NN-PAGE-desktop.png / -phone.png)
  BOARD_PASSWORDS  a folder with NAME.password for each account

Debian's chromium, driven by Playwright for Python (sync API); no browser is downloaded. Every page
a role visits is looked at twice, at 1366x900 and at 390x844: axe-core (axe-playwright-python) with
the WCAG 2.0/2.1 A and AA rules (JIS X 8341-3:2016 AA), and at phone width no horizontal scroll.
Those findings are gathered over the whole walk and fail the test at its end, each with its rule,
help, element and page; a step whose page does not show what the person would look at (texts,
figures, the answer's number; never timings) stops the test at once with a screenshot
(failed-STEP.png), its address and its text.

The tests, in the order a case goes:
  department      signs in, opens the case through the new-case form, uploads its materials
  secretariat     runs the draft, sets the meeting and its agenda; search, password, accounts,
                  the council's profile, the amendment form
  member          reads the meeting's materials
  secretariat     records the review's first round, sending the case back for a correction
  department      submits the corrected material on the materials page
  keyboard        the secretariat records the review by keyboard alone (Tab, Shift+Tab, Enter,
                  Space, typing; no mouse): signs in, opens the case page, submits the form
  secretariat     attendance, the vote, the answer and its seal, the register, the case's archive,
                  closes the meeting, publishes its minutes
  archivist       the archives (the case's, the meeting's): download, verify; retention
"""

import datetime
import os
import re
import sys
import tempfile
import traceback
import unicodedata
import zipfile
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

BASE = os.environ["BOARD_URL"].rstrip("/")
ARTIFACTS = Path(os.environ["BOARD_ARTIFACTS"])
PASSWORDS = Path(os.environ["BOARD_PASSWORDS"])

COUNCIL = "さくら市個人情報保護審議会"
TODAY = datetime.date.today()
CASE = f"sakura-{TODAY.year}-c1"
MEETING = f"{TODAY.year}-1"
SUBJECT = "子育て支援アプリの利用に伴う個人情報の取扱いについて"
MEMBERS = ["桜井 春子", "梅田 一郎", "松本 夏美", "竹内 秋男", "菊池 冬美"]
CHAIR = "桜井 春子"
ACCOUNTS = {"secretariat": "jimukyoku", "department": "jinji", "member": "iin", "archivist": "shoko"}
MATERIALS = {
    "資料1-1 利用の目的": "子育て支援アプリにより、保護者への連絡と健診の予約を行う。",
    "資料1-2 取り扱う個人情報": "保護者と子の氏名、住所、電話番号、メールアドレス、生年月日。",
}
QUESTIONS = [("アプリの利用をやめた保護者のデータはいつ消去するのか。", "退会の翌月末までに消去し、消去証明書で確認する。"),
             ("通知の内容に健康情報は含まれるのか。", "健診の日時のみで、結果は含めない。")]
CORRECTION = "保護者の同意の取り方を資料に書き加えること。"
CORRECTED_LINE = "保護者の同意は、アプリの初回利用時に画面で取得する。"
CONDITIONS = ["消去は消去証明書により確認すること。", "委託先の再委託を認めないこと。"]
ANSWER_NUMBER = re.compile(r"令和\s*[0-9０-９]+\s*年度第\s*[1１]\s*号")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Axe()


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def nfkc(text):
    return unicodedata.normalize("NFKC", text)


class Board:
    """One browser, one context (cookie jar) per role, as people at their own desks. Gathers what
    axe, the width check and the focus check find on every page looked at."""

    def __init__(self, browser):
        self.browser = browser
        self.pages = {}
        self.current = None
        self.findings = []        # (kind, text)
        self.review = {}          # axe's "needs review" (incomplete) rule id: elements, reported only
        self.looked = 0
        self.counters = {}

    def page(self, role, javascript=True, key=None):
        key = key or (role, javascript)
        if key not in self.pages:
            context = self.browser.new_context(java_script_enabled=javascript, locale="ja-JP", viewport=DESKTOP)
            context.set_default_timeout(30_000)
            page = context.new_page()

            def remember_policy(response, page=page):
                if response.request.is_navigation_request() and response.frame == page.main_frame:
                    page._docket_csp = response.headers.get("content-security-policy", "")
            page.on("response", remember_policy)
            self.pages[key] = page
        self.current = self.pages[key]
        return self.current

    def finding(self, kind, text):
        if (kind, text) not in self.findings:
            self.findings.append((kind, text))

    def script_free(self, page):
        """Whether the page is sandboxed without scripts (a case's document: CSP sandbox), where
        no script, axe's included, can run."""
        csp = getattr(page, "_docket_csp", "") or ""
        return "sandbox" in csp and "allow-scripts" not in csp

    def look(self, page, who, name, axe=True):
        """The page as a person sees it, at desktop and at phone width: axe's WCAG 2.0/2.1 A and AA
        rules at both, no horizontal scroll at 390 px, a full-page screenshot of each. A page
        sandboxed without scripts is looked at as the same person in a second context that does
        not apply the policy (the walk itself stays under it)."""
        if self.script_free(page):
            context = self.browser.new_context(locale="ja-JP", viewport=DESKTOP, bypass_csp=True,
                                               storage_state=page.context.storage_state())
            try:
                mirror = context.new_page()
                mirror.goto(page.url)
                self.look(mirror, who, name, axe)
            finally:
                context.close()
            return
        self.looked += 1
        n = self.counters[who] = self.counters.get(who, 0) + 1
        where = page.url.replace(BASE, "") or "/"
        shape = page.evaluate("""() => ({
            lang: document.documentElement.lang, h1: document.querySelectorAll('h1').length,
            header: !!document.querySelector('header'), main: document.querySelectorAll('main').length,
            nav: !!document.querySelector('nav'), skip: !!document.querySelector('a.skip[href]')})""")
        text = page.locator("main").text_content() if page.locator("main").count() else ""
        path = re.search(r"(?<![\w.:/])/(?:tmp|var|home|root|usr|work|opt|srv)/\S*", text)
        if path:
            around = " ".join(text[max(0, path.start() - 60):path.end() + 20].split())
            self.finding("words", f"the page shows a server path: …{around}… — {where}")
        for problem, bad in [("html lang is not ja", shape["lang"] != "ja"), (f"{shape['h1']} h1 (one wanted)", shape["h1"] != 1),
                             ("no header landmark", not shape["header"]), (f"{shape['main']} main (one wanted)", shape["main"] != 1),
                             ("no nav landmark for a signed-in person", "/login" not in where and not shape["nav"]),
                             ("no skip link to the main content", not shape["skip"])]:
            if bad:
                self.finding("structure", f"{problem} — {where}")
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            if axe:
                try:
                    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                                     "resultTypes": ["violations", "incomplete"]})
                    for violation in results.response["violations"]:
                        for node in violation["nodes"]:
                            target = " ".join(str(t) for t in node["target"])
                            self.finding("axe", f"{violation['id']} ({violation['impact']}): {violation['help']}"
                                                f" — {target} — {where} [{label}]")
                    for unsure in results.response.get("incomplete", []):  # for a person to review; not a failure
                        self.review[unsure["id"]] = self.review.get(unsure["id"], 0) + len(unsure["nodes"])
                except Exception as error:  # a page axe cannot run on is itself worth knowing
                    self.finding("axe", f"axe did not run on {where} [{label}]: {error}")
            if label == "phone":
                wide = page.evaluate("""() => {
                    const width = window.innerWidth, d = document.documentElement;
                    if (d.scrollWidth <= width) return null;
                    const culprits = [];
                    for (const e of document.querySelectorAll('body *')) {
                        const r = e.getBoundingClientRect();
                        if (r.right > width + 1 && culprits.length < 4 && ![...culprits].some(c => c.e.contains(e)))
                            culprits.push({e, what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                                          (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
                                          ' right=' + Math.round(r.right)});
                    }
                    return {scroll: d.scrollWidth, width, culprits: culprits.map(c => c.what)};
                }""")
                if wide:
                    self.finding("width", f"{where} scrolls sideways at 390 px: scrollWidth {wide['scroll']} > "
                                          f"{wide['width']} ({', '.join(wide['culprits'])})")
            page.screenshot(path=str(ARTIFACTS / f"{who}-{n:02d}-{name}-{label}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

    def sign_in(self, role, javascript=True, who=None, wrong_first=False):
        name = ACCOUNTS[role]
        password = (PASSWORDS / f"{name}.password").read_text().strip()
        page = self.page(role, javascript)
        go(page, "/login")
        self.look(page, who or role, "login", axe=javascript)
        if wrong_first:  # a wrong password: the sign-in page again, saying so
            page.fill("input[name=name]", name)
            page.fill("input[name=password]", password + "-wrong")
            with page.expect_navigation():
                submit(page.locator("form").filter(has=page.locator("input[name=password]")))
            check(page.locator("#message").count() > 0, f"a wrong password shows no message: {main_text(page)[:300]}")
            self.look(page, who or role, "login-refused", axe=javascript)
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            submit(page.locator("form").filter(has=page.locator("input[name=password]")))
        check("/login" not in page.url, f"{role} {name} was not signed in: {main_text(page)[:300]}")
        heading = page.locator("main h1").first.inner_text()
        check(CJK.search(heading), f"the {role}'s first page heading is not Japanese: {heading!r}")
        check(COUNCIL in page.locator("header").inner_text(), "the header does not name the council from its profile")
        return page


def submit(form):
    """Presses the form's own submit button (its last one that is not an add-row button), a real
    click as a person would."""
    button = form.locator("button[type=submit]:not([name=add]), button:not([type]):not([name=add]), input[type=submit]").last
    button.click()


def main_text(page):
    return page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")


def go(page, path, status=200):
    response = page.goto(f"{BASE}{path}")
    check(response is not None and response.status == status,
          f"GET {path} answered {response.status if response else 'nothing'}, expected {status}: {main_text(page)[:300]}")
    return page


def form_with(page, selector):
    """The form holding the field or button `selector`."""
    forms = page.locator("form").filter(has=page.locator(selector))
    check(forms.count() > 0, f"no form with {selector} on {page.url}")
    return forms.first


def post_form(page, form, expect_path=None):
    """Submits and follows the 303; a refused action renders its page again with the message."""
    with page.expect_navigation():
        submit(form)
    if expect_path is not None:
        check(expect_path in page.url, f"after submitting, the browser is on {page.url}, not {expect_path}: {main_text(page)[:500]}")


def fill_field(page, name, value, scope=None):
    """Fills the input named `name` (in the form `scope`, else anywhere on the page) by its kind:
    select, checkbox, file, textarea (lists one per line), or one input per list entry
    (name[0], name[1], … pressing the add-row button)."""
    scope = scope or page
    field = scope.locator(f'[name="{name}"]')
    if field.count() == 0 and isinstance(value, list):
        for i, entry in enumerate(value):
            if scope.locator(f'[name="{name}[{i}]"]').count() == 0:
                add = page.locator(f'button[name=add][value="{name}"]')
                check(add.count() > 0, f"no field {name}[{i}] and no add-row button for {name} on {page.url}")
                with page.expect_navigation():
                    add.first.click()
            scope.locator(f'[name="{name}[{i}]"]').first.fill(str(entry))
        return
    check(field.count() > 0, f"no field named {name} on {page.url}")
    field = field.first
    tag = field.evaluate("e => e.tagName.toLowerCase()")
    kind = (field.get_attribute("type") or "").lower()
    if kind == "hidden" or field.get_attribute("readonly") is not None or field.get_attribute("disabled") is not None:
        return  # fixed by the board (a department account's own department)
    if tag == "select":
        field.select_option(("true" if value else "false") if isinstance(value, bool) else str(value))
    elif kind == "checkbox":
        field.set_checked(bool(value))
    elif kind == "file":
        field.set_input_files(value)
    elif isinstance(value, list):
        field.fill("\n".join(str(v) for v in value))
    elif isinstance(value, bool):
        field.fill("true" if value else "false")
    else:
        field.fill(str(value))


def run_if_offered(page):
    """Presses the case page's run button where the case offers one (a clerk moving it on)."""
    run = page.locator(f'form[action="/cases/{CASE}/run"]')
    if run.count():
        post_form(page, run.first, f"/cases/{CASE}")


def follow(page, link):
    check(link.count() > 0, f"no such link on {page.url}")
    with page.expect_navigation():
        link.first.click()
    return page


# MARK: - Keyboard alone


FOCUSED = """sel => {
    const e = document.activeElement;
    if (!e || e === document.body) return {match: false, what: 'body', outline: true};
    const s = getComputedStyle(e);
    const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
    return {match: e.matches(sel), outline: shown,
            what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[name=' + e.name + ']' : '') +
                  ' ' + (e.innerText || e.value || '').trim().slice(0, 24)};
}"""


def tab_to(board, page, selector, backwards=False, limit=200):
    """Presses Tab (Shift+Tab backwards) until the focus is on `selector`, checking on the way that
    every focused element shows its focus (an outline of 2 px or more)."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        info = page.evaluate(FOCUSED, selector)
        if not info["outline"]:
            board.finding("focus", f"no visible focus on {info['what']} — {page.url.replace(BASE, '')}")
        if info["match"]:
            return info
    raise Failed(f"{limit} presses of {'Shift+Tab' if backwards else 'Tab'} never reached {selector} on {page.url}")


def press_and_follow(page, key):
    with page.expect_navigation():
        page.keyboard.press(key)


# MARK: - The tests, one per role


def materials_folder():
    folder = Path(tempfile.mkdtemp(prefix="board-materials-"))
    for name, line in MATERIALS.items():
        (folder / f"{name}.md").write_text(f"# {name}\n\n{line}\n", encoding="utf-8")
    return sorted(str(p) for p in folder.iterdir())


def department(board):
    """人事課 signs in, opens the case through the new-case form and uploads its materials."""
    who = "department"
    page = board.sign_in("department")
    board.look(page, who, "board")
    link = page.locator("#new-case")
    check(link.count() > 0, f"the department's board has no link to open a case: {main_text(page)[:300]}")
    follow(page, link)
    choices = page.locator("#workflow-choices a")
    if choices.count():  # the workflow chooser
        board.look(page, who, "choose-workflow")
        follow(page, page.locator('#workflow-choices a[href*="workflow=consultation"]'))
    else:
        # TODO(workflow chooser at /cases/new): the lead is adding it; until then the form's address.
        go(page, "/cases/new?workflow=consultation")
    check("workflow=consultation" in page.url, f"the consultation's form is not open: {page.url}")
    board.look(page, who, "new-case")
    # Sent without its subject first: the form comes back with the error summary, each error
    # linked to its field and the field marked (aria-invalid).
    fill_field(page, "case", CASE)
    fill_field(page, "kind", "cloud-service")
    post_form(page, form_with(page, "input[name=case]"))
    summary = page.locator("#error-summary")
    check(summary.count() > 0, f"the form sent without a subject shows no error summary: {main_text(page)[:500]}")
    check(page.locator('[name="subject"][aria-invalid="true"]').count() > 0, "the missing subject is not marked aria-invalid")
    board.look(page, who, "new-case-errors")
    fill_field(page, "case", CASE)
    inputs = {
        "department": "人事課", "subject": SUBJECT, "kind": "cloud-service", "contractor": "子育て支援アプリの提供事業者",
        "items": ["氏名", "住所", "電話番号", "メールアドレス", "生年月日"],
        "purpose": "保護者への連絡と健診の予約を、子育て支援アプリ（クラウドサービス）で行う。",
        "handover": True, "retention_end": f"{TODAY.year + 1}-03-31", "materials": list(MATERIALS),
        "materials_folder": materials_folder(), "consulted_on": TODAY.isoformat(),
    }
    for name, value in inputs.items():
        fill_field(page, name, value)
    board.look(page, who, "new-case-filled")
    post_form(page, form_with(page, "input[name=case]"), f"/cases/{CASE}")
    text = main_text(page)
    check(SUBJECT in text, f"the new case's page does not show its subject: {text[:500]}")
    check("資料1-1" in page.locator("main").text_content(), f"the case page does not list the uploaded materials: {text[:800]}")
    board.look(page, who, "case-opened")
    # TODO(amend on the case page): the lead is adding it; a department's amendment is not walked yet.
    # The materials page is offered only when a step waits for materials (a review sending the case back).
    if page.locator("#materials-link").count():
        follow(page, page.locator("#materials-link"))
        board.look(page, who, "materials")
    response = page.goto(f"{BASE}/meetings/new")
    check(response.status == 403, f"the department GET /meetings/new answered {response.status}, expected 403")
    check(CJK.search(main_text(page)), "the refusal says nothing in Japanese")
    board.look(page, who, "refused")


def sign_in_without_javascript(board):
    """With JavaScript off, the secretariat still signs in and sees the board."""
    page = board.sign_in("secretariat", javascript=False, who="nojs")
    go(page, "/")
    check(CJK.search(page.locator("main h1").first.inner_text()), "the board without JavaScript has no Japanese heading")
    # axe is itself a script: with JavaScript off its run never ends, so this page gets the width,
    # structure and path checks only (its HTML is the board's, which axe checks with JavaScript on).
    board.look(page, "nojs", "board", axe=False)


def secretariat_prepares(board):
    """The secretariat finds the draft made, opens the meeting and puts the case on its agenda."""
    who = "secretariat"
    page = board.sign_in("secretariat")
    board.look(page, who, "board")
    follow(page, page.locator(f'a[href="/cases/{CASE}"]'))
    run_if_offered(page)  # the case runs by itself once opened; a run button where it waits to be run
    text = page.locator("main").text_content()
    check("資料1-1" in text, f"the case page does not list the materials after the draft: {text[:800]}")
    check(re.search(r"審議|review", page.locator("#case-waits").inner_text()), f"the case does not wait for the review: {text[:600]}")
    board.look(page, who, "case-drafted")
    go(page, "/meetings")
    board.look(page, who, "meetings")
    follow(page, page.locator("#meeting-new-link"))
    board.look(page, who, "meeting-new")
    for name, value in [("id", MEETING), ("title", f"令和{TODAY.year - 2018}年度第1回{COUNCIL}"), ("date", TODAY.isoformat()),
                        ("time", "14:00-16:00"), ("place", "さくら市役所 第一会議室")]:
        if page.locator(f'[name="{name}"]').count():
            fill_field(page, name, value)
    post_form(page, form_with(page, "input[name=date]"), f"/meetings/{MEETING}")
    agenda = page.locator(f'form[action="/meetings/{MEETING}/agenda"]')
    check(agenda.count() > 0, f"the meeting page has no agenda form: {main_text(page)[:500]}")
    fill_field(page, "kind", "consultation", agenda.first)
    fill_field(page, "case", CASE, agenda.first)
    post_form(page, agenda.first, f"/meetings/{MEETING}")
    check(SUBJECT in main_text(page) or CASE in main_text(page), "the agenda does not show the case")
    board.look(page, who, "meeting-agenda")
    go(page, f"/search?q={'子育て'}")
    check(CASE in main_text(page), f"the search for 子育て does not find {CASE}: {main_text(page)[:400]}")
    board.look(page, who, "search")
    go(page, "/account/password")
    board.look(page, who, "password")
    # The accounts and the council's profile, from the header's menu.
    follow(page, page.locator('header nav a[href="/accounts"]'))
    check(ACCOUNTS["department"] in main_text(page), f"the accounts page does not list {ACCOUNTS['department']}: {main_text(page)[:400]}")
    board.look(page, who, "accounts")
    follow(page, page.locator(f'#accounts a[href$="/accounts/{ACCOUNTS["department"]}"]'))
    board.look(page, who, "account")
    follow(page, page.locator('header nav a[href="/council"]'))
    text = main_text(page)
    check(COUNCIL in text and CHAIR in text, f"the council's profile page does not name the council and its chair: {text[:400]}")
    board.look(page, who, "council")
    member_link = page.locator("main a[href^='/council/members/']")
    if member_link.count():
        follow(page, member_link)
        board.look(page, who, "council-member")
    # The amendment form (inputs corrected with a reason), looked at, not sent.
    go(page, f"/cases/{CASE}")
    if page.locator("#amend-link").count():
        follow(page, page.locator("#amend-link"))
        board.look(page, who, "amend")


def member(board):
    """A member finds the case on the meeting's agenda and reads 資料1-1."""
    who = "member"
    page = board.sign_in("member", wrong_first=True)
    board.look(page, who, "board")
    go(page, f"/meetings/{MEETING}")
    board.look(page, who, "meeting")
    follow(page, page.locator(f'#agenda-items a[href="/cases/{CASE}"]'))
    board.look(page, who, "case")
    follow(page, page.locator("a", has_text="資料1-1"))
    check(MATERIALS["資料1-1 利用の目的"] in page.inner_text("body"), f"資料1-1 does not read as its file: {page.inner_text('body')[:300]}")
    board.look(page, who, "material")
    response = page.goto(f"{BASE}/archives")
    check(response.status == 403, f"the member GET /archives answered {response.status}, expected 403")
    board.look(page, who, "refused")


def keyboard(board):
    """The secretariat, by keyboard alone, signs in, opens the case page and records the review."""
    who = "keyboard"
    page = board.page("secretariat", key="keyboard")
    name = ACCOUNTS["secretariat"]
    password = (PASSWORDS / f"{name}.password").read_text().strip()
    go(page, "/login")
    tab_to(board, page, "a.skip")  # the first stop is the skip link to the main content
    tab_to(board, page, "#name")
    page.keyboard.type(name)
    tab_to(board, page, "#password")
    page.keyboard.type(password)
    tab_to(board, page, "#name", backwards=True)  # Shift+Tab goes back over what was typed
    check(page.input_value("#name") == name, "the account name typed by keyboard is not in its field")
    tab_to(board, page, "#login")
    press_and_follow(page, "Enter")
    check("/login" not in page.url, f"the keyboard sign-in failed: {main_text(page)[:300]}")
    board.look(page, who, "board")
    # The skip link takes the focus to the main content, past the header's menu.
    tab_to(board, page, "a.skip")
    page.keyboard.press("Enter")
    check(page.evaluate("() => !!document.activeElement.closest('#content, main')"),
          "the skip link does not move the focus to the main content")
    tab_to(board, page, f'a[href="/cases/{CASE}"]')
    press_and_follow(page, "Enter")
    check(page.url.endswith(f"/cases/{CASE}"), f"Enter on the case's link did not open its page: {page.url}")
    board.look(page, who, "case")
    tab_to(board, page, "#record-link")
    press_and_follow(page, "Enter")
    check("/record/review" in page.url, f"the record link does not open the review's form: {page.url}")
    board.look(page, who, "record-review")
    # One row of questions is there; a second row is added by Space on the add-row button.
    if page.locator('[name="questions[1].question"]').count() == 0 and page.locator('button[name=add][value="questions"]').count():
        tab_to(board, page, 'button[name=add][value="questions"]')
        press_and_follow(page, "Space")
    for i, (question, answer) in enumerate(QUESTIONS):
        tab_to(board, page, f'[name="questions[{i}].question"]')
        page.keyboard.type(question)
        tab_to(board, page, f'[name="questions[{i}].answer"]')
        page.keyboard.type(answer)
    if page.locator('textarea[name="conditions"]').count():
        tab_to(board, page, 'textarea[name="conditions"]')
        page.keyboard.type("\n".join(CONDITIONS))
    else:
        for i, condition in enumerate(CONDITIONS):
            if page.locator(f'[name="conditions[{i}]"]').count() == 0:
                tab_to(board, page, 'button[name=add][value="conditions"]')
                press_and_follow(page, "Space")
            tab_to(board, page, f'[name="conditions[{i}]"]')
            page.keyboard.type(condition)
    board.look(page, who, "record-review-filled")
    tab_to(board, page, "#record-submit")
    press_and_follow(page, "Space")
    check("/record/" not in page.url, f"the keyboard did not record the review: {main_text(page)[:500]}")
    if not page.url.endswith(f"/cases/{CASE}"):
        go(page, f"/cases/{CASE}")
    if page.locator("#run").count():
        tab_to(board, page, "#run")
        press_and_follow(page, "Enter")
    text = page.locator("main").text_content()  # the step's record is in a closed <details>
    check(QUESTIONS[0][0] in text, f"the case page does not show the recorded review: {text[:1500]}")
    check(re.search(r"採決|vote", page.locator("#case-waits").inner_text()), f"the case does not wait for the vote: {text[:600]}")
    board.look(page, who, "case-reviewed")


def secretariat_decides(board):
    """Attendance 5 of 5, the vote 3 for and 1 against (the chair votes only on a tie), the answer
    with its number, its seal, the register; the meeting is closed and its minutes read."""
    who = "secretariat"
    page = board.page("secretariat")
    go(page, f"/meetings/{MEETING}")
    form = page.locator(f'form[action="/meetings/{MEETING}/attendance"]').first
    if form.locator("input[type=checkbox]").count():
        for name in MEMBERS:
            form.get_by_label(name, exact=True).check()
    else:
        fill_field(page, "members", MEMBERS, form)
    for key, value in [("staff", ["人事課長", "事務局"]), ("observers", 0)]:
        if form.locator(f'[name="{key}"]').count():
            fill_field(page, key, value, form)
    post_form(page, form, f"/meetings/{MEETING}")
    check(re.search(r"出席\s*5\s*名", main_text(page)), f"the meeting page does not show the 5 present: {main_text(page)[:600]}")
    board.look(page, who, "meeting-attendance")
    form = page.locator(f"#vote-{CASE}")
    check(form.count() > 0, f"the meeting page has no vote form for {CASE}: {main_text(page)[:800]}")
    for key, value in [("present", 5), ("for", 3), ("against", 1), ("recount_called", False)]:
        if form.locator(f'[name="{key}"]').count():
            fill_field(page, key, value, form)
    post_form(page, form, f"/meetings/{MEETING}")
    board.look(page, who, "meeting-voted")
    go(page, f"/cases/{CASE}")
    run_if_offered(page)
    text = main_text(page)
    check("承認" in text, f"the case page does not show the decision 承認: {text[:1200]}")
    board.look(page, who, "case-answered")
    answer = page.locator("a", has_text=re.compile(r"answer/答申\.md$"))
    check(answer.count() > 0, f"the case page lists no answer/答申.md: {text[:1200]}")
    follow(page, answer)
    text = page.inner_text("body")
    check(ANSWER_NUMBER.search(text), f"the answer has no number 令和N年度第1号: {text[:600]}")
    check("さくら市長" in text, f"the answer is not addressed to さくら市長: {text[:600]}")
    check("賛成3名、反対1名" in nfkc(text), f"the answer does not give the tally 賛成3名、反対1名: {text[:600]}")
    board.look(page, who, "answer")
    go(page, f"/cases/{CASE}")
    official = page.locator("#official-section")
    check(official.count() > 0, "the case page has no 公文書（PDF） section")
    listed = official.inner_text()
    check("電子署名あり" in listed and "記録と同一" in listed and CHAIR in listed, f"the sealed answer's state is not shown: {listed}")
    follow(page, page.locator("#official a", has_text="署名を検証する"))
    check("変更されていません" in page.inner_text("#seal-result"), "the seal check does not say the answer is unchanged")
    board.look(page, who, "seal-check")
    go(page, "/answers")
    text = main_text(page)
    check(ANSWER_NUMBER.search(text) and SUBJECT in text, f"the answers register does not list the answer: {text[:600]}")
    board.look(page, who, "answers")
    # The case's archive: made by the workflow's last step; the case page offers another on request.
    go(page, f"/cases/{CASE}")
    if page.locator("#archive").count():
        post_form(page, form_with(page, "#archive"))
        board.look(page, who, "archived")
    go(page, f"/meetings/{MEETING}")
    post_form(page, form_with(page, "#close-submit"), f"/meetings/{MEETING}")
    board.look(page, who, "meeting-closed")
    follow(page, page.locator("#minutes-link"))
    text = nfkc(main_text(page))
    check("賛成3名、反対1名" in text, f"the minutes do not give the show of hands: {text[:1500]}")
    check(re.search(r"結果: 承認\s*答申番号 令和\d+年度第1号", text), f"the minutes do not give 結果: 承認 and the answer number: {text[:1500]}")
    board.look(page, who, "minutes")
    # The minutes checked for personal data, sealed, recorded and archived from the meeting page.
    go(page, f"/meetings/{MEETING}")
    post_form(page, form_with(page, "#minutes-publish"), f"/meetings/{MEETING}")
    check("会議録は確定し" in main_text(page), f"the minutes were not published: {main_text(page)[:800]}")
    board.look(page, who, "minutes-published")


def archivist(board):
    """The archivist downloads and verifies the case's and the meeting's archives and reads the
    retention list."""
    who = "archivist"
    page = board.sign_in("archivist")
    board.look(page, who, "archives-first")
    response = page.goto(f"{BASE}/cases/{CASE}")
    check(response.status == 403, f"the archivist GET /cases/{CASE} answered {response.status}: the case pages are not the archivist's")
    board.look(page, who, "refused")
    go(page, "/archives")
    check(CASE in main_text(page), f"the archives page does not list {CASE}: {main_text(page)[:500]}")
    board.look(page, who, "archives")
    href = page.locator(f"#download-{CASE}").get_attribute("href")
    response = page.request.get(f"{BASE}{href}")
    check(response.status == 200, f"the archive's download answered {response.status}")
    archive = Path(tempfile.mkdtemp(prefix="board-archive-")) / "archive.zip"
    archive.write_bytes(response.body())
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    check(any(n.endswith("bagit.txt") for n in names), f"the downloaded archive is not a BagIt bag: {names[:10]}")
    with page.expect_navigation():
        page.locator(f"#verify-{CASE}").click()
    check(page.locator("#verify-ok").count() > 0 and "正常です" in main_text(page),
          f"the verification does not say the archive is sound: {main_text(page)[:500]}")
    board.look(page, who, "archive-verified")
    verify = page.locator(f"#verify-meeting-{MEETING}")
    check(verify.count() > 0, f"the archives page lists no archive of meeting {MEETING}: {main_text(page)[:600]}")
    with page.expect_navigation():
        verify.click()
    check(page.locator("#verify-ok").count() > 0, f"the meeting's archive does not verify: {main_text(page)[:500]}")
    board.look(page, who, "meeting-archive-verified")
    go(page, "/retention")
    check(CJK.search(main_text(page)), "the retention page says nothing in Japanese")
    board.look(page, who, "retention")


def secretariat_sends_back(board):
    """The first round of the review asks for a correction of 資料1-2 and sends the case back."""
    who = "secretariat"
    page = board.page("secretariat")
    go(page, f"/cases/{CASE}")
    follow(page, page.locator("#record-link"))
    fill_field(page, "corrections[0].material", "資料1-2")
    fill_field(page, "corrections[0].change", CORRECTION)
    fill_field(page, "send_back", True)
    board.look(page, who, "record-send-back")
    post_form(page, form_with(page, "#record-submit"))
    if not page.url.endswith(f"/cases/{CASE}"):
        go(page, f"/cases/{CASE}")
    run_if_offered(page)
    check(page.locator("#materials-link").count() == 0 or "資料" in page.locator("#case-waits").inner_text(),
          f"the case sent back does not wait for the corrected materials: {main_text(page)[:600]}")
    board.look(page, who, "case-sent-back")


def department_corrects(board):
    """人事課 submits the corrected 資料1-2 on the materials page; the case drafts again and waits
    for the review's next round."""
    who = "department"
    page = board.page("department")
    go(page, f"/cases/{CASE}")
    seen = CORRECTION in page.locator("main").text_content()
    board.look(page, who, "case-sent-back")
    follow(page, page.locator("#materials-link"))
    board.look(page, who, "materials")
    if not (seen or CORRECTION in page.locator("main").text_content()):
        board.finding("gap", f"the department is asked for corrected materials but neither its case page nor the "
                             f"materials page says what the council asked to correct ({CORRECTION})")
    folder = Path(tempfile.mkdtemp(prefix="board-corrected-"))
    corrected = folder / "資料1-2 取り扱う個人情報.md"
    corrected.write_text(f"# 資料1-2 取り扱う個人情報\n\n{MATERIALS['資料1-2 取り扱う個人情報']}\n{CORRECTED_LINE}\n", encoding="utf-8")
    fill_field(page, "files", [str(corrected)])
    post_form(page, form_with(page, "#materials-submit"))
    if not page.url.endswith(f"/cases/{CASE}"):
        # The page asks for the corrected material; where it wants the whole set, say so and send it.
        board.finding("gap", f"the materials page refuses the one corrected file it asks for: "
                             f"{' '.join(page.locator('main .error, main .field-error').all_inner_texts())[:300]}")
        board.look(page, who, "materials-refused")
        unchanged = folder / "資料1-1 利用の目的.md"
        unchanged.write_text(f"# 資料1-1 利用の目的\n\n{MATERIALS['資料1-1 利用の目的']}\n", encoding="utf-8")
        fill_field(page, "files", [str(unchanged), str(corrected)])
        post_form(page, form_with(page, "#materials-submit"))
    check(page.url.endswith(f"/cases/{CASE}"), f"the corrected materials were not taken: {main_text(page)[:800]}")
    board.look(page, who, "case-corrected")
    go(page, f"/cases/{CASE}")
    check(re.search(r"審議|review", page.locator("#case-waits").inner_text()),
          f"after the corrected materials the case does not wait for the review: {main_text(page)[:800]}")


TESTS = [department, sign_in_without_javascript, secretariat_prepares, member, secretariat_sends_back,
         department_corrects, keyboard, secretariat_decides, archivist]


def main():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failed = None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        board = Board(browser)
        for test in TESTS:
            try:
                test(board)
                print(f"ok   {test.__name__}: {test.__doc__.splitlines()[0]}")
            except Exception as error:
                failed = test.__name__
                print(f"FAIL {test.__name__}: {test.__doc__.splitlines()[0]}")
                page = board.current
                if page is not None:
                    try:
                        page.set_viewport_size(DESKTOP)
                        page.screenshot(path=str(ARTIFACTS / f"failed-{test.__name__}.png"), full_page=True)
                        print(f"     on {page.url}: {main_text(page)[:800]}")
                    except Exception:
                        pass
                if isinstance(error, Failed):
                    print(f"     {error}")
                else:
                    traceback.print_exc(file=sys.stdout)
                break
        browser.close()
    kinds = {"axe": "axe-core (WCAG 2.0/2.1 A, AA)", "width": "horizontal scroll at 390 px", "focus": "focus not visible",
             "structure": "page structure (lang, one h1, landmarks, skip link)",
             "gap": "what a person needs and the page does not give",
             "words": "what a page must never show (a server path)"}
    for kind, title in kinds.items():
        found = [text for k, text in board.findings if k == kind]
        print(f"{title}: {len(found)} finding(s) on {board.looked} page(s) looked at, each at 1366 and 390 px")
        for text in found:
            print(f"  - {text}")
    if board.review:
        print("axe could not decide these (needs a person's review, not counted as findings): " +
              ", ".join(f"{rule} {count}" for rule, count in sorted(board.review.items())))
    if failed:
        return 1
    if board.findings:
        print("browser test: the walk went through, but the pages have the findings above")
        return 1
    print(f"browser test: all {len(TESTS)} tests as expected, no findings on {board.looked} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
