"""The publication version's small-number suppression: hand-worked examples, and a property
test that no relation among the figures lets a reader work out a hidden count."""

import copy
import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.reports import suppression
from lms.reports.suppression_rules import relations, row_of

FEWER = "fewer than 5"
WITHHELD = "withheld"


def table(first, counts, rows, total=None, *, derived=(), chart=None, summary=()):
    columns = [{"key": key, "label": key.title(), "kind": "text"} for key in first]
    columns += [{"key": key, "label": key.title(), "kind": "count"} for key in counts]
    columns += [{"key": key, "label": key.title(), "kind": kind} for key, kind in derived]
    return {
        "report": "test",
        "title": "Test",
        "columns": columns,
        "rows": rows,
        "total": total,
        "summary": [{"label": label, "value": value} for label, value in summary],
        "chart": chart,
    }


def pack(tables, *, facts=None, comparison=None, previous=None, suppress_below=5):
    return {
        "year": "2025-26",
        "previous_year": previous,
        "suppress_below": suppress_below,
        "facts": facts or {},
        "headlines": [],
        "tables": tables,
        "comparison": comparison,
        "notes": [],
    }


def completions(*rows, total):
    """E-learning by sector: (sector, completions, people) rows."""
    return table(
        ["sector"],
        ["completions", "people"],
        [{"sector": s, "completions": c, "people": p} for s, c, p in rows],
        {"sector": "Total", "completions": total[0], "people": total[1]},
    )


def test_a_column_with_one_small_cell_gets_a_second_cell_withheld():
    figures = pack(
        {
            "elearning-by-sector": completions(
                ("Health", 20, 18), ("Education", 3, 3), ("Police", 30, 25), total=(53, 44)
            )
        }
    )
    rows = suppression.publish(figures)["tables"]["elearning-by-sector"]["rows"]
    assert [row["completions"] for row in rows] == [WITHHELD, FEWER, 30]
    # People are different people, not additive: only the small count is hidden.
    assert [row["people"] for row in rows] == [18, FEWER, 25]


def test_a_total_never_lets_a_reader_work_out_a_hidden_cell():
    # Two small cells: 53 - 30 - 17 leaves 6 for the two, which cannot be split uniquely...
    figures = pack(
        {
            "elearning-by-sector": completions(
                ("Health", 2, 2), ("Education", 4, 4), ("Police", 30, 25), total=(36, 31)
            )
        }
    )
    published = suppression.publish(figures)
    rows = published["tables"]["elearning-by-sector"]["rows"]
    # ...but 2 + 4 = 6 with both in 1-4 allows 2+4, 3+3, 4+2: no need to withhold more.
    assert [row["completions"] for row in rows] == [FEWER, FEWER, 30]
    assert_nothing_revealed(figures, published)


def test_two_small_cells_that_would_be_pinned_get_a_third_withheld():
    # 1 + 1 = 2 is the only way to make 2 from two counts of 1 to 4.
    figures = pack(
        {
            "elearning-by-sector": completions(
                ("Health", 1, 1), ("Education", 1, 1), ("Police", 30, 25), total=(32, 27)
            )
        }
    )
    published = suppression.publish(figures)
    rows = published["tables"]["elearning-by-sector"]["rows"]
    assert [row["completions"] for row in rows] == [FEWER, FEWER, WITHHELD]
    assert published["tables"]["elearning-by-sector"]["total"]["completions"] == 32
    assert_nothing_revealed(figures, published)


def attendance_row(label, attended, partial, no_shows, late, not_marked, charges=0, **more):
    booked = attended + partial + no_shows + late + not_marked
    return {
        "sector": label,
        "booked": booked,
        "attended": attended,
        "partial": partial,
        "no_shows": no_shows,
        "late_cancellations": late,
        "not_marked": not_marked,
        "places_wasted": no_shows + late,
        "charges_raised": charges,
        "attendance_rate": round(100 * attended / booked, 1) if booked else None,
        "charged_pence": float(50 * charges),
    } | more


ATTENDANCE_COUNTS = [
    "booked",
    "attended",
    "partial",
    "no_shows",
    "late_cancellations",
    "not_marked",
    "places_wasted",
    "charges_raised",
]
ATTENDANCE_DERIVED = [("attendance_rate", "percent"), ("charged_pence", "money")]


