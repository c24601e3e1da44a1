#!/usr/bin/env python3
"""personal-data-scan: a Docket step plugin (protocol v1), Python 3 standard library only.

Reads the request on standard input, scans each listed case document line by line for personal
data, and answers on standard output: `completed` with a report when nothing is found, else
`failed` naming file, line and kind for each hit. Text is NFKC-normalised first, so full-width
digits (１２３) are found too.

Kinds: individual number (12 digits whose check digit is valid, マイナンバー), phone number,
e-mail address, postal address (〒 and a postcode, or a prefecture, municipality and block number).
"""
import json
import re
import sys
import unicodedata

PROTOCOL = 1

INDIVIDUAL = re.compile(r"(?<![0-9])([0-9]{4})[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])")
PHONE = re.compile(r"(?<![0-9-])(?:0[0-9]{1,4}-[0-9]{1,4}-[0-9]{3,4}|0[789]0[0-9]{8}|\(0[0-9]{1,4}\)[0-9]{1,4}-[0-9]{4})(?![0-9-])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
POSTCODE = re.compile(r"〒\s*[0-9]{3}-?[0-9]{4}")
ADDRESS = re.compile(r"(?:北海道|東京都|京都府|大阪府|[^\s、。,()（）]{2,3}県)[^\s、。,]{0,12}?[市区町村郡][^\s、。,]{0,16}?[0-9]+(?:丁目|番地?|-[0-9]+)")


def valid_individual_number(digits: str) -> bool:
    """The check digit of a 12-digit individual number (個人番号)."""
    if len(digits) != 12 or len(set(digits)) == 1:
        return False
    body = [int(c) for c in digits[:11]]
    total = 0
    for n in range(1, 12):
        p = body[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def mask(text: str) -> str:
    return text[:2] + "*" * max(0, len(text) - 4) + text[-2:] if len(text) > 4 else "****"


def scan_line(line: str, allow: set):
    text = unicodedata.normalize("NFKC", line)
    hits = []
    for m in INDIVIDUAL.finditer(text):
        digits = "".join(m.groups())
        if m.group(0) not in allow and valid_individual_number(digits):
            hits.append(("individual number (個人番号)", m.group(0)))
    for kind, pattern in (("phone number (電話番号)", PHONE), ("e-mail address (メールアドレス)", EMAIL),
                          ("postal code (郵便番号)", POSTCODE), ("postal address (住所)", ADDRESS)):
        for m in pattern.finditer(text):
            if m.group(0) not in allow:
                hits.append((kind, m.group(0)))
    return hits


def answer(response: dict) -> None:
    response["protocol"] = PROTOCOL
    sys.stdout.write(json.dumps(response, ensure_ascii=False) + "\n")
    sys.exit(0)


def main() -> None:
    try:
        request = json.load(sys.stdin)
    except ValueError as error:
        answer({"status": "failed", "message": f"the request is not JSON: {error}"})
    if request.get("protocol") != PROTOCOL:
        answer({"status": "failed", "message": f"this plugin speaks protocol {PROTOCOL}, not {request.get('protocol')}"})
    step = request.get("step", {})
    wanted = step.get("with", {}).get("documents", [])
    allow = set(step.get("with", {}).get("allow", []))
    documents = {d["path"]: d for d in request.get("documents", [])}
    findings = []
    for path in wanted:
        doc = documents.get(path)
        if doc is None:
            answer({"status": "failed", "message": f"the document '{path}' is not in the case"})
        with open(doc["file"], encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                for kind, found in scan_line(line, allow):
                    findings.append(f"{path}:{number}: {kind}: {mask(found)}")
    print(f"scanned {len(wanted)} documents, {len(findings)} hits", file=sys.stderr)
    if findings:
        shown = "; ".join(findings[:20]) + ("; …" if len(findings) > 20 else "")
        answer({"status": "failed",
                "message": f"personal data found in documents about to be published ({len(findings)}): {shown}"})
    report = "# 個人情報の確認 (personal data scan)\n\n" + "".join(f"- {p}: 該当なし (none found)\n" for p in wanted)
    with open(request["output_folder"] + "/personal-data-scan.md", "w", encoding="utf-8") as out:
        out.write(report)
    answer({"status": "completed", "outputs": {"scanned": len(wanted), "hits": 0, "report": "personal-data-scan.md"},
            "documents": ["personal-data-scan.md"]})


if __name__ == "__main__":
    main()
