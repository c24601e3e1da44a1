"""The board in a real browser: the 2022-06-27 meeting's first item (諮問1) end to end.

Run by scripts/browser-test, which starts `docket serve` on a fresh workspace with one account per
role and passes:
  BOARD_URL        the board (http://127.0.0.1:PORT)
  BOARD_ARTIFACTS  where the screenshots go (full-page PNG, one per step)
  BOARD_PASSWORDS  a folder with NAME.password for each account
  MEETING_EXAMPLE  workflows/examples/meeting-2022-06-27 (the meeting's inputs, materials, records)

Debian's chromium, driven by Playwright for Python (sync API); no browser is downloaded. Each
step checks what the clerk, the department or the member would look at on the page (texts,
figures, the answer's number), never timings. The first failing step stops the test with a
screenshot of the page it was on (failed-STEP.png), its address and its text.
"""

import os
import re
import sys
import traceback
import unicodedata
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ["BOARD_URL"].rstrip("/")
ARTIFACTS = Path(os.environ["BOARD_ARTIFACTS"])
PASSWORDS = Path(os.environ["BOARD_PASSWORDS"])
EXAMPLE = Path(os.environ["MEETING_EXAMPLE"])

CASE = "r4-1-c1"
MEETING = "2022-1"
SUBJECT = "内定者管理ツールの利用に伴う個人情報の取扱いについて"
ACCOUNTS = {"secretariat": "jimukyoku", "department": "jinji", "member": "iin01", "archivist": "shoko"}
ANSWER_NUMBER = re.compile(r"令和[4４]年度第[1１]号")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def yaml_scalar(text):
    """The few YAML scalars the example's files use: plain or quoted strings, ints, bools."""
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def load_example(name):
    """Reads one of the example's small YAML files (flat keys, lists of scalars or of flat
    mappings, flow lists) without a YAML library: the test needs nothing beyond Playwright."""
    data, key, item = {}, None, None
    lines = (EXAMPLE / name).read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].split(" #")[0].rstrip() if not lines[i].lstrip().startswith("#") else ""
        i += 1
        if not raw.strip():
            continue
        if not raw.startswith(" ") and ":" in raw:
            key, _, rest = raw.partition(":")
            rest = rest.strip()
            if rest.startswith("["):
                while not rest.endswith("]"):  # a flow list continued on the next lines
                    rest += " " + lines[i].strip()
                    i += 1
                data[key] = [yaml_scalar(v) for v in rest[1:-1].split(",") if v.strip()]
            else:
                data[key] = yaml_scalar(rest) if rest else []
            item = None
        elif raw.strip().startswith("- "):
            body = raw.strip()[2:]
            if re.match(r"^[A-Za-z_]+:\s", body):
                k, _, v = body.partition(":")
                item = {k: yaml_scalar(v)}
                data[key].append(item)
            else:
                data[key].append(yaml_scalar(body))
                item = None
        elif item is not None and ":" in raw:
            k, _, v = raw.strip().partition(":")
            item[k] = yaml_scalar(v)
    return data


def nfkc(text):
    return unicodedata.normalize("NFKC", text)


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


class Board:
    """One browser, one context (cookie jar) per role, as four people at four desks."""

    def __init__(self, browser):
        self.browser = browser
        self.pages = {}
        self.current = None

    def page(self, role, javascript=True):
        key = (role, javascript)
        if key not in self.pages:
            context = self.browser.new_context(java_script_enabled=javascript, locale="ja-JP",
                                               viewport={"width": 1280, "height": 900})
            context.set_default_timeout(30_000)
            self.pages[key] = context.new_page()
        self.current = self.pages[key]
        return self.current

    def sign_in(self, role, javascript=True):
        name = ACCOUNTS[role]
        password = (PASSWORDS / f"{name}.password").read_text().strip()
        page = self.page(role, javascript)
        response = page.goto(f"{BASE}/login")
        check(response.status == 200, f"GET /login answered {response.status}")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            submit(page.locator("form").filter(has=page.locator("input[name=password]")))
        check("/login" not in page.url, f"{role} {name} was not signed in: {main_text(page)[:300]}")
        return page