def attendance(rows, first=("sector",), label="sector"):
    total = {key: sum(row[key] for row in rows) for key in ATTENDANCE_COUNTS}
    total |= {
        "attendance_rate": round(100 * total["attended"] / total["booked"], 1),
        "charged_pence": float(sum(row["charged_pence"] for row in rows)),
    }
    total |= {key: "" for key in first} | {label: "Total"}
    return table(list(first), ATTENDANCE_COUNTS, rows, total, derived=ATTENDANCE_DERIVED)


def test_a_row_identity_does_not_give_a_hidden_count_back():
    # Places wasted 10 = no-shows (3, hidden) + late cancellations 7: the 7 must go.
    figures = pack(
        {
            "attendance-by-sector": attendance(
                [
                    attendance_row("Health", 30, 0, 3, 7, 0),
                    attendance_row("Education", 40, 6, 10, 9, 0),
                ]
            )
        }
    )
    published = suppression.publish(figures)
    health = published["tables"]["attendance-by-sector"]["rows"][0]
    assert health["no_shows"] == FEWER
    assert health["late_cancellations"] == WITHHELD
    assert health["places_wasted"] == 10
    assert health["attended"] == 30
    assert_nothing_revealed(figures, published)


def test_rates_and_amounts_beside_a_hidden_count_are_withheld():
    figures = pack(
        {
            "attendance-by-sector": attendance(
                [
                    attendance_row("Health", 30, 0, 3, 7, 0, charges=3),
                    attendance_row("Education", 40, 6, 10, 9, 0, charges=12),
                ]
            )
        }
    )
    published = suppression.publish(figures)
    health, education = published["tables"]["attendance-by-sector"]["rows"]
    assert health["attendance_rate"] == WITHHELD
    assert health["charged_pence"] == WITHHELD
    assert health["charges_raised"] == FEWER
    # The total amount less Education's would give Health's back, so Education's goes too.
    assert education["charged_pence"] == WITHHELD
    assert published["tables"]["attendance-by-sector"]["total"]["charged_pence"] == 750.0
    assert_nothing_revealed(figures, published)


def test_a_true_zero_stays_zero():
    figures = pack(
        {
            "elearning-by-sector": completions(
                ("Health", 0, 0), ("Education", 12, 10), ("Police", 30, 25), total=(42, 35)
            )
        }
    )
    rows = suppression.publish(figures)["tables"]["elearning-by-sector"]["rows"]
    assert [row["completions"] for row in rows] == [0, 12, 30]


def test_a_sectors_row_is_the_sum_of_its_agencies_rows():
    by_sector = completions(("Health", 23, 20), ("Education", 30, 28), total=(53, 48))
    by_agency = table(
        ["agency", "sector"],
        ["completions", "people"],
        [
            {"agency": "Clinic", "sector": "Health", "completions": 3, "people": 3},
            {"agency": "Hospital", "sector": "Health", "completions": 20, "people": 17},
            {"agency": "School", "sector": "Education", "completions": 30, "people": 28},
        ],
        {"agency": "Total", "sector": "", "completions": 53, "people": 48},
    )
    figures = pack({"elearning-by-sector": by_sector, "elearning-by-agency": by_agency})
    published = suppression.publish(figures)
    rows = published["tables"]["elearning-by-agency"]["rows"]
    # Health's 23 less the hospital's 20 would give the clinic's 3.
    assert [row["completions"] for row in rows] == [FEWER, WITHHELD, 30]
    assert [row["completions"] for row in published["tables"]["elearning-by-sector"]["rows"]] == [
        23,
        30,
    ]
    assert_nothing_revealed(figures, published)


def comparison(rows, *, previous="2024-25", year="2025-26"):
    return {
        "columns": [
            {"key": "measure", "label": "Measure", "kind": "text"},
            {"key": previous, "label": previous, "kind": "count"},
            {"key": year, "label": year, "kind": "count"},
            {"key": "change", "label": "Change", "kind": "count"},
        ],
        "rows": [
            {"measure": m, "kind": kind, previous: last, year: this, "change": change}
            for m, kind, last, this, change in rows
        ],
        "total": None,
        "summary": [],
        "chart": None,
    }


def test_the_change_from_last_year_does_not_give_a_hidden_count_back():
    figures = pack(
        {},
        comparison=comparison(
            [
                ("Sessions run", "count", 10, 3, -7),
                ("Booked", "count", 100, 120, 20),
                ("Fill rate", "percent", 80.0, 75.5, -4.5),
            ]
        ),
        previous="2024-25",
    )
    published = suppression.publish(figures)
    sessions, booked, fill = published["comparison"]["rows"]
    assert sessions["2025-26"] == FEWER
    assert sessions["change"] == WITHHELD
    assert sessions["2024-25"] == 10
    assert booked == figures["comparison"]["rows"][1]
    assert fill["change"] == -4.5  # a change is a difference, not a count: never "fewer than"


