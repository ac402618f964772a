"""The printable statement of an agency's non-attendance charges for a period, with the total
due. A pure builder: plain data in, PDF bytes out; no database and no Flask. The view formats
dates in UK time before calling it, and sends the bytes with `send_file`.
"""

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from lms.attendance.print_layout import SHADE, Styles, build_pdf, details, grid_style


@dataclass(frozen=True)
class StatementLine:
    session_date: str
    course: str
    person: str
    reason: str  # "No-show" or "Late cancellation"
    status: str  # "Raised", "Upheld", "Waived", ...
    amount_pence: int
    payable: bool  # counted in the total


@dataclass(frozen=True)
class Statement:
    partnership: str
    agency: str
    period: str  # e.g. "November 2026"
    lines: tuple[StatementLine, ...]
    note: str = ""


# Date, course, person, reason, status, amount: 180 mm.
_STATEMENT_COLUMNS = (22 * mm, 43 * mm, 34 * mm, 32 * mm, 21 * mm, 28 * mm)


def format_pounds(pence: int) -> str:
    """An amount of money in pence as pounds, e.g. 5000 -> "£50.00", 123456 -> "£1,234.56"."""
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def charge_statement(statement: Statement) -> bytes:
    """An A4 statement of one agency's non-attendance charges for a period, with the total due."""
    styles = Styles()
    story: list = [
        styles.para(statement.partnership, styles.muted, limit=200),
        Spacer(1, 2 * mm),
        styles.para("Non-attendance charges", styles.title),
        styles.para(statement.agency, styles.subtitle, limit=200),
        Spacer(1, 3 * mm),
        details([("Period", statement.period)], styles),
        Spacer(1, 4 * mm),
    ]
    headings = ("Date", "Course", "Person", "Reason", "Status", "Amount")
    data: list[list] = [
        [
            styles.para(h, styles.cell_bold_right if h == "Amount" else styles.cell_bold)
            for h in headings
        ]
    ]
    style = grid_style()
    for line in statement.lines:
        text = styles.cell if line.payable else styles.cell_muted
        money = styles.cell_right if line.payable else styles.cell_muted_right
        data.append(
            [
                styles.para(line.session_date, text, limit=40),
                styles.para(line.course, text, limit=120),
                styles.para(line.person, text, limit=80),
                styles.para(line.reason, text, limit=40),
                styles.para(line.status, text, limit=30),
                styles.para(format_pounds(line.amount_pence), money),
            ]
        )
    if not statement.lines:
        style += [("SPAN", (0, 1), (-1, 1))]
        data.append([styles.para("No non-attendance charges in this period.", styles.cell)])
    total = sum(line.amount_pence for line in statement.lines if line.payable)
    last = len(data)
    style += [
        ("SPAN", (0, last), (-2, last)),
        ("BACKGROUND", (0, last), (-1, last), SHADE),
    ]
    data.append(
        [
            styles.para("Total payable", styles.cell_bold_right),
            "",
            "",
            "",
            "",
            styles.para(format_pounds(total), styles.cell_bold_right),
        ]
    )
    table = Table(data, colWidths=_STATEMENT_COLUMNS, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    story.append(table)
    if any(not line.payable for line in statement.lines):
        story += [
            Spacer(1, 3 * mm),
            styles.para(
                "Charges in grey are not payable (for example, waived) and are not in the total.",
                styles.muted,
            ),
        ]
    if statement.note.strip():
        story += [Spacer(1, 3 * mm), styles.para(statement.note, styles.body, limit=2000)]
    return build_pdf(
        story,
        title=f"Non-attendance charges: {statement.agency}, {statement.period}",
        author=statement.partnership,
        footer_left=f"{statement.agency}: {statement.period}",
        running_header=(
            f"Non-attendance charges (continued): {statement.agency}, {statement.period}"
        ),
        styles=styles,
    )
