"""The annual pack of the hand-counted year (tests/annual/conftest.py), table by table, on both
databases: every figure counted by hand from the history, the pack's tables equal to the reports
for the same year, and the same figures downloaded again after a register is corrected."""

import json
import re

import sqlalchemy as sa

from lms.bookings.models import Booking
from lms.extensions import db
from lms.reports import build, pack, periods, snapshots, suppression
from lms.reports import suppression_rules as pack_rules
from lms.reports.filters import Filters
from tests.annual.conftest import NOW

YEAR = periods.financial_year(2025)
REQUIREMENT = "Safeguarding at level 2 or above, every year"
PROGRAMME = (
    "sessions_run",
    "courses_run",
    "sessions_cancelled",
    "sessions_upcoming",
    "places_offered",
    "booked",
    "fill_rate",
    "attended",
    "partial",
    "no_shows",
    "places_wasted",
    "attendance_rate",
)
ATTENDANCE = (
    "booked",
    "attended",
    "partial",
    "no_shows",
    "late_cancellations",
    "not_marked",
    "attendance_rate",
    "places_wasted",
    "charges_raised",
    "charged_pence",
)
# S1 neglect L3 face to face (10 places: P1, P5 attended, P2 no-show, P3 late cancellation);
# S2 exploitation L2 virtual twilight (5 places: P2, P10, P9, P4 attended, P11 partial);
# S3 neglect cancelled; S4 two-day neglect L3 (2 places: P1 attended, P3 partial);
# S5 exploitation virtual across 31 March (6 places: P6 attended, P7 no-show).
LEVEL_2 = (2, 1, 0, 0, 11, 7, 63.6, 5, 1, 1, 1, 71.4)  # S2 and S5, both of Exploitation
LEVEL_3 = (
    2,
    2,
    1,
    0,
    12,
    6,
    50.0,
    3,
    1,
    1,
    2,
    50.0,
)  # S1 Neglect and S4 Neglect two-day (S3 cancelled)
ALL = (4, 3, 1, 0, 23, 13, 56.5, 8, 2, 2, 3, 61.5)
EXPECTED = {
    "programme-by-level": [("Level 2", *LEVEL_2), ("Level 3", *LEVEL_3), ("Total", *ALL)],
    "programme-by-theme": [("Exploitation", *LEVEL_2), ("Neglect", *LEVEL_3), ("Total", *ALL)],
    "programme-by-mode": [
        ("Face to face", *LEVEL_3),
        ("Virtual (live online)", *LEVEL_2),
        ("Total", *ALL),
    ],
    "programme-by-time": [
        # S1, S4, S5 (S3 cancelled); Exploitation ran in the daytime and at twilight, so the
        # courses of the rows add up to more than the 3 different courses.
        ("Daytime", 3, 3, 1, 0, 18, 8, 44.4, 4, 1, 2, 3, 50.0),
        ("Twilight (starts 4pm or later)", 1, 1, 0, 0, 5, 5, 100.0, 4, 1, 0, 0, 80.0),  # S2
        ("Total", *ALL),
    ],
    # P1 booked S1 as the school and S4 as the council, after moving.
    "attendance-by-sector": [
        ("Education", 3, 3, 0, 0, 0, 0, 100.0, 0, 0, 0.0),  # P1 S1, P9 S2, P6 S5
        ("Faith", 1, 1, 0, 0, 0, 0, 100.0, 0, 0, 0.0),  # P5 S1
        ("Health", 5, 1, 2, 1, 1, 0, 20.0, 2, 2, 50.0),  # P3 x2, P4, P11, P7 (£50 disputed)
        ("Local authority", 4, 3, 0, 1, 0, 0, 75.0, 1, 1, 50.0),  # P2 x2, P10, P1 S4
        ("Total", 13, 8, 2, 2, 1, 0, 61.5, 3, 3, 100.0),
    ],
    "attendance-by-agency": [
        ("Alder Road School", "Education", 3, 3, 0, 0, 0, 0, 100.0, 0, 0, 0.0),
        ("Hope Church", "Faith", 1, 1, 0, 0, 0, 0, 100.0, 0, 0, 0.0),
        ("Riverside Council", "Local authority", 4, 3, 0, 1, 0, 0, 75.0, 1, 1, 50.0),
        ("Riverside NHS Trust", "Health", 5, 1, 2, 1, 1, 0, 20.0, 2, 2, 50.0),
        ("Total", "", 13, 8, 2, 2, 1, 0, 61.5, 3, 3, 100.0),
    ],
    "multi-agency-mix": [
        ("Neglect", "2025-05-12", 2, 2, 2),  # P1 (school), P5 (church)
        ("Exploitation", "2025-10-08", 3, 3, 5),  # council, school, NHS
        ("Neglect two-day", "2026-01-20", 2, 2, 2),  # P1 (council), P3 (NHS)
        ("Exploitation", "2026-03-30", 1, 1, 1),  # P6 (school)
    ],
    "elearning-by-sector": [
        ("Health", 1, 1, 0),  # P3
        ("Local authority", 1, 1, 0),  # P2
        ("Total", 2, 2, 0),
    ],
    "elearning-by-agency": [
        ("Riverside Council", "Local authority", 1, 1, 0),
        ("Riverside NHS Trust", "Health", 1, 1, 0),
        ("Total", "", 2, 2, 0),
    ],
    "elearning-by-module": [
        ("Level 1 Safeguarding Children", "L1SC", "E-learning provider 1", "Level 1", 2, 2, 0),
        ("Total", "", "", "", 2, 2, 0),
    ],
    "unmet-demand": [
        ("C002", "Exploitation", 2, 1, "No", 1, 0, 0),  # S2 full, P5 still waiting
        ("C001", "Neglect", 1, 0, "No", 0, 1, 0),  # P7's interest, told in August
        ("C003", "Neglect two-day", 1, 1, "Yes", 0, 1, 1),  # P5's interest, not told
        ("Total", "", 4, 2, "", 1, 2, 1),
    ],
    # As at 31 March 2026; the two coordinators and the PDL viewer never did it. P1 counts at the
    # council (moved on 1 June 2025); P5 is due (its "compliant" includes the due soon).
    "compliance-by-sector": [
        (REQUIREMENT, "Education", 3, 1, 0, 0, 2, 33.3),  # P9; P6, school coordinator never
        (REQUIREMENT, "Faith", 1, 1, 1, 0, 0, 100.0),  # P5, due
        (REQUIREMENT, "Health", 4, 1, 0, 0, 3, 25.0),  # P4; P3, P7, P11 never
        (REQUIREMENT, "Local authority", 6, 3, 0, 1, 2, 50.0),  # P1, P2, P10; P8 overdue
        ("Total", "", 14, 6, 1, 1, 7, 42.9),
    ],
    "compliance-by-agency": [
        (REQUIREMENT, "Alder Road School", "Education", 3, 1, 0, 0, 2, 33.3),
        (REQUIREMENT, "Hope Church", "Faith", 1, 1, 1, 0, 0, 100.0),
        (REQUIREMENT, "Riverside Council", "Local authority", 6, 3, 0, 1, 2, 50.0),
        (REQUIREMENT, "Riverside NHS Trust", "Health", 4, 1, 0, 0, 3, 25.0),
        ("Total", "", "", 14, 6, 1, 1, 7, 42.9),
    ],
}
IMPACT = (
    "after_invited",
    "after_answered",
    "after_rate",
    "follow_up_invited",
    "follow_up_answered",
    "rating",
    "rating_n",
    "knowledge_before",
    "knowledge_after",
    "knowledge_gain",
    "knowledge_n",
    "confidence_before",
    "confidence_after",
    "confidence_gain",
    "confidence_n",
    "changed",
    "changed_n",
)
# Straight after S1: P1 (5, knowledge 3-8, confidence 4-8), P5 (4, 5-7, 5-6); at follow-up P1
# changed (4), P5 not (1). Straight after S2: P9 (3, 6-6, 5-7); P2 asked, no answer. Fewest
# responses 2: a share or average resting on one person is None (too few).
IMPACT_LEVEL_3 = (2, 2, 100.0, 2, 2, 4.5, 2, 4.0, 7.5, 3.5, 2, 4.5, 7.0, 2.5, 2, 50.0, 2)
IMPACT_ALL = (4, 3, 75.0, 2, 2, 4.0, 3, 4.7, 7.0, 2.3, 3, 4.7, 7.0, 2.3, 3, 50.0, 2)
EXPECTED_IMPACT = {
    "impact-by-level": [
        ("Level 2", 2, 1, 50.0, 0, 0, None, 1, None, None, None, 1, None, None, None, 1, None, 0),
        ("Level 3", *IMPACT_LEVEL_3),
        ("Total", *IMPACT_ALL),
    ],
    "impact-by-sector": [
        # P1 (school at S1) and P9: knowledge 3-8 and 6-6, confidence 4-8 and 5-7.
        ("Education", 2, 2, 100.0, 1, 1, 4.0, 2, 4.5, 7.0, 2.5, 2, 4.5, 7.5, 3.0, 2, None, 1),
        ("Faith", 1, 1, None, 1, 1, None, 1, None, None, None, 1, None, None, None, 1, None, 1),
        ("Local authority", 1, 0, None, 0, 0, None, 0)
        + (None,) * 3
        + (0,)
        + (None,) * 3
        + (0, None, 0),
        ("Total", *IMPACT_ALL),
    ],
}


