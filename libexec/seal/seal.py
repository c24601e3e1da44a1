#!/usr/bin/env python3
"""The council's electronic seal: Docket's own signer (never a plugin, never given to one).

Docket runs this program itself (libexec/seal/venv/bin/python3 seal.py COMMAND ...) to make,
import, describe and use the council's signing key and certificate, and to check a signature.
Every command answers one JSON object on standard output; an error is {"error": "..."} with
exit status 1. The private key is only ever read from or written to the file Docket names
(created 0600); it is never printed, logged or put in an answer. A passphrase, when the
workspace uses one, comes from $DOCKET_SEAL_PASSPHRASE (the key is then stored encrypted).

  create --council C --organization O --key K --cert X [--demo] [--years N]
  import --key K --cert X (--p12 FILE | --pem-key FILE --pem-cert FILE)   # $DOCKET_SEAL_IMPORT_PASSPHRASE
  info   --cert X
  sign   --key K --cert X --in PDF --out PDF --council C --signer S [--reason R] [--location L] [--font TTF]
  verify --in PDF [--cert X]

Signatures are PAdES B-B (ETSI.CAdES.detached, SHA-256) made with pyHanko, with a visible
block on the last page naming the council and the signer.
"""
import argparse
import datetime
import hashlib
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

DEMO_MARK = "DEMO SEAL - NOT FOR OFFICIAL USE"


class Refusal(Exception):
    pass


def answer(obj, status=0):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
    sys.exit(status)


def passphrase(name="DOCKET_SEAL_PASSPHRASE"):
    value = os.environ.get(name)
    return value.encode() if value else None


def write_private(path, data):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path + ".tmp", 0o600)
    os.replace(path + ".tmp", path)


def write_public(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path + ".tmp", 0o644)
    os.replace(path + ".tmp", path)


def key_bytes(key):
    secret = passphrase()
    encryption = serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_key(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return serialization.load_pem_private_key(data, password=passphrase())
    except TypeError:
        raise Refusal("the seal's key is encrypted: set DOCKET_SEAL_PASSPHRASE to its passphrase")
    except ValueError:
        raise Refusal("the seal's key cannot be read with the passphrase given (DOCKET_SEAL_PASSPHRASE)")


def describe(cert):
    def first(attr):
        values = cert.subject.get_attributes_for_oid(attr)
        return values[0].value if values else ""
    ou = first(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return {
        "subject": cert.subject.rfc4514_string(),
        "council": first(NameOID.COMMON_NAME),
        "organization": first(NameOID.ORGANIZATION_NAME),
        "demo": DEMO_MARK in ou,
        "self_signed": cert.issuer == cert.subject,
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "serial": format(cert.serial_number, "x"),
        "sha256": hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        "key": type(cert.public_key()).__name__.replace("_", ""),
    }


def create(args):
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, args.council)]
    if args.organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, args.organization))
    if args.demo:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_MARK))
    name = x509.Name(attrs)
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365 * args.years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    write_private(args.key, key_bytes(key))
    write_public(args.cert, cert.public_bytes(serialization.Encoding.PEM))
    answer(describe(cert))


def import_seal(args):
    if args.p12:
        with open(args.p12, "rb") as f:
            data = f.read()
        try:
            key, cert, _ = pkcs12.load_key_and_certificates(data, passphrase("DOCKET_SEAL_IMPORT_PASSPHRASE"))
        except ValueError:
            raise Refusal(f"{args.p12} cannot be opened: wrong passphrase (give it in DOCKET_SEAL_IMPORT_PASSPHRASE) or not PKCS#12")
    elif args.pem_key and args.pem_cert:
        with open(args.pem_key, "rb") as f:
            try:
                key = serialization.load_pem_private_key(f.read(), password=passphrase("DOCKET_SEAL_IMPORT_PASSPHRASE"))
            except (TypeError, ValueError):
                raise Refusal(f"{args.pem_key} is not a PEM private key readable with DOCKET_SEAL_IMPORT_PASSPHRASE")
        with open(args.pem_cert, "rb") as f:
            try:
                cert = x509.load_pem_x509_certificate(f.read())
            except ValueError:
                raise Refusal(f"{args.pem_cert} is not a PEM certificate")
    else:
        raise Refusal("give --p12 FILE, or --pem-key FILE and --pem-cert FILE")
    if key is None or cert is None:
        raise Refusal("the file holds no private key and certificate pair")
    probe = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if probe != cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise Refusal("the private key does not belong to the certificate")
    if cert.not_valid_after_utc < datetime.datetime.now(datetime.timezone.utc):
        raise Refusal(f"the certificate expired on {cert.not_valid_after_utc.date()}; import a current one")
    write_private(args.key, key_bytes(key))
    write_public(args.cert, cert.public_bytes(serialization.Encoding.PEM))
    answer(describe(cert))


def info(args):
    with open(args.cert, "rb") as f:
        answer(describe(x509.load_pem_x509_certificate(f.read())))


NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
IPAEX = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"


def default_font():
    """Noto Sans CJK JP for the signature block (pyHanko takes one face, not a collection):
    taken out of Debian's collection once and kept beside the environment."""
    if not os.path.exists(NOTO):
        return IPAEX
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (os.path.join(here, "venv"), os.environ.get("HOME") or "/tmp"):
        cached = os.path.join(folder, "seal-font-NotoSansCJKjp.otf")
        if os.path.exists(cached):
            return cached
        try:
            from fontTools.ttLib import TTCollection
            collection = TTCollection(NOTO)
            face = next(f for f in collection.fonts if "JP" in f["name"].getDebugName(4))
            face.save(f"{cached}.{os.getpid()}.tmp")
            os.replace(f"{cached}.{os.getpid()}.tmp", cached)
            return cached
        except OSError:
            continue
    return IPAEX


