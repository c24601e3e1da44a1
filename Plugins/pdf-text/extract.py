#!/usr/bin/env python3
"""pdf-text: a Docket step plugin (protocol v1) that makes the case's PDFs searchable.

Reads the request on standard input. For each case document in `with.documents` whose name
ends .pdf (any case; other documents are ignored), `dir/NAME.pdf`:

1. Refuses hostile or unusable input, naming the file, the figure and what to do: over
   `max_bytes`; no `%PDF-` header in the first 1024 bytes; encrypted (even with an empty user
   password); malformed (pikepdf cannot open it, or `qpdf --check` finds errors, exit 2); more
   than `max_pages` pages; an image XObject over 100 million pixels (decompression bomb); text
   over 20 MB or extraction over its time limit. Every check runs on every PDF before any OCR.
2. Extracts the text page by page with `pdftotext -layout -enc UTF-8` (time, memory and file
   size limited). When some page has no text, runs OCRmyPDF (`-l LANGUAGE --skip-text
   --jobs 1 --output-type pdfa-2 --pdfa-backend internal`: Debian's Ghostscript 10.0.0 is
   refused by OCRmyPDF for --skip-text; if the internal PDF/A validation fails, a plain PDF is
   made instead and the report says so) and takes the text of the OCR'd copy.
3. Writes `NAME.pdf.txt` (UTF-8, pages separated by exactly one form feed, no trailing one) and,
   when OCR ran, the searchable copy `NAME（OCR）.pdf`, flat in the output folder.

Active content (JavaScript, OpenAction, additional actions, Launch, embedded files, XFA) is
never run; it is named in the report and removed (with pikepdf) from the copy given to OCR, so
the searchable copy does not keep it. The original is never changed.

Outputs: texts (the .txt names), ocr (the OCR'd PDF names), pages (total pages), report (a
short Japanese summary). Progress lines `progress NAME i/N` go to standard error.
Standard library plus pikepdf and OCRmyPDF from venv/; poppler-utils, qpdf and Tesseract.
"""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

PROTOCOL = 1
STEP_BUDGET = 840            # seconds of the 900 s step timeout we allow ourselves
MAX_TEXT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 100_000_000
TOOL_TIMEOUT = 120           # pdftotext, qpdf --check, on one file
OCR_PER_PAGE = 60            # seconds allowed per page to OCR (bounded by the step budget)
MEMORY_LIMIT = 2 * 1024 ** 3

STARTED = time.monotonic()


class Refusal(Exception):
    """A failure in words for the clerk."""