def submit(form):
    """Presses the form's own submit button (its last one that is not an add-row button), a real
    click as a person would."""
    button = form.locator("button[type=submit]:not([name=add]), button:not([type]):not([name=add]), input[type=submit]").last
    button.click()


def main_text(page):
    return page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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
            entry_field = scope.locator(f'[name="{name}[{i}]"]')
            if entry_field.count() == 0:
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


# MARK: - The steps


def every_role_sees_its_board(board):
    """Each role signs in and lands on its page (the board; the archivist's archives), in Japanese."""
    for role in ACCOUNTS:
        page = board.sign_in(role)
        heading = page.locator("main h1").first.inner_text()
        check(CJK.search(heading), f"the {role}'s board heading is not Japanese: {heading!r}")
        shot(page, f"board-{role}")


def wrong_role_is_refused(board):
    """The pages of one role are refused to another, with a page saying so."""
    for role, path in [("member", "/archives"), ("department", "/meetings/new"), ("archivist", "/cases/new?workflow=consultation")]:
        page = board.page(role)
        response = page.goto(f"{BASE}{path}")
        check(response.status == 403, f"{role} GET {path} answered {response.status}, expected 403")
        check(CJK.search(main_text(page)), f"the refusal of {path} to {role} says nothing in Japanese")
    shot(board.page("member"), "refused-member-archives")


def department_opens_the_case(board):
    """人事課 opens 諮問1 from the consultation workflow's inputs and uploads its four materials."""
    page = board.page("department")
    go(page, "/cases/new?workflow=consultation")
    inputs = load_example("c1/inputs.yaml")
    fill_field(page, "case", CASE)
    for name, value in inputs.items():
        if name == "materials_folder":
            files = sorted(str(p) for p in (EXAMPLE / "c1" / "materials").iterdir())
            fill_field(page, name, files)
        else:
            fill_field(page, name, value)
    shot(page, "new-case-filled")
    post_form(page, form_with(page, "input[name=case]"), f"/cases/{CASE}")
    text = main_text(page)
    check(SUBJECT in text, f"the new case's page does not show its subject: {text[:500]}")
    shot(page, "case-opened")


def secretariat_runs_the_draft(board):
    """The secretariat runs the case: the draft is made and the case waits for the review."""
    page = board.page("secretariat")
    go(page, f"/cases/{CASE}")
    run = page.locator(f'form[action="/cases/{CASE}/run"]')
    check(run.count() > 0, f"the case page offers no run button: {main_text(page)[:500]}")
    post_form(page, run.first, f"/cases/{CASE}")
    text = main_text(page)
    check("資料1-1" in text, f"the case page does not list the materials after the draft: {text[:800]}")
    shot(page, "case-drafted")


def secretariat_sets_the_meeting(board):
    """Meeting 2022-1 (令和4年6月27日) is opened, 諮問1 put on its agenda."""
    meeting = load_example("meeting.yaml")
    page = board.page("secretariat")
    go(page, "/meetings/new")
    for name, value in [("id", MEETING), ("title", meeting["title"]), ("date", "2022-06-27"),
                        ("time", meeting["time"]), ("place", meeting["place"])]:
        if page.locator(f'[name="{name}"]').count():
            fill_field(page, name, value)
    post_form(page, form_with(page, "input[name=date]"), f"/meetings/{MEETING}")
    agenda = page.locator(f'form[action="/meetings/{MEETING}/agenda"]')
    check(agenda.count() > 0, f"the meeting page has no agenda form: {main_text(page)[:500]}")
    fill_field(page, "kind", "consultation", agenda.first)
    fill_field(page, "case", CASE, agenda.first)
    post_form(page, agenda.first, f"/meetings/{MEETING}")
    check(CASE in main_text(page) or SUBJECT in main_text(page), "the agenda does not show 諮問1")
    shot(page, "meeting-agenda")


def member_reads_the_materials(board):
    """委員01 finds the case on the meeting's agenda and reads 資料1-1."""
    page = board.page("member")
    go(page, f"/meetings/{MEETING}")
    go(page, f"/cases/{CASE}")
    link = page.locator("a", has_text="資料1-1").first
    with page.expect_navigation():
        link.click()
    text = page.inner_text("body")
    expected = (EXAMPLE / "c1" / "materials" / "資料1-1_利用の目的.md").read_text(encoding="utf-8")
    first_line = next(l for l in expected.splitlines()[1:] if l.strip())
    check(first_line.strip() in text, f"資料1-1 does not read as its file: {text[:300]}")
    shot(page, "member-reads-material")


