"""The annual report pack as an A4 PDF, from a snapshot's figures (see `lms.reports.pack`).

A title page (the partnership, the year, which version and when the figures were taken); the
headline sentences; each section with its introduction, tables and charts; the comparison with
the year before; the practitioners' quotes; the notes; and the definitions page at the end.
Every text is drawn in the embedded fonts (`lms.core.pdffonts`), so any name prints as written,
and the file is made invariant: the same figures give the same bytes."""

import io
from datetime import datetime
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, SimpleDocTemplate, Spacer

from lms.core import pdffonts
from lms.core.timefmt import uk_datetime
from lms.reports import pack_cells, pack_charts
from lms.reports.pack_pdf_tables import Styles, table_flowables

PAGE = A4
MARGIN = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN


def title_of(figures: dict[str, Any]) -> str:
    return f"Training: annual report {figures.get('year', '')}".strip()


def taken_text(figures: dict[str, Any]) -> str:
    """When the figures were taken, in UK time: 2 April 2026, 9am."""
    try:
        return uk_datetime(datetime.fromisoformat(figures["taken_at"]))
    except (KeyError, TypeError, ValueError):
        return "not recorded"


def _title_page(figures: dict[str, Any], styles: Styles) -> list:
    pairs = [
        ("Version", pack_cells.version_text(figures)),
        ("Financial year", figures.get("year_label") or figures.get("year") or ""),
        ("Figures taken", taken_text(figures)),
    ]
    return [
        Spacer(1, 40 * mm),
        pdffonts.paragraph(figures.get("partnership", ""), styles.subtitle, 200),
        Spacer(1, 6 * mm),
        pdffonts.paragraph(title_of(figures), styles.title),
        Spacer(1, 4 * mm),
        pdffonts.paragraph(pack_cells.version_text(figures), styles.subtitle),
        Spacer(1, 10 * mm),
        pdffonts.details_table(
            pairs, styles.label, styles.body, label_width=45 * mm, width=WIDTH, limit=200
        ),
        PageBreak(),
    ]


def _headlines(figures: dict[str, Any], styles: Styles) -> list:
    story = [pdffonts.paragraph("Headlines", styles.h1)]
    sentences = pack_cells.headline_sentences(figures) or ["No training was recorded this year."]
    story += [pdffonts.paragraph(sentence, styles.body, 600) for sentence in sentences]
    return story


def _sections(figures: dict[str, Any], styles: Styles) -> list:
    tables = figures.get("tables") or {}
    publication = figures.get("version") == "publication"
    story: list = []
    for section in figures.get("sections") or []:
        story += [
            CondPageBreak(60 * mm),
            pdffonts.paragraph(section.get("title", ""), styles.h1, 200),
            pdffonts.paragraph(section.get("intro", ""), styles.body, 600),
        ]
        for entry in section.get("tables") or []:
            key, chosen = entry["table"], entry.get("columns")
            table = tables.get(key)
            if table is None:
                continue
            heading = pack_cells.table_heading(key, table, tables)
            story += [CondPageBreak(40 * mm), pdffonts.paragraph(heading, styles.h2, 200)]
            if chosen:
                story.append(
                    pdffonts.paragraph(
                        f"The same figures as “{heading}”, these columns only.", styles.muted
                    )
                )
            story += table_flowables(table, chosen, styles, width=WIDTH)
            if not chosen:
                chart = pack_charts.flowables(
                    table.get("chart"),
                    styles,
                    width=WIDTH,
                    publication=publication,
                    suppress_below=figures.get("suppress_below"),
                )
                if chart:
                    story += [Spacer(1, 2 * mm), *chart]
            story.append(Spacer(1, 4 * mm))
    return story


def _comparison(figures: dict[str, Any], styles: Styles) -> list:
    comparison = figures.get("comparison")
    if not comparison:
        return []
    return [
        CondPageBreak(60 * mm),
        pdffonts.paragraph("Compared with the year before", styles.h1),
        pdffonts.paragraph(comparison.get("title", ""), styles.h2, 200),
        *table_flowables(comparison, None, styles, width=WIDTH),
    ]


def _quotes(figures: dict[str, Any], styles: Styles) -> list:
    quotes = figures.get("quotes") or []
    if not quotes:
        return []
    story: list = [CondPageBreak(40 * mm), pdffonts.paragraph("What practitioners said", styles.h1)]
    for quote in quotes:
        story.append(
            KeepTogether(
                [
                    pdffonts.paragraph(f"“{quote.get('text', '')}”", styles.quote, 1200),
                    pdffonts.paragraph(
                        f"{quote.get('course', '')}, {quote.get('month', '')}", styles.muted, 300
                    ),
                    Spacer(1, 3 * mm),
                ]
            )
        )
    return story


def _notes(figures: dict[str, Any], styles: Styles) -> list:
    notes = figures.get("notes") or []
    if not notes:
        return []
    return [
        CondPageBreak(30 * mm),
        pdffonts.paragraph("Notes", styles.h1),
        *(pdffonts.paragraph(note, styles.body, 1000) for note in notes),
    ]


def _definitions(figures: dict[str, Any], styles: Styles) -> list:
    story: list = [PageBreak(), pdffonts.paragraph("Definitions", styles.h1)]
    story.append(pdffonts.paragraph("How each figure in this pack is counted.", styles.body))
    for term, meaning in figures.get("definitions") or []:
        story.append(
            KeepTogether(
                [
                    pdffonts.paragraph(term, styles.h3, 200),
                    pdffonts.paragraph(meaning, styles.small, 2000),
                    Spacer(1, 2 * mm),
                ]
            )
        )
    return story


def render(figures: dict[str, Any]) -> bytes:
    """The pack's PDF: the same figures always give the same bytes."""
    styles = Styles()
    story = [
        *_title_page(figures, styles),
        *_headlines(figures, styles),
        *_sections(figures, styles),
        *_comparison(figures, styles),
        *_quotes(figures, styles),
        *_notes(figures, styles),
        *_definitions(figures, styles),
    ]
    title = title_of(figures)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=pdffonts.clip(f"{title} ({pack_cells.version_text(figures)})", 200),
        author=pdffonts.clip(figures.get("partnership", ""), 200),
        subject=pdffonts.clip(figures.get("year_label", ""), 200),
        creator="lms",
        initialFontName=pdffonts.regular(),
        invariant=1,
    )
    footer = f"{title} – {pack_cells.version_text(figures)}"
    doc.build(
        story,
        canvasmaker=pdffonts.numbered_canvas(
            footer, styles.muted, styles.muted_right, margin=MARGIN, width=WIDTH, limit=150
        ),
    )
    return buffer.getvalue()
