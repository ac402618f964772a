"""Certificate PDFs per second in one process (`bench/run.py --only certificates`), QR code
included, and without it for comparison; and the "Certificate PDFs" section of RESULTS.md.

Each run renders a batch of different certificates (names, codes and titles differ, one in
twenty in another script: Chinese or Arabic), with the partnership's logo, as a bulk download
makes them: `lms.certificates.pdf.render`, the code a download and a ZIP call."""

import io
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

from PIL import Image, ImageDraw

TARGET_PER_SECOND = 300
BATCH = 1000
BASE = "https://training.northshire-scp.org.uk"
PARTNERSHIP = "Northshire Safeguarding Children Partnership"
FIRST = ["Mary", "Siobhán", "Tom", "Aisha", "Zoë", "Kwame", "Priya", "Oliver", "Ffion", "Jan"]
LAST = ["O'Brien", "Smith", "Mensah", "Kowalski", "Patel", "Nguyen", "Jones", "Åberg", "Evans"]
OTHER_SCRIPTS = ["李小龍", "محمد علي", "王芳", "فاطمة الزهراء"]
TITLES = [
    "Safeguarding Children: Level 2",
    "Safeguarding Children and Young People: Level 3 Multi-agency Working",
    "Domestic Abuse Awareness",
    "Neglect: Recognising and Responding (Graded Care Profile 2)",
    "Child Sexual Exploitation and Contextual Safeguarding",
]


