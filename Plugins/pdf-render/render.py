#!/usr/bin/env python3
"""pdf-render: a Docket step plugin (protocol v1) that renders official documents as PDF/A-2b.

Reads the request on standard input; for each case document in `with.documents`
(NAME.html, NAME.htm or NAME.md) writes NAME.pdf, flat, in the output folder, with WeasyPrint
(pdf_variant "pdf/a-2b": A4 from the stylesheet, every font embedded, sRGB output intent, XMP).

- Markdown is converted with Python-Markdown (tables, sane_lists) and wrapped in a Japanese
  print page (A4, serif Noto CJK JP / IPAex Mincho, h1 centred), like the answer template.
- HTML is used as it is; `<html lang="ja">` is set when the page names no language.
- Metadata: title (`with.title`, else the HTML <title>, else the first heading, else the file
  name), author (`with.author`), subject (`with.subject`), created (`with.created` YYYY-MM-DD,
  else now), generator "Docket". Set on WeasyPrint's document metadata after layout, so they
  override whatever <meta> tags a template carries; the template's custom metadata, keywords,
  XMP extras and attachments are dropped.
- No URL is ever fetched: the URL fetcher refuses everything except data: URIs (no file://,
  no network), so a hostile template cannot read files or call out. Refused resources are logged.

Limits: an input over 5 MB is refused; a result over 200 pages is refused (nothing written).
Two documents with the same file stem are refused (the PDFs would collide). Outputs:
document (the first PDF's name in the output folder), pdfs (all names), pages (total).
Standard library plus WeasyPrint and Python-Markdown from venv/.
"""
import datetime
import html
import html.parser
import json
import logging
import os
import re
import sys
import time

PROTOCOL = 1
MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_PAGES = 200
SUFFIXES = (".html", ".htm", ".md")

MARKDOWN_PAGE = """<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  @page {{ size: A4; margin: 25mm 22mm 25mm 25mm; }}
  html {{ font-family: "Noto Serif CJK JP", "Noto Serif JP", "IPAexMincho", "IPAMincho", "Yu Mincho", serif;
         font-size: 11pt; line-height: 1.8; color: #000; }}
  body {{ max-width: 160mm; margin: 0 auto; }}
  h1 {{ text-align: center; font-size: 16pt; letter-spacing: 0.5em; margin: 1.5em 0; }}
  h2 {{ font-size: 12pt; margin: 1.5em 0 0.5em; border-bottom: 1px solid #000; }}
  h3 {{ font-size: 11pt; margin: 1.2em 0 0.4em; }}
  p, li {{ text-align: justify; }}
  p {{ text-indent: 1em; margin: 0.5em 0; }}
  ol, ul {{ padding-left: 2em; }}
  table {{ border-collapse: collapse; margin: 0.8em 0; }}
  th, td {{ border: 1px solid #000; padding: 0.2em 0.5em; vertical-align: top; }}
  th {{ font-weight: bold; }}
  @media print {{ h2, h3 {{ break-after: avoid; }} li, tr {{ break-inside: avoid; }} }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


class Refusal(Exception):
    """A failure in words for the clerk."""


def clean(text: str) -> str:
    """Escapes control characters (a file name or message from outside must not carry them)."""
    return "".join(c if c in "\n" or (ord(c) >= 0x20 and ord(c) != 0x7F and not 0x80 <= ord(c) < 0xA0)
                   else f"\\x{ord(c):02x}" for c in str(text))


def answer(response: dict) -> None:
    response = {"protocol": PROTOCOL, **response}
    if "message" in response:
        response["message"] = clean(response["message"])
    sys.stdout.write(json.dumps(response, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    sys.exit(0)


def log(line: str) -> None:
    print(clean(line), file=sys.stderr, flush=True)


class Headings(html.parser.HTMLParser):
    """Finds the <title> text and the first h1–h6 text of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = None
        self.heading = None
        self._in = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        if self._in is None and ((tag == "title" and self.title is None)
                                 or (tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading is None)):
            self._in, self._text = tag, []

    def handle_endtag(self, tag):
        if tag == self._in:
            text = " ".join("".join(self._text).split())
            if tag == "title":
                self.title = text or None
            else:
                self.heading = text or None
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._text.append(data)