def secretariat_records_the_review(board):
    """The review (two questions and answers, two conditions) through the generated form."""
    review = load_example("c1/review.yaml")
    page = board.page("secretariat")
    go(page, f"/cases/{CASE}/record/review")
    for i, qa in enumerate(review["questions"]):
        if page.locator(f'[name="questions[{i}].question"]').count() == 0:
            with page.expect_navigation():
                page.locator('button[name=add][value="questions"]').first.click()
        page.fill(f'[name="questions[{i}].question"]', qa["question"])
        page.fill(f'[name="questions[{i}].answer"]', qa["answer"])
    fill_field(page, "conditions", review["conditions"])
    shot(page, "record-review")
    # Enter in a one-line field, as many people submit: it must record (the form's first submit
    # button), not add a row (the case page below then shows the review).
    field = form_with(page, '[name="questions[0].question"]').locator("input[type=text]").first
    check(field.count() > 0, "the review form has no one-line field to press Enter in")
    with page.expect_navigation():
        field.press("Enter")
    check("/record/" not in page.url, f"Enter did not record the review: {main_text(page)[:500]}")
    go(page, f"/cases/{CASE}")
    run_if_offered(page)
    text = page.locator("main").text_content()  # the step's record is in a closed <details>
    check("内定者のデータは3月31日に区側で削除するということか。" in text, f"the case page does not show the recorded review: {text[:1500]}")
    check(re.search(r"採決|vote", page.locator("#case-waits").inner_text()), f"the case does not wait for the vote: {text[:600]}")


def secretariat_records_attendance_and_votes(board):
    """Attendance 18 of 21; the vote twice (the chair asked for the hands again): 15 for, 2 against."""
    attendance = load_example("attendance.yaml")
    page = board.page("secretariat")
    go(page, f"/meetings/{MEETING}")
    form = page.locator(f'form[action="/meetings/{MEETING}/attendance"]').first
    boxes = form.locator("input[type=checkbox]")
    if boxes.count():
        for member in attendance["members"]:
            form.get_by_label(member, exact=True).check()
    else:
        fill_field(page, "members", attendance["members"], form)
    for key in ["staff", "observers"]:
        if form.locator(f'[name="{key}"]').count():
            fill_field(page, key, attendance[key], form)
    post_form(page, form, f"/meetings/{MEETING}")
    check(re.search(r"出席\s*18\s*名", main_text(page)), f"the meeting page does not show the 18 present: {main_text(page)[:600]}")
    for tally_file in ["c1/tally-1.yaml", "c1/tally-2.yaml"]:
        tally = load_example(tally_file)
        go(page, f"/meetings/{MEETING}")
        form = page.locator(f"#vote-{CASE}")
        check(form.count() > 0, f"the meeting page has no vote form for {CASE}: {main_text(page)[:800]}")
        for key, value in tally.items():  # present comes from the attendance where the form has no field for it
            if key != "present" or form.locator('[name="present"]').count():
                fill_field(page, key, value, form)
        post_form(page, form, f"/meetings/{MEETING}")
        text = main_text(page)
        check("15" in text and "2" in text, f"the meeting page does not show the tally 15 for, 2 against: {text[:800]}")
        shot(page, "meeting-" + Path(tally_file).stem)
        go(page, f"/cases/{CASE}")
        run_if_offered(page)