def _logo() -> bytes:
    """A logo as an admin might upload it: a 1200 by 400 PNG with transparency."""
    image = Image.new("RGBA", (1200, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 380, 380), fill=(17, 69, 115, 255))
    draw.rectangle((440, 120, 1160, 280), fill=(0, 112, 60, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class _Logo:
    def __init__(self, content: bytes):
        import hashlib

        self.content, self.sha256 = content, hashlib.sha256(content).hexdigest()


def certificates(count: int, seed: int = 13) -> list:
    from lms.certificates import codes
    from lms.certificates.models import Certificate

    chooser = random.Random(seed)
    made = []
    for number in range(count):
        name = f"{chooser.choice(FIRST)} {chooser.choice(LAST)}"
        if number % 20 == 19:
            name = chooser.choice(OTHER_SCRIPTS)
        first = date(2025, 4, 1) + timedelta(days=chooser.randrange(365))
        made.append(
            Certificate(
                code="".join(chooser.choice(codes.ALPHABET) for _ in range(codes.LENGTH)),
                person_name=name,
                course_title=chooser.choice(TITLES),
                course_code="SCP",
                level=chooser.choice((1, 2, 3)),
                cpd_hours=Decimal(chooser.choice(("3", "6.5", "7"))),
                mode=chooser.choice(("Face to face", "Virtual", "E-learning")),
                first_day=first,
                last_day=first + timedelta(days=chooser.choice((0, 0, 1))),
                delivered_by=chooser.choice(("Ann Lee, Bob Roe", "NSPCC Learning", "")),
                valid_until=chooser.choice((None, first + timedelta(days=3 * 365))),
                issued_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
            )
        )
    return made


def _rate(batch: list, logo, *, repeat: int) -> dict:
    from lms.certificates import pdf

    def one_round() -> tuple[float, float, int]:
        wall, cpu, size = time.perf_counter(), time.process_time(), 0
        for certificate in batch:
            size += len(
                pdf.render(
                    certificate,
                    partnership=PARTNERSHIP,
                    verify_url=f"{BASE}/verify/{certificate.code}",
                    logo=logo,
                )
            )
        return time.perf_counter() - wall, time.process_time() - cpu, size

    one_round()  # warm-up: fonts registered, logo prepared, subsets remembered
    rounds = [one_round() for _ in range(repeat)]
    walls = [wall for wall, _cpu, _size in rounds]
    return {
        "per_second": len(batch) / statistics.median(walls),
        "per_second_cpu": len(batch) / statistics.median([cpu for _w, cpu, _s in rounds]),
        "seconds": walls,
        "mean_kb": rounds[0][2] / len(batch) / 1024,
    }


def run(*, count: int = BATCH, repeat: int = 3) -> dict:
    """Render `count` certificates `repeat` times with the QR code, and again without it."""
    from lms.certificates import pdf

    batch, logo = certificates(count), _Logo(_logo())
    with_qr = _rate(batch, logo, repeat=repeat)
    with mock.patch.object(pdf.qr, "draw", lambda *args: None):
        without_qr = _rate(batch, logo, repeat=repeat)
    return {"count": count, "repeat": repeat, "with_qr": with_qr, "without_qr": without_qr}


def figures(part: dict, *, measured_at: str, load_average: float) -> dict:
    return part | {"measured_at": measured_at, "load_average": load_average}


def section(part: dict) -> list[str]:
    """The "Certificate PDFs" section of RESULTS.md."""
    rows = (("With the QR code", part["with_qr"]), ("Without the QR code", part["without_qr"]))
    lines = [
        "## Certificate PDFs",
        "",
        f"Measured {part['measured_at']} (load average {part['load_average']:.1f} before). "
        f"{part['count']:,} different certificates (one in twenty named in Chinese or Arabic "
        "script), each a one-page A4 landscape PDF with the partnership's logo (a 1200 by 400 "
        "PNG) and the verify address, made one after another in one Python process by "
        "`lms.certificates.pdf.render` (what a download and a ZIP call), after one untimed "
        f"round; {part['repeat']} timed rounds, certificates per second from the median round "
        "(and from the process's CPU time, which the other work on the shared machine "
        f"inflates less). Target (the issue's): at least {TARGET_PER_SECOND} a second with "
        "the QR code.",
        "",
        "| Certificates | Per second (wall) | Per second (CPU) | Rounds, s | Mean size KB "
        "| Target |",
        "|---|--:|--:|---|--:|---|",
    ]
    for label, rate in rows:
        verdict = ""
        if rate is part["with_qr"]:
            verdict = "met" if rate["per_second"] >= TARGET_PER_SECOND else "**missed**"
        lines.append(
            f"| {label} | {rate['per_second']:,.0f} | {rate['per_second_cpu']:,.0f} "
            f"| {', '.join(f'{s:.2f}' for s in rate['seconds'])} | {rate['mean_kb']:.0f} "
            f"| {verdict} |"
        )
    lines += ["", *WHY, ""]
    if part.get("zip"):
        lines += zip_section(part["zip"])
    return lines


def zip_section(measured: dict) -> list[str]:
    """A coordinator's year of certificates as one ZIP, as run-jobs builds it."""
    build, compression = measured["build"], measured["compression"]
    stored, deflated = compression["stored"], compression["deflated"]
    rate = build["certificates"] / build["seconds"]
    traced = (
        f"; peak Python allocations {build['traced_peak_mb']:.1f} MB (tracemalloc, a second build)"
        if "traced_peak_mb" in build
        else ""
    )
    return [
        "### A 2,000-certificate ZIP for a coordinator",
        "",
        f"{build['certificates']:,} certificates of one agency in one financial year (SQLite), "
        "written entry by entry to a file as run-jobs writes it (`lms.certificates."
        "export_batches`), progress committed every 50.",
        "",
        "| Certificates | Built in, s | Per second | ZIP size MB | Peak memory rise MB |",
        "|--:|--:|--:|--:|--:|",
        f"| {build['certificates']:,} | {build['seconds']:.1f} | {rate:,.0f} "
        f"| {build['bytes'] / 1024 / 1024:.1f} | {build['rss_rise_mb']:.1f} |",
        "",
        f"Memory does not grow with the batch (resident size{traced}): certificates are "
        "read in chunks and each PDF is written and dropped. Entries are deflated (the PDFs' "
        f"own streams are not compressed): zipping the same PDFs took {stored['seconds']:.2f} s "
        f"stored and {deflated['seconds']:.2f} s deflated, for a file "
        f"{1 - deflated['bytes'] / stored['bytes']:.1%} smaller.",
        "",
    ]


WHY = [
    "Where the time goes: reportlab writes each PDF in Python (its C accelerator, the "
    "`rl_accel` package, is not installed here), most of it the embedded font: a certificate "
    "is drawn in one font, DejaVu Sans, its weight shown by size and colour (a bold face as "
    "well cost a quarter of the time: 250 a second rather than 330 by CPU time), plus Droid "
    "Sans Fallback for a Chinese name. Made once and "
    "reused: the font, the paragraph styles, each font subset a document needs (reportlab "
    "keeps ASCII in one fixed subset, so most certificates need the same ones), and the logo "
    "(flattened, scaled and turned into a JPEG once per upload, then copied into each PDF "
    "without reportlab's digest of its pixels). A name or title that fits one line is drawn "
    "as a string, not a wrapped paragraph. Streams are not compressed or ASCII85-wrapped "
    "(the fonts' compression cost more than drawing the page; a ZIP compresses them anyway). "
    "The QR code is segno's matrix drawn as one path of the dark runs of each row, with its "
    "mask fixed: segno's search of the eight masks took four times as long as making the "
    "code; reportlab's own QR widget manages about 16 a second.",
]


def missed(part: dict | None) -> list[str]:
    if not part or part["with_qr"]["per_second"] >= TARGET_PER_SECOND:
        return []
    rate = part["with_qr"]["per_second"]
    return [
        f"Certificate PDFs: {rate:,.0f} a second with the QR code, "
        f"{1 - rate / TARGET_PER_SECOND:.1%} short of {TARGET_PER_SECOND}."
    ]


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(json.dumps(run(count=int(os.environ.get("COUNT", "300"))), indent=2))