def first_names(page: str):
    parser = Headings()
    try:
        parser.feed(page)
        parser.close()
    except Exception:  # a broken page only loses its default title
        pass
    return parser.title, parser.heading


def with_lang(page: str) -> str:
    """Sets lang="ja" on <html> when it names no language (CJK font choice depends on it)."""
    match = re.search(r"<html\b[^>]*>", page, re.IGNORECASE)
    if match is None:
        return '<html lang="ja">' + page
    tag = match.group(0)
    if re.search(r"\slang\s*=\s*(\"[^\"]+\"|'[^']+'|[^\s>\"']+)", tag, re.IGNORECASE):
        return page
    tag = re.sub(r"\slang\s*=\s*(\"\"|'')", "", tag, flags=re.IGNORECASE)
    return page[:match.start()] + tag[:5] + ' lang="ja"' + tag[5:] + page[match.end():]


def created_date(value):
    """`with.created` (YYYY-MM-DD) or now, as a W3C date-time WeasyPrint accepts."""
    if value in (None, ""):
        now = datetime.datetime.now().astimezone().replace(microsecond=0)
        return now.isoformat()
    try:
        day = datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Refusal(f"作成日 'created' は YYYY-MM-DD の形で指定してください（指定値: '{value}'）。 / "
                      f"'created' must be a date YYYY-MM-DD, not '{value}'.")
    local = datetime.datetime.now().astimezone().tzinfo
    return datetime.datetime(day.year, day.month, day.day, tzinfo=local).isoformat()


def make_fetcher():
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        """Refuses every URL except data: URIs: no file://, no network, ever."""

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            if not str(url).lower().startswith("data:"):
                log(f"refused to fetch {str(url)[:200]} (only data: URIs are allowed)")
                raise ValueError("only data: URIs are allowed")
            return super().fetch(url, headers)

    return DataOnlyFetcher()