def _gathered(app):
    with app.app_context():
        return pack.gather(YEAR, now=NOW, partnership="Riverside SCP", suppress_below=5)


def _cells(table: dict, keys) -> list[tuple]:
    rows = [*table["rows"], *([table["total"]] if table["total"] else [])]
    return [tuple(row[key] for key in keys) for row in rows]


def test_every_table_of_the_pack_is_the_hand_counted_figure(app, annual_year):
    tables = _gathered(app)["tables"]

    for key, expected in EXPECTED.items():
        columns = [column["key"] for column in tables[key]["columns"]]
        assert _cells(tables[key], columns) == expected, key
    for key, expected in EXPECTED_IMPACT.items():
        assert _cells(tables[key], ("group", *IMPACT)) == expected, key
    mix = {item["label"]: item["value"] for item in tables["multi-agency-mix"]["summary"]}
    assert mix == {
        "Sessions run": "4",
        "Sessions with attendance recorded": "4",
        "Average agencies per session": "2.0",  # (2 + 3 + 2 + 1) / 4
        "Average sectors per session": "2.0",
        "Sessions attended by one sector only": "1",
        "Sessions attended by one agency only": "1",
    }


def test_the_pack_holds_every_section_the_definitions_and_the_chosen_quotes(app, annual_year):
    figures = _gathered(app)
    assert [section["key"] for section in figures["sections"]] == [
        section.key for section in pack.SECTIONS
    ]
    named = {entry["table"] for section in figures["sections"] for entry in section["tables"]}
    assert named == set(figures["tables"])
    assert figures["definitions"][0][0] == "Period"
    assert figures["previous_year"] == "2024-25"  # S7 ran on 31 March 2025
    assert figures["quotes"] == []  # none chosen yet

    from lms.feedback.models import Answer
    from lms.reports.models import PackQuote

    with app.app_context():
        answer = db.session.scalar(sa.select(Answer.id))
        db.session.add(PackQuote(year="2025-26", answer_id=answer))
        db.session.commit()
    assert _gathered(app)["quotes"] == [
        {"text": "I now use the neglect toolkit", "course": "Neglect", "month": "May 2025"}
    ]