def sign(args):
    from pyhanko import stamp
    from pyhanko.pdf_utils import text, layout
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

    key = load_key(args.key)
    with open(args.cert, "rb") as f:
        cert_pem = f.read()
    from asn1crypto import keys as asn1keys, x509 as asn1x509
    signing_cert = asn1x509.Certificate.load(x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER))
    signing_key = asn1keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                                  serialization.NoEncryption()))
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    signer = signers.SimpleSigner(signing_cert=signing_cert, signing_key=signing_key,
                                  cert_registry=SimpleCertificateStore.from_certs([signing_cert]))
    with open(args.input, "rb") as inf:
        reader = PdfFileReader(inf)
        if reader.encrypted:
            raise Refusal(f"{args.input} is encrypted; Docket seals only its own renditions")
        pages = int(reader.root["/Pages"]["/Count"])
        inf.seek(0)
        writer = IncrementalPdfFileWriter(inf)
        box = (300, 40, 560, 120)
        fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name="CouncilSeal", on_page=pages - 1, box=box))
        font = GlyphAccumulatorFactory(args.font or default_font(), font_size=9, writing_direction="ltr",
                                       bcp47_lang_code="ja")
        style = stamp.TextStampStyle(
            stamp_text="電子署名（電子印）\n%(council)s\n%(signer)s\n署名日時 " + ("%(when)s" if args.when else "%(ts)s"),
            text_box_style=text.TextBoxStyle(font=font),
            timestamp_format="%Y-%m-%d %H:%M:%S %Z",
            inner_content_layout=layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MIN,
                                                            y_align=layout.AxisAlignment.ALIGN_MID),
            border_width=1)
        meta = PdfSignatureMetadata(field_name="CouncilSeal", subfilter=fields.SigSeedSubFilter.PADES,
                                    md_algorithm="sha256", reason=args.reason or None, location=args.location or None,
                                    name=args.council)
        with open(args.output + ".tmp", "wb") as out:
            PdfSigner(meta, signer=signer, stamp_style=style).sign_pdf(
                writer, output=out, appearance_text_params={"council": args.council, "signer": args.signer, "when": args.when})
            out.flush()
            os.fsync(out.fileno())
    os.replace(args.output + ".tmp", args.output)
    with open(args.output, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    answer({"signed": args.output, "sha256": digest, "signer": args.signer, "council": args.council,
            "certificate": describe(x509.load_pem_x509_certificate(cert_pem))["sha256"]})


def verify(args):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from asn1crypto import x509 as asn1x509

    trust = []
    if args.cert:
        with open(args.cert, "rb") as f:
            trust.append(asn1x509.Certificate.load(x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)))
    with open(args.input, "rb") as f:
        try:
            reader = PdfFileReader(f, strict=False)
            sigs = list(reader.embedded_signatures)
        except Exception as e:  # noqa: BLE001 - any parse failure is the answer
            answer({"signatures": [], "problem": f"the PDF cannot be read: {str(e)[:200]}"})
        results = []
        for sig in sigs:
            vc = ValidationContext(trust_roots=trust, allow_fetching=False) if trust else ValidationContext(allow_fetching=False)
            status = validate_pdf_signature(sig, vc)
            cert = sig.signer_cert
            results.append({
                "field": sig.field_name,
                "intact": bool(status.intact),
                "valid": bool(status.valid),
                "trusted": bool(status.trusted),
                "covers_whole_file": status.coverage.name == "ENTIRE_FILE",
                "coverage": status.coverage.name,
                "signer": cert.subject.native.get("common_name", ""),
                "certificate": hashlib.sha256(cert.dump()).hexdigest(),
                "signed_at": status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
                "subfilter": str(sig.sig_object.get("/SubFilter", "")),
            })
    answer({"signatures": results})


def main():
    parser = argparse.ArgumentParser(prog="seal.py")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create")
    c.add_argument("--council", required=True)
    c.add_argument("--organization", default="")
    c.add_argument("--key", required=True)
    c.add_argument("--cert", required=True)
    c.add_argument("--demo", action="store_true")
    c.add_argument("--years", type=int, default=5)
    i = sub.add_parser("import")
    i.add_argument("--key", required=True)
    i.add_argument("--cert", required=True)
    i.add_argument("--p12")
    i.add_argument("--pem-key")
    i.add_argument("--pem-cert")
    n = sub.add_parser("info")
    n.add_argument("--cert", required=True)
    s = sub.add_parser("sign")
    s.add_argument("--key", required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--in", dest="input", required=True)
    s.add_argument("--out", dest="output", required=True)
    s.add_argument("--council", required=True)
    s.add_argument("--signer", required=True)
    s.add_argument("--reason", default="")
    s.add_argument("--location", default="")
    s.add_argument("--font", default="")
    s.add_argument("--when", default="", help="the signing time as the block shows it (in the council's time zone)")
    v = sub.add_parser("verify")
    v.add_argument("--in", dest="input", required=True)
    v.add_argument("--cert")
    args = parser.parse_args()
    try:
        {"create": create, "import": import_seal, "info": info, "sign": sign, "verify": verify}[args.command](args)
    except Refusal as e:
        answer({"error": str(e)}, 1)
    except FileNotFoundError as e:
        answer({"error": f"{e.filename} does not exist"}, 1)
    except Exception as e:  # noqa: BLE001 - the caller shows it to the clerk
        answer({"error": f"{type(e).__name__}: {str(e)[:300]}"}, 1)


if __name__ == "__main__":
    main()