def test_small_facts_and_the_sentences_written_from_them_are_hidden():
    facts = {
        "sessions_run": 30,
        "sessions_classroom": 27,
        "sessions_virtual": 3,
        "people_attended": 4,
        "agencies_attended": 2,
        "sectors_attended": 1,
    }
    published = suppression.publish(pack({}, facts=facts))
    assert published["facts"]["sessions_virtual"] == FEWER
    # 30 - 27 would give the 3 virtual sessions back.
    assert published["facts"]["sessions_classroom"] == WITHHELD
    assert published["headlines"][:2] == [
        "In 2025-26 we ran 30 sessions: a withheld number face to face and fewer than 5 virtual.",
        "They were attended by fewer than 5 practitioners from fewer than 5 agencies in fewer "
        "than 5 sectors.",
    ]


def test_a_hidden_figures_bar_is_left_out_of_its_chart_with_a_note():
    chart = {
        "title": "Completions by sector",
        "series": ["Completions", "People"],
        "groups": [["Health", [20, 18]], ["Education", [3, 3]], ["Police", [30, 25]]],
        "unit": "",
        "note": "",
    }
    figures = pack(
        {
            "elearning-by-sector": completions(
                ("Health", 20, 18), ("Education", 3, 3), ("Police", 30, 25), total=(53, 44)
            )
            | {"chart": chart}
        }
    )
    shown = suppression.publish(figures)["tables"]["elearning-by-sector"]["chart"]
    assert shown["groups"] == [
        ["Health", [None, 18]],
        ["Education", [None, None]],
        ["Police", [30, 25]],
    ]
    assert shown["note"] == "Bars for hidden figures are left out"


def test_publishing_is_repeatable_and_keeps_the_exact_figures():
    figures = pack(
        {
            "elearning-by-sector": completions(
                ("Health", 1, 1), ("Education", 1, 1), ("Police", 30, 25), total=(32, 27)
            )
        }
    )
    before = copy.deepcopy(figures)
    first = suppression.publish(figures)
    assert figures == before
    assert json.dumps(suppression.publish(figures), sort_keys=True) == json.dumps(
        first, sort_keys=True
    )
    assert first["version"] == "publication"
    assert '"fewer than 5"' in first["notes"][-1] and '"withheld"' in first["notes"][-1]


# A reader's brute force -----------------------------------------------------------------------


def _value(figures, cell):
    name, ref, column = cell
    if name == "facts":
        return figures["facts"][column]
    holder = figures["comparison"] if name == "comparison" else figures["tables"][name]
    if isinstance(ref, tuple):
        return holder["summary"][ref[1]]["value"]
    return row_of(holder, ref).get(column)


def _choices(shown, exact, is_money, cap, n):
    """The whole numbers (pence for money) a reader allows a cell, seeing `shown`: a count is
    withheld when it is n or more, or when "fewer than n" markers alone would pin it."""
    if shown == f"fewer than {n}":
        return range(1, n)
    if shown == WITHHELD:
        return range(0, cap + 1) if is_money or exact < n else range(n, cap + 1)
    return None


def hidden_cells(published, relation):
    hidden = []
    for _sign, cell in relation:
        shown = None if cell[0] == "?" else _value(published, cell)
        if shown == WITHHELD or (isinstance(shown, str) and shown.startswith("fewer than")):
            hidden.append(cell)
    return hidden