def source_page(path: str, file: str) -> str:
    size = os.path.getsize(file)
    if size > MAX_INPUT_BYTES:
        raise Refusal(f"'{path}' は {size} バイトで、上限 {MAX_INPUT_BYTES} バイト（5 MB）を超えています。文書を分けてください。 / "
                      f"'{path}' is {size} bytes, over the {MAX_INPUT_BYTES}-byte (5 MB) limit; split the document.")
    with open(file, "rb") as handle:
        raw = handle.read(MAX_INPUT_BYTES + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refusal(f"'{path}' は UTF-8 ではありません（{error.start} バイト目）。UTF-8 で保存し直してください。 / "
                      f"'{path}' is not UTF-8 (byte {error.start}); save it as UTF-8.")
    if path.lower().endswith(".md"):
        import markdown
        body = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
        _, heading = first_names(body)
        title = heading or os.path.splitext(os.path.basename(path))[0]
        return MARKDOWN_PAGE.format(title=html.escape(title), body=body)
    return with_lang(text)


def main() -> None:
    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        answer({"status": "failed", "message": f"the request is not JSON: {error}"})
    if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
        answer({"status": "failed", "message": f"this plugin speaks protocol {PROTOCOL}, not {request.get('protocol') if isinstance(request, dict) else '?'}"})
    try:
        answer(run(request))
    except Refusal as refusal:
        answer({"status": "failed", "message": str(refusal)})
    except Exception as error:  # never crash: answer failed
        answer({"status": "failed", "message": f"PDFの作成に失敗しました / rendering failed: {type(error).__name__}: {error}"})


def run(request: dict) -> dict:
    step = request.get("step") or {}
    options = step.get("with") or {}
    wanted = options.get("documents")
    if not isinstance(wanted, list) or not all(isinstance(p, str) for p in wanted):
        raise Refusal("'documents' には文書のパスの一覧を指定してください。 / 'documents' must be a list of case document paths.")
    author = options.get("author") or (request.get("workspace") or {}).get("council")
    if not isinstance(author, str) or not author.strip():
        raise Refusal("'author'（審議会の名称）を指定してください（省略時は審議会の名簿の名称）。 / 'author' (the council's name) is required when the profile names none.")
    title_option = options.get("title")
    subject = options.get("subject")
    created = created_date(options.get("created"))
    out_folder = request.get("output_folder")
    if not isinstance(out_folder, str) or not os.path.isdir(out_folder):
        raise Refusal("the request names no output folder")
    documents = {d.get("path"): d for d in request.get("documents") or [] if isinstance(d, dict)}

    # Check everything before rendering anything.
    plan = []
    stems = {}
    for path in wanted:
        doc = documents.get(path)
        if doc is None or not isinstance(doc.get("file"), str):
            raise Refusal(f"文書 '{path}' はこの案件にありません。パスを確認してください。 / the document '{path}' is not in the case.")
        base = os.path.basename(path)
        stem, suffix = os.path.splitext(base)
        if suffix.lower() not in SUFFIXES:
            raise Refusal(f"'{path}' は .html / .md ではないためPDFにできません。 / '{path}' is not .html or .md; only those are rendered.")
        if not stem or stem.startswith("."):
            raise Refusal(f"'{path}' のファイル名からPDFの名前を作れません。 / cannot name a PDF after '{path}'.")
        key = stem.casefold()
        if key in stems:
            raise Refusal(f"'{stems[key]}' と '{path}' は同じ名前のPDF（{stem}.pdf）になります。どちらかの名前を変えてください。 / "
                          f"'{stems[key]}' and '{path}' would both become {stem}.pdf; rename one.")
        stems[key] = path
        plan.append((path, doc["file"], stem + ".pdf"))

    if not plan:
        return {"status": "completed", "outputs": {"document": "", "pdfs": [], "pages": 0}, "documents": []}

    logging.getLogger("weasyprint").addHandler(logging.StreamHandler(sys.stderr))
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    fetcher = make_fetcher()
    written = []
    total = 0
    try:
        total = render_all(plan, fetcher, out_folder, written, title_option, author, subject, created)
    except BaseException:
        for name in written:  # a failed step leaves no half set of PDFs behind
            try:
                os.remove(os.path.join(out_folder, name))
            except OSError:
                pass
        raise
    # Outputs name the PDFs as the case will (STEP/NAME, STEP@N/NAME after a send-back), so a
    # later step (the seal) can take them: ${{ steps.ID.outputs.document }}.
    folder = step.get("id", "")
    if int(step.get("round") or 1) > 1:
        folder = f"{folder}@{int(step['round'])}"
    paths = [f"{folder}/{name}" for name in written]
    return {"status": "completed", "outputs": {"document": paths[0], "pdfs": paths, "pages": total},
            "documents": written}


def render_all(plan, fetcher, out_folder, written, title_option, author, subject, created) -> int:
    import weasyprint
    total = 0
    for path, file, name in plan:
        started = time.monotonic()
        page = source_page(path, file)
        html_title, heading = first_names(page)
        document = weasyprint.HTML(string=page, base_url=None, url_fetcher=fetcher).render(pdf_variant="pdf/a-2b")
        count = len(document.pages)
        if count > MAX_PAGES:
            raise Refusal(f"'{path}' は {count} ページになり、上限 {MAX_PAGES} ページを超えています。文書を分けてください。 / "
                          f"'{path}' renders to {count} pages, over the {MAX_PAGES}-page limit; split the document.")
        meta = document.metadata
        meta.title = (title_option.strip() if isinstance(title_option, str) and title_option.strip() else None) \
            or html_title or heading or os.path.splitext(os.path.basename(path))[0]
        meta.authors = [author.strip()]
        meta.description = subject.strip() if isinstance(subject, str) and subject.strip() else None
        meta.generator = "Docket"
        meta.created = created
        meta.modified = created
        meta.keywords = []
        meta.custom = {}
        meta.attachments = []
        meta.xmp_metadata = []
        meta.lang = meta.lang or "ja"
        target = os.path.join(out_folder, name)
        document.write_pdf(target, pdf_variant="pdf/a-2b")
        written.append(name)
        total += count
        log(f"rendered {path} -> {name}: {count} pages, {os.path.getsize(target)} bytes, {time.monotonic() - started:.1f}s")
    return total


if __name__ == "__main__":
    main()