def clean(text) -> str:
    """Escapes control characters (names and tool messages come from outside)."""
    return "".join(c if c == "\n" or (ord(c) >= 0x20 and ord(c) != 0x7F and not 0x80 <= ord(c) < 0xA0)
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


def remaining() -> float:
    return STEP_BUDGET - (time.monotonic() - STARTED)


def limited(fsize=None):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return apply


def run_tool(command, timeout, fsize=None, forward=False, memory=True, hide=()):
    """Runs a tool in its own process group; kills the group past `timeout`.
    Returns (exit status, stderr tail). `forward`: copy its stderr lines to ours as they come.
    `hide`: (real, shown) pairs replaced in its messages (readable paths become case paths)."""
    timeout = max(1.0, min(timeout, remaining()))
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True, preexec_fn=limited(fsize) if memory else None)
    tail = []

    def read():
        for raw in process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            for real, shown in hide:
                line = line.replace(real, shown)
            tail.append(line)
            del tail[:-20]
            if forward:
                log("  " + line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
        process.wait()
        reader.join(5)
        return None, tail
    reader.join(5)
    return status, tail


def check_int(options, key, default, low, high):
    value = options.get(key, default)
    if value is None:
        value = default
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Refusal(f"'{key}' は {low} から {high} までの整数で指定してください（指定値: {value}）。 / "
                      f"'{key}' must be a whole number from {low} to {high}, not {value}.")
    return value


def active_content(pdf, strip: bool):
    """Names the active content of `pdf` (and removes it when `strip`)."""
    import pikepdf
    found = set()
    root = pdf.Root
    for key in ("/OpenAction", "/AA"):
        if key in root:
            found.add({"/OpenAction": "OpenAction（開いたときの動作）", "/AA": "AA（追加の動作）"}[key])
            action = root.get(key)
            if isinstance(action, pikepdf.Dictionary) and str(action.get("/S")) in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
                found.add(str(action.get("/S"))[1:])
            if strip:
                del root[key]
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key, what in (("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "EmbeddedFiles（埋め込みファイル）")):
            if key in names:
                found.add(what)
                if strip:
                    del names[key]
    if "/AF" in root:  # associated files (PDF 2.0 / PDF/A-3 attachments)
        found.add("EmbeddedFiles（埋め込みファイル）")
        if strip:
            del root["/AF"]
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        found.add("XFA")
        if strip:
            del form["/XFA"]
    for page in pdf.pages:
        if "/AA" in page.obj:
            found.add("AA（追加の動作）")
            if strip:
                del page.obj["/AA"]
        if "/AF" in page.obj:
            found.add("EmbeddedFiles（埋め込みファイル）")
            if strip:
                del page.obj["/AF"]
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annot in annots:
            if not isinstance(annot, pikepdf.Dictionary):
                kept.append(annot)
                continue
            if annot.get("/Subtype") == "/FileAttachment":
                found.add("FileAttachment（添付ファイル）")
                continue  # not kept
            kept.append(annot)
            if "/AA" in annot:
                found.add("AA（追加の動作）")
                if strip:
                    del annot["/AA"]
            action = annot.get("/A")
            if isinstance(action, pikepdf.Dictionary) and str(action.get("/S")) in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
                found.add(str(action.get("/S"))[1:])
                if strip:
                    del annot["/A"]
        if strip and len(kept) != len(annots):
            page.obj["/Annots"] = kept
    return sorted(found)


def inspect(path, file, limits):
    """Every refusal check on one PDF. Returns (pages, active content found)."""
    import pikepdf
    size = os.path.getsize(file)
    if size > limits["max_bytes"]:
        raise Refusal(f"'{path}' は {size} バイトで、上限 {limits['max_bytes']} バイトを超えています。分割するか、上限 max_bytes を上げてください。 / "
                      f"'{path}' is {size} bytes, over the limit of {limits['max_bytes']}; split it or raise max_bytes.")
    with open(file, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise Refusal(f"'{path}' はPDFではありません（先頭1024バイトに %PDF- がありません）。正しいPDFを登録してください。 / "
                      f"'{path}' is not a PDF (no %PDF- header in its first 1024 bytes); upload the real PDF.")
    try:
        pdf = pikepdf.open(file)
    except pikepdf.PasswordError:
        raise Refusal(f"'{path}' は暗号化されたPDFです。暗号化されたPDFは受け付けません。パスワードを外して保存し直してから登録してください。 / "
                      f"'{path}' is encrypted; encrypted PDFs are not accepted. Remove the password, save it again and upload that.")
    except Exception as error:
        detail = str(error).replace(file, path)[:300]
        raise Refusal(f"'{path}' は壊れたPDFで読めません（{detail}）。元の文書から出力し直してください。 / "
                      f"'{path}' is a malformed PDF that cannot be read ({detail}); export it again from the original.")
    with pdf:
        if pdf.is_encrypted:
            raise Refusal(f"'{path}' は暗号化されたPDFです（権限パスワード付き）。暗号化されたPDFは受け付けません。パスワードを外して保存し直してから登録してください。 / "
                          f"'{path}' is encrypted (with an owner password); encrypted PDFs are not accepted. Remove the password, save it again and upload that.")
        pages = len(pdf.pages)
        if pages == 0:
            raise Refusal(f"'{path}' にはページがありません。元の文書から出力し直してください。 / '{path}' has no pages; export it again.")
        if pages > limits["max_pages"]:
            raise Refusal(f"'{path}' は {pages} ページで、上限 {limits['max_pages']} ページを超えています。分割するか、上限 max_pages を上げてください。 / "
                          f"'{path}' has {pages} pages, over the limit of {limits['max_pages']}; split it or raise max_pages.")
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                try:
                    pixels = int(obj.get("/Width", 0)) * int(obj.get("/Height", 0))
                except (TypeError, ValueError):
                    pixels = 0
                if pixels > MAX_IMAGE_PIXELS:
                    raise Refusal(f"'{path}' には {pixels} 画素の画像があり、上限 {MAX_IMAGE_PIXELS} 画素を超えています（展開すると巨大になるPDFの疑い）。解像度を下げて作り直してください。 / "
                                  f"'{path}' holds an image of {pixels} pixels, over the limit of {MAX_IMAGE_PIXELS} (a possible decompression bomb); make it again at a lower resolution.")
        active = active_content(pdf, strip=False)
    status, tail = run_tool(["qpdf", "--check", file], TOOL_TIMEOUT, hide=[(file, path)])
    if status is None:
        raise Refusal(f"'{path}' の検査が {TOOL_TIMEOUT} 秒で終わりませんでした（構造が異常なPDFの疑い）。元の文書から出力し直してください。 / "
                      f"checking '{path}' took over {TOOL_TIMEOUT} s (a possibly hostile PDF); export it again from the original.")
    if status == 2 or status < 0:
        detail = "; ".join(t for t in tail if t)[-300:]
        raise Refusal(f"'{path}' は壊れたPDFです（qpdf --check: {detail}）。元の文書から出力し直してください。 / "
                      f"'{path}' is a malformed PDF (qpdf --check: {detail}); export it again from the original.")
    return pages, active


def page_texts(path, file, pages, scratch):
    """The text of each page, by pdftotext -layout, time and size limited."""
    target = os.path.join(scratch, "text.txt")
    if os.path.exists(target):
        os.remove(target)
    status, tail = run_tool(["pdftotext", "-layout", "-enc", "UTF-8", file, target], TOOL_TIMEOUT, fsize=MAX_TEXT_BYTES,
                           hide=[(file, path)])
    if status is None:
        raise Refusal(f"'{path}' のテキスト抽出が {TOOL_TIMEOUT} 秒で終わりませんでした（展開すると巨大になるPDFの疑い）。元の文書から出力し直してください。 / "
                      f"extracting the text of '{path}' took over {TOOL_TIMEOUT} s (a possible decompression bomb); export it again from the original.")
    if status == -signal.SIGXFSZ or (os.path.exists(target) and os.path.getsize(target) >= MAX_TEXT_BYTES):
        raise Refusal(f"'{path}' のテキストが {MAX_TEXT_BYTES} バイト（20 MB）を超えます（展開すると巨大になるPDFの疑い）。分割してください。 / "
                      f"the text of '{path}' is over {MAX_TEXT_BYTES} bytes (20 MB), a possible decompression bomb; split it.")
    if status != 0 or not os.path.exists(target):
        detail = "; ".join(t for t in tail if t)[-300:]
        raise Refusal(f"'{path}' からテキストを取り出せませんでした（pdftotext 終了コード {status}: {detail}）。元の文書から出力し直してください。 / "
                      f"could not extract the text of '{path}' (pdftotext exit {status}: {detail}); export it again from the original.")
    with open(target, encoding="utf-8", errors="replace") as handle:
        parts = handle.read().split("\f")
    if parts and parts[-1].strip() == "":
        parts.pop()  # pdftotext ends every page, the last one too, with a form feed
    parts += [""] * (pages - len(parts))
    return parts[:pages] if len(parts) > pages else parts


CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK_GAP = re.compile(f"(?<=[{CJK}]) +(?=[{CJK}])")


def ocr(path, file, pages, language, active, scratch, out_pdf):
    """OCRs `file` into `out_pdf`; returns a note for the report ('' when PDF/A as asked)."""
    source = file
    if active:
        import pikepdf
        source = os.path.join(scratch, "sanitized.pdf")
        with pikepdf.open(file) as pdf:
            active_content(pdf, strip=True)
            pdf.save(source)
    timeout = max(120, OCR_PER_PAGE * pages)
    note = ""
    base = [sys.executable, "-m", "ocrmypdf", "-l", language, "--skip-text", "--jobs", "1"]
    for attempt, output_type in enumerate((["--output-type", "pdfa-2", "--pdfa-backend", "internal"], ["--output-type", "pdf"])):
        if os.path.exists(out_pdf):
            os.remove(out_pdf)
        sidecar = os.path.join(scratch, "sidecar.txt")
        started = time.monotonic()
        status, tail = run_tool(base + output_type + ["--sidecar", sidecar, source, out_pdf], timeout, forward=True, memory=False,
                                hide=[(source, path), (out_pdf, os.path.basename(out_pdf))])
        log(f"ocrmypdf {' '.join(output_type)} on {path}: exit {status}, {time.monotonic() - started:.1f}s for {pages} pages")
        if status is None:
            raise Refusal(f"'{path}' のOCRが {int(min(timeout, remaining()))} 秒で終わりませんでした（{pages} ページ）。分割して登録してください。 / "
                          f"OCR of '{path}' ({pages} pages) did not finish in time; split it and upload the parts.")
        if status == 0 and os.path.exists(out_pdf):
            return note
        if status == 8:
            raise Refusal(f"'{path}' は暗号化されています。パスワードを外して登録してください。 / '{path}' is encrypted; remove the password.")
        if attempt == 0 and status in (4, 10):  # the PDF/A validation failed: make a plain searchable PDF
            note = "PDF/Aにできなかったため通常のPDF"
            continue
        detail = "; ".join(t for t in tail if t)[-400:]
        raise Refusal(f"'{path}' のOCRに失敗しました（ocrmypdf 終了コード {status}: {detail}）。 / OCR of '{path}' failed (ocrmypdf exit {status}: {detail}).")
    raise Refusal(f"OCR of '{path}' failed")


def installed_languages():
    try:
        done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {line.strip() for line in done.stdout.splitlines()[1:] if line.strip()}


def main() -> None:
    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        answer({"status": "failed", "message": f"the request is not JSON: {error}"})
    if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
        answer({"status": "failed", "message": f"this plugin speaks protocol {PROTOCOL}, not {request.get('protocol') if isinstance(request, dict) else '?'}"})
    out_folder = request.get("output_folder")
    written = []
    try:
        answer(run(request, written))
    except BaseException as error:
        if isinstance(error, SystemExit):
            raise
        for name in written:  # a failed step leaves no half set of files behind
            try:
                os.remove(os.path.join(out_folder, name))
            except OSError:
                pass
        if isinstance(error, Refusal):
            answer({"status": "failed", "message": str(error)})
        answer({"status": "failed", "message": f"PDFの処理に失敗しました / processing the PDFs failed: {type(error).__name__}: {error}"})


def run(request: dict, written: list) -> dict:
    options = (request.get("step") or {}).get("with") or {}
    wanted = options.get("documents")
    if not isinstance(wanted, list) or not all(isinstance(p, str) for p in wanted):
        raise Refusal("'documents' には文書のパスの一覧を指定してください。 / 'documents' must be a list of case document paths.")
    language = options.get("language") or "jpn"
    if not isinstance(language, str) or not re.fullmatch(r"[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*", language):
        raise Refusal(f"'language' は jpn や jpn+eng のように指定してください（指定値: '{language}'）。 / 'language' must look like jpn or jpn+eng, not '{language}'.")
    limits = {"max_pages": check_int(options, "max_pages", 500, 1, 100_000),
              "max_bytes": check_int(options, "max_bytes", 104857600, 1, 16 * 1024 ** 3)}
    out_folder = request.get("output_folder")
    if not isinstance(out_folder, str) or not os.path.isdir(out_folder):
        raise Refusal("the request names no output folder")
    documents = {d.get("path"): d for d in request.get("documents") or [] if isinstance(d, dict)}

    plan, names = [], {}
    for path in wanted:
        if not path.lower().endswith(".pdf"):
            continue
        doc = documents.get(path)
        if doc is None or not isinstance(doc.get("file"), str):
            raise Refusal(f"文書 '{path}' はこの案件にありません。パスを確認してください。 / the document '{path}' is not in the case.")
        base = os.path.basename(path)
        if base.startswith(".") or len(base) <= 4:
            raise Refusal(f"'{path}' のファイル名から出力の名前を作れません。名前を変えてください。 / cannot name the outputs after '{path}'; rename it.")
        outputs = (base + ".txt", base[:-4] + "（OCR）.pdf")
        for name in outputs:
            if name.casefold() in names:
                raise Refusal(f"'{names[name.casefold()]}' と '{path}' の出力が同じ名前（{name}）になります。どちらかの名前を変えてください。 / "
                              f"'{names[name.casefold()]}' and '{path}' would both write {name}; rename one.")
        for name in outputs:
            names[name.casefold()] = path
        plan.append((path, doc["file"], base, *outputs))

    if not plan:
        log("no PDF among the documents")
        return {"status": "completed", "outputs": {"texts": [], "ocr": [], "pages": 0, "report": "PDFはありませんでした。"}, "documents": []}

    scratch = tempfile.mkdtemp(prefix="pdf-text-")
    try:
        return process(plan, language, limits, out_folder, scratch, written)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def process(plan, language, limits, out_folder, scratch, written):
    # First every check and the text of every PDF, so a refusal comes before any long OCR.
    checked = []
    for index, (path, file, base, txt_name, ocr_name) in enumerate(plan, start=1):
        log(f"checking {base} ({index}/{len(plan)} files)")
        pages, active = inspect(path, file, limits)
        texts = page_texts(path, file, pages, scratch)
        empty = sum(1 for t in texts if not t.strip())
        log(f"{path}: {pages} pages, {empty} without text" + (f", active content: {', '.join(active)}" if active else ""))
        checked.append((path, file, base, txt_name, ocr_name, pages, active, texts, empty))

    need = [c for c in checked if c[8]]
    if need:
        known = installed_languages()
        missing = [l for l in language.split("+") if known is not None and l not in known]
        if missing:
            raise Refusal(f"OCRの言語 {'+'.join(missing)} は入っていません（使える言語: {', '.join(sorted(known))}）。'language' を直してください。 / "
                          f"the OCR language {'+'.join(missing)} is not installed (installed: {', '.join(sorted(known))}); correct 'language'.")

    texts_out, ocr_out, total, notes = [], [], 0, []
    done_pages = 0
    all_pages = sum(c[5] for c in checked)
    for path, file, base, txt_name, ocr_name, pages, active, texts, empty in checked:
        if empty:
            log(f"progress {base} 0/{pages} (OCR of {empty} pages without text; {done_pages}/{all_pages} pages of all files done)")
            target = os.path.join(out_folder, ocr_name)
            written.append(ocr_name)
            note = ocr(path, file, pages, language, active, scratch, target)
            ocr_out.append(ocr_name)
            before = texts
            texts = page_texts(path, target, pages, scratch)
            # OCR'd Japanese may come out with spaces between characters: join them again.
            texts = [CJK_GAP.sub("", t) if not b.strip() else t for t, b in zip(texts, before)]
            still = sum(1 for t in texts if not t.strip())
            notes.append(f"{base}: {empty}ページをOCR（{ocr_name}{'、' + note if note else ''}）" +
                         (f"、{still}ページは文字を認識できず" if still else ""))
        if active:
            notes.append(f"{base}: {'・'.join(active)} があります（実行していません" + ("。検索用コピーには含めていません）" if empty else "）"))
        body = "\f".join(t.replace("\f", "\n") for t in texts)
        with open(os.path.join(out_folder, txt_name), "w", encoding="utf-8") as handle:
            written.append(txt_name)
            handle.write(body)
        texts_out.append(txt_name)
        total += pages
        done_pages += pages
        log(f"progress {base} {pages}/{pages} ({done_pages}/{all_pages} pages of all files done)")

    report = f"PDF {len(checked)}件（計{total}ページ）のテキストを取り出しました。OCR {len(ocr_out)}件。"
    if notes:
        report += " " + " ".join(notes)
    return {"status": "completed", "outputs": {"texts": texts_out, "ocr": ocr_out, "pages": total, "report": report},
            "documents": written[:]}


if __name__ == "__main__":
    main()