def test_the_pack_tables_are_the_reports_for_the_same_year(app, annual_year):
    tables = _gathered(app)["tables"]
    with app.app_context():
        for section in pack.SECTIONS:
            for entry in section.entries:
                if entry.columns is not None:
                    continue
                report = build.run(
                    entry.report, Filters(period=YEAR), now=NOW, **dict(entry.options)
                )
                assert tables[entry.key] == json.loads(json.dumps(pack.table_json(report)))


def test_the_comparison_sets_the_year_beside_the_one_before(app, annual_year):
    comparison = _gathered(app)["comparison"]
    rows = {row["measure"]: row for row in comparison["rows"]}
    # 2024-25: S7 on 31 March 2025, 10 places, P8 attended.
    assert [rows["Sessions run"][k] for k in ("2024-25", "2025-26", "change")] == [1, 4, 3]
    assert [rows["Booked"][k] for k in ("2024-25", "2025-26", "change")] == [1, 13, 12]
    assert [rows["Fill rate"][k] for k in ("2024-25", "2025-26", "change")] == [10.0, 56.5, 46.5]
    assert [rows["Attended"][k] for k in ("2024-25", "2025-26", "change")] == [1, 8, 7]


def test_a_pack_downloaded_again_after_a_register_is_corrected_has_the_same_figures(
    app, annual_year
):
    with app.app_context():
        april = snapshots.take(
            YEAR, now=NOW, by=None, partnership="Riverside SCP", suppress_below=5
        )
        db.session.commit()
        april_id, april_digest, april_text = april.id, april.digest, april.figures
        # June: P2's no-show at S1 is corrected to attended.
        booking = db.session.get(Booking, _p2_s1(annual_year))
        booking.outcome = "completed"
        booking.completed_at = booking.session.ends_at
        db.session.commit()
        june = snapshots.take(YEAR, now=NOW, by=None, partnership="Riverside SCP", suppress_below=5)
        db.session.commit()
        june_tables = snapshots.figures_of(june)["tables"]

    with app.app_context():
        from lms.reports.models import ReportSnapshot

        again = db.session.get(ReportSnapshot, april_id)
        assert again.figures == april_text and again.digest == april_digest
        tables = snapshots.figures_of(again)["tables"]
    sector = {row["sector"]: row for row in tables["attendance-by-sector"]["rows"]}
    assert (sector["Local authority"]["attended"], sector["Local authority"]["no_shows"]) == (3, 1)
    now_sector = {row["sector"]: row for row in june_tables["attendance-by-sector"]["rows"]}
    assert (
        now_sector["Local authority"]["attended"],
        now_sector["Local authority"]["no_shows"],
    ) == (
        4,
        0,
    )