def assert_nothing_revealed(figures, published):
    """For every relation, each hidden cell could take at least two values (the marker "fewer
    than 2" aside); and every cell still shown is the exact figure."""
    n = figures["suppress_below"]
    for relation in relations(figures):
        exact = [_value(figures, cell) if cell[0] != "?" else None for _sign, cell in relation]
        if any(
            value is None
            for (_s, cell), value in zip(relation, exact, strict=True)
            if cell[0] != "?"
        ):
            continue
        if exact[0] == 0 and relation[0][1] not in hidden_cells(published, relation):
            continue  # a total of 0 says every part is 0: nothing hidden is given away
        exact = [int(v.replace(",", "")) if isinstance(v, str) else v for v in exact]
        money = [isinstance(value, float) for value in exact]
        exact = [
            round(value * 100) if is_money else value
            for value, is_money in zip(exact, money, strict=True)
        ]
        cap = sum(abs(value) for value in exact if value is not None) + n + 1
        target = 0
        unknown = []
        for (sign, cell), value, is_money in zip(relation, exact, money, strict=True):
            if cell[0] == "?":  # not shown at all: only what it gives away matters
                unknown.append((sign, range(0, cap + 1), False))
                continue
            shown = _value(published, cell)
            choices = _choices(shown, value, is_money, cap, n)
            if choices is None:
                assert shown == _value(figures, cell)
                target -= sign * value
            else:
                unknown.append((sign, choices, True))
        for index, (sign, choices, shown_hidden) in enumerate(unknown):
            if len(choices) == 1 or not shown_hidden:
                continue
            others = [(s, c) for other, (s, c, _h) in enumerate(unknown) if other != index]
            if math.prod(len(c) for _s, c in others) <= 20_000:  # every combination
                sums = {0}
                for s, c in others:
                    sums = {total + s * v for total in sums for v in c}
                feasible = [v for v in choices if target - sign * v in sums][:2]
            else:  # runs of whole numbers add up to every number between the least and most
                low = sum(min(s * c[0], s * c[-1]) for s, c in others)
                high = sum(max(s * c[0], s * c[-1]) for s, c in others)
                feasible = [v for v in choices if low <= target - sign * v <= high][:2]
            assert len(feasible) >= 2, (relation, feasible)


@st.composite
def attendance_packs(draw):
    sectors = ["Health", "Education", "Police"][: draw(st.integers(1, 3))]
    small = st.integers(0, 12)
    agencies = []
    for number in range(draw(st.integers(1, 5))):
        row = attendance_row(
            draw(st.sampled_from(sectors)),
            *(draw(small) for _ in range(5)),
            charges=0,
            agency=f"Agency {number}",
        )
        agencies.append(row)
    by_sector = []
    for sector in sectors:
        theirs = [row for row in agencies if row["sector"] == sector]
        if theirs:
            sums = {key: sum(row[key] for row in theirs) for key in ATTENDANCE_COUNTS}
            by_sector.append(
                attendance_row(
                    sector,
                    sums["attended"],
                    sums["partial"],
                    sums["no_shows"],
                    sums["late_cancellations"],
                    sums["not_marked"],
                )
            )
    if sum(row["booked"] for row in agencies) == 0:
        agencies[0] = attendance_row(agencies[0]["sector"], 9, 0, 0, 0, 0, agency="Agency 0")
        by_sector = [
            attendance_row(agencies[0]["sector"], 9, 0, 0, 0, 0)
            if row["sector"] == agencies[0]["sector"]
            else row
            for row in by_sector
        ]
    return pack(
        {
            "attendance-by-sector": attendance(by_sector),
            "attendance-by-agency": attendance(agencies, ("agency", "sector"), "agency"),
        },
        suppress_below=draw(st.sampled_from([3, 5])),
    )


@settings(max_examples=40, deadline=None)
@given(attendance_packs())
def test_no_relation_ever_lets_a_reader_work_out_a_hidden_count(figures):
    before = copy.deepcopy(figures)
    published = suppression.publish(figures)
    assert figures == before
    assert_nothing_revealed(figures, published)


def test_a_gathered_pack_gives_nothing_hidden_away(app, history):
    from lms.reports import pack
    from lms.reports.periods import financial_year
    from tests.reports.conftest import NOW

    with app.app_context():
        figures = pack.gather(
            financial_year(2025), now=NOW, partnership="Riverside", suppress_below=5
        )
    published = suppression.publish(figures)
    assert_nothing_revealed(figures, published)
    by_level = published["tables"]["programme-by-level"]
    assert by_level["total"]["places_offered"] == 23
    assert by_level["total"]["booked"] == 13
    assert published["facts"]["sessions_run"] == FEWER
    assert published["headlines"][0] == (
        "In 2025-26 we ran fewer than 5 sessions: fewer than 5 face to face and fewer than 5 "
        "virtual."
    )


def test_a_gathered_pack_with_evaluations_gives_nothing_hidden_away(app, impact_history):
    from lms.reports import pack
    from lms.reports.periods import financial_year
    from tests.reports.conftest import NOW

    with app.app_context():
        figures = pack.gather(
            financial_year(2025), now=NOW, partnership="Riverside", suppress_below=3
        )
    published = suppression.publish(figures)
    assert_nothing_revealed(figures, published)
    total = published["tables"]["impact-by-level"]["total"]
    assert total["rating_n"] == 8
    assert published["facts"]["rating_n"] == 8