def secretariat_runs_to_the_answer(board):
    """The case runs on: the answer 令和4年度第1号 is issued, 承認, 賛成15名、反対2名, in the register."""
    page = board.page("secretariat")
    go(page, f"/cases/{CASE}")
    run_if_offered(page)
    text = main_text(page)
    check("承認" in text, f"the case page does not show the decision 承認: {text[:1200]}")
    shot(page, "case-answered")
    answer = page.locator("a", has_text=re.compile(r"answer/答申\.md$")).first
    check(answer.count() > 0, f"the case page lists no answer/答申.md: {text[:1200]}")
    with page.expect_navigation():
        answer.click()
    text = page.inner_text("body")
    check(ANSWER_NUMBER.search(text), f"the answer has no number 令和4年度第1号: {text[:600]}")
    check("本件について、承認する。" in text, f"the answer does not say 承認する: {text[:600]}")
    check("賛成15名、反対2名" in text, f"the answer does not give the tally 賛成15名、反対2名: {text[:600]}")
    shot(page, "answer")
    # The sealed PDF/A: offered for download, its seal shown, and checked on request.
    go(page, f"/cases/{CASE}")
    official = page.locator("#official-section")
    check(official.count() > 0, "the case page has no 公文書（PDF） section")
    listed = official.inner_text()
    check("電子署名あり" in listed and "記録と同一" in listed, f"the sealed answer's state is not shown: {listed}")
    check(page.locator("#official a", has_text="ダウンロード").count() >= 4, f"the PDFs have no download buttons: {listed}")
    with page.expect_navigation():
        page.locator("#official a", has_text="署名を検証する").first.click()
    result = page.inner_text("#seal-result")
    check("変更されていません" in result, f"the seal check does not say the answer is unchanged: {result}")
    shot(page, "seal-check")
    go(page, "/answers")
    text = main_text(page)
    check(ANSWER_NUMBER.search(text), f"the answers register does not list 令和4年度第1号: {text[:600]}")
    check(SUBJECT in text, "the answers register does not name the subject")
    shot(page, "answers")


def archivist_verifies_the_archive(board):
    """The archivist finds the case's archive and verifies it."""
    page = board.page("archivist")
    go(page, "/archives")
    check(CASE in main_text(page), f"the archives page does not list {CASE}: {main_text(page)[:500]}")
    with page.expect_navigation():
        page.locator(f"#verify-{CASE}").click()
    check(page.locator("#verify-ok").count() > 0 and "正常です" in main_text(page),
          f"the verification does not say the archive is sound: {main_text(page)[:500]}")
    shot(page, "archive-verified")


def secretariat_closes_the_meeting(board):
    """The meeting is closed; its minutes give both shows of hands and the result with the number."""
    page = board.page("secretariat")
    go(page, f"/meetings/{MEETING}")
    post_form(page, form_with(page, "#close-submit"), f"/meetings/{MEETING}")
    go(page, f"/meetings/{MEETING}/minutes")
    text = nfkc(main_text(page))  # the minutes write figures full-width (１５名)
    check(nfkc("1回目: 賛成15名、反対2名（会長が再度の採決を求めた）") in text, f"the minutes do not give the first show of hands: {text[:1500]}")
    check(nfkc("2回目: 賛成15名、反対2名") in text, "the minutes do not give the recount")
    check(re.search(r"結果: 承認\s*答申番号 令和4年度第1号", text), "the minutes do not give 結果: 承認 and the answer number")
    shot(page, "minutes")


def sign_in_without_javascript(board):
    """With JavaScript off, the secretariat still signs in and sees the board."""
    page = board.sign_in("secretariat", javascript=False)
    go(page, "/")
    check(CJK.search(page.locator("main h1").first.inner_text()), "the board without JavaScript has no Japanese heading")
    shot(page, "board-no-javascript")


STEPS = [
    every_role_sees_its_board,
    wrong_role_is_refused,
    sign_in_without_javascript,
    department_opens_the_case,
    secretariat_runs_the_draft,
    secretariat_sets_the_meeting,
    member_reads_the_materials,
    secretariat_records_the_review,
    secretariat_records_attendance_and_votes,
    secretariat_runs_to_the_answer,
    secretariat_closes_the_meeting,
    archivist_verifies_the_archive,
]


def main():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        board = Board(browser)
        for step in STEPS:
            try:
                step(board)
                print(f"ok   {step.__name__}: {step.__doc__.splitlines()[0]}")
            except Exception as error:
                print(f"FAIL {step.__name__}: {step.__doc__.splitlines()[0]}")
                page = board.current
                if page is not None:
                    try:
                        shot(page, f"failed-{step.__name__}")
                        print(f"     on {page.url}: {main_text(page)[:800]}")
                    except Exception:
                        pass
                if isinstance(error, Failed):
                    print(f"     {error}")
                else:
                    traceback.print_exc(file=sys.stdout)
                browser.close()
                return 1
        browser.close()
    print(f"browser test: all {len(STEPS)} steps as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