def _p2_s1(year) -> int:
    people, sessions = year.history.people, year.history.sessions
    return db.session.scalar(
        sa.select(Booking.id).where(
            Booking.user_id == people["P2"].id, Booking.session_id == sessions["S1"]
        )
    )


HEADLINES = [
    "In 2025-26 we ran 4 sessions: 2 face to face and 2 virtual.",
    "At Level 2 we ran 2 sessions of 1 course on 1 topic.",  # S2, S5: Exploitation
    "At Level 3 we ran 2 sessions of 2 courses on 1 topic.",  # S1 Neglect, S4 Neglect two-day
    "They were attended by 9 practitioners from 4 agencies in 4 sectors.",
    # 2024-25: S7 on 31 March 2025, P8.
    "Compared with 2024-25, sessions run were up from 1 to 4, and practitioners attending up "
    "from 1 to 9.",
    "3 of the 13 places booked were wasted by no-shows and late cancellations (23.1%).",
    "There were 2 e-learning completions by 2 people.",
    # Straight after: P1, P5, P9; at follow-up: P1, P5.
    "We received 5 evaluation responses.",
    "Practitioners rated their training 4.0 out of 5 on average (3 people answered).",
    "At follow-up, 50.0% reported changed practice (2 people answered).",
    "On 31 March 2026, 6 of the 14 training requirements applying to people were met (42.9%).",
]


def test_every_headline_sentence_is_written_from_the_hand_counted_figures(app, annual_year):
    assert _gathered(app)["headlines"] == HEADLINES


def _hidden(value) -> bool:
    return isinstance(value, str) and value in ("fewer than 5", "withheld")


def _unknowns(cells) -> int:
    return sum(1 for cell in cells if _hidden(cell))


def test_the_publication_version_never_gives_a_small_count_back(app, annual_year):
    figures = _gathered(app)
    published = suppression.publish(figures)
    tables, exact = published["tables"], figures["tables"]

    # Every count from 1 to 4 in the exact figures is hidden in the published ones.
    for key, table in exact.items():
        kinds = {column["key"]: column["kind"] for column in table["columns"]}
        for row, shown in zip(
            [*table["rows"], table["total"] or {}],
            [*tables[key]["rows"], tables[key]["total"] or {}],
            strict=True,
        ):
            for name, value in row.items():
                if kinds.get(name) == "count" and isinstance(value, int) and 0 < value < 5:
                    assert shown[name] == "fewer than 5", (key, row, name)
    said = " ".join(published["headlines"])
    # A number from 1 to 4 standing alone (not a level, not part of a year or a figure).
    assert not re.search(r"(?<![\w.-])(?<!Level )[1-4](?![\w.-])", said), said

    # No column total, sector row or row identity leaves exactly one figure to work out.
    for key, columns in [
        ("attendance-by-sector", pack_rules.ATTENDANCE_SUMS),
        ("attendance-by-agency", pack_rules.ATTENDANCE_SUMS),
        ("compliance-by-sector", pack_rules.COMPLIANCE_COUNTS),
        ("compliance-by-agency", pack_rules.COMPLIANCE_COUNTS),
        ("elearning-by-sector", ("completions",)),
    ]:
        table = tables[key]
        for column in columns:
            cells = [row[column] for row in table["rows"]] + [table["total"][column]]
            assert _unknowns(cells) != 1, (key, column)
        for row in [*table["rows"], table["total"]]:
            if key.startswith("attendance"):
                wasted = [row["places_wasted"], row["no_shows"], row["late_cancellations"]]
                assert _unknowns(wasted) != 1, (key, row)
            if key.startswith("compliance"):
                split = [row["applies"], row["compliant"], row["overdue"], row["never"]]
                assert _unknowns(split) != 1, (key, row)
    for sector_row in tables["attendance-by-sector"]["rows"]:
        agencies = [
            row
            for row in tables["attendance-by-agency"]["rows"]
            if row["sector"] == sector_row["sector"]
        ]
        for column in pack_rules.ATTENDANCE_SUMS:
            cells = [sector_row[column]] + [row[column] for row in agencies]
            assert _unknowns(cells) != 1, (sector_row["sector"], column)
    # This year = last year + change: never one of the three alone hidden.
    for row in published["comparison"]["rows"]:
        assert _unknowns([row["2024-25"], row["2025-26"], row["change"]]) != 1, row


def test_the_same_snapshot_gives_the_same_files_after_a_correction(app, annual_year):
    from lms.reports import changes, pack_pdf, pack_xlsx

    with app.app_context():
        april = snapshots.take(
            YEAR, now=NOW, by=None, partnership="Riverside SCP", suppress_below=5
        )
        db.session.commit()
        files = [
            render(snapshots.figures_of(april, publication=version))
            for render in (pack_pdf.render, pack_xlsx.render)
            for version in (False, True)
        ]
        booking = db.session.get(Booking, _p2_s1(annual_year))
        booking.outcome = "completed"
        booking.completed_at = booking.session.ends_at
        db.session.commit()
        june = snapshots.take(YEAR, now=NOW, by=None, partnership="Riverside SCP", suppress_below=5)
        db.session.commit()
        again = [
            render(snapshots.figures_of(april, publication=version))
            for render in (pack_pdf.render, pack_xlsx.render)
            for version in (False, True)
        ]
        changed = changes.changes(snapshots.figures_of(april), snapshots.figures_of(june))
    assert again == files
    found = {(c.table, c.row, c.column): (c.before, c.after) for c in changed}
    assert found[("Attendance by sector", "Local authority", "Attended")] == (3, 4)
    assert found[("Attendance by sector", "Local authority", "No-shows")] == (1, 0)
