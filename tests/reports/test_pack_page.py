"""The annual report pack's pages: one button freezes a year's figures as a snapshot; its page
shows the headlines and every table as the reports count them, and keeps showing them after a
register is corrected; the quotes chosen for a year go into its next pack."""

import html
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.bookings.models import Booking
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports import build, headlines, pack
from lms.reports.filters import Filters
from lms.reports.models import PackQuote, ReportSnapshot
from lms.reports.pack_views import default_year
from lms.reports.periods import financial_year
from lms.reports.tables import kind_of, show
from lms.settings.services import current
from tests.conftest import count, post_form
from tests.feedback.comment_fixtures import add_answers

YEAR = financial_year(2025)
INDEX = "/reports/annual-pack"
QUOTES = "/reports/annual-pack/quotes?year=2025-26"
QUOTE = "I now ask every family about who lives in the home"


class _Tables(HTMLParser):
    """The text of every cell of each table with an id, row by row (the heading row first)."""

    def __init__(self):
        super().__init__()
        self.tables, self._rows, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._rows = self.tables[attrs["id"]] = []
        elif self._rows is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def tables_of(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def text_of(page: str, element_id: str) -> str:
    """The words inside the element with this id (its tags taken out)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:ul|div|p)>', page, re.S)
    assert match, element_id
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def reports_tables(now: datetime) -> dict[str, list[list[str]]]:
    """Every table of the pack as the report pages show it today, by the snapshot page's table
    id: the heading row, then each row and the total, each cell written by `show`."""
    expected = {}
    for section in pack.SECTIONS:
        for entry in section.entries:
            table = build.run(entry.report, Filters(period=YEAR), now=now, **dict(entry.options))
            columns = [c for c in table.columns if entry.columns is None or c.key in entry.columns]
            rows = [*table.rows, *([table.total] if table.total and table.rows else [])]
            body = [[show(row.get(c.key), kind_of(row, c)) for c in columns] for row in rows]
            expected[f"{section.key}--{entry.key}"] = [
                [c.label for c in columns],
                *(body or [["No figures for this year."]]),
            ]
    return expected


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def make_pack(client, year: str = "2025-26"):
    return post_form(client, INDEX, {"year": year})


def snapshot_id(response) -> int:
    assert response.status_code == 302
    match = re.fullmatch(r"/reports/annual-pack/snapshots/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def stored(app, snapshot: int) -> tuple[str, str]:
    with app.app_context():
        row = db.session.get(ReportSnapshot, snapshot)
        return row.figures, row.digest


@pytest.fixture
def admin(make_user, history):
    return make_user(name="Amira Business Manager", roles=(Role.ADMIN,))


def test_the_button_makes_a_snapshot_audited_and_shows_it(app, client, login, admin):
    with app.app_context():
        current().suppress_below = 7
        db.session.commit()
    login(admin)
    index = page(client, INDEX)
    assert "Make the annual pack" in index and 'value="2025-26"' in index
    assert "fewer than 7" in index and "from 1 to 6" in index
    assert 'id="no-snapshots"' in index

    made = snapshot_id(make_pack(client))

    with app.app_context():
        snapshot = db.session.get(ReportSnapshot, made)
        assert (snapshot.year, snapshot.taken_by_id, snapshot.suppress_below) == (
            "2025-26",
            admin.id,
            7,
        )
        assert f'"partnership":"{app.config["PARTNERSHIP_NAME"]}"' in snapshot.figures
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "annual_pack.snapshot_taken")
        )
        assert (event.object_type, event.object_id, event.actor_id) == (
            "ReportSnapshot",
            made,
            admin.id,
        )
        assert event.after == {"year": "2025-26", "digest": snapshot.digest, "suppress_below": 7}
        digest = snapshot.digest
    shown = page(client, f"/reports/annual-pack/snapshots/{made}")
    assert "The annual pack for 2025-26 is made" in shown
    assert digest in shown and "Amira Business Manager" in shown
    assert "2025-26: 1 April 2025 to 31 March 2026" in shown
    assert "This is the first pack made for 2025-26" in text_of(shown, "compared")
    listed = tables_of(page(client, INDEX))["snapshots"]
    assert listed[0] == ["Made", "Year", "By", "Figures (digest)", "Downloads"]
    assert [row[1:4] for row in listed[1:]] == [["2025-26", "Amira Business Manager", digest[:12]]]


def test_the_snapshot_page_shows_the_headlines_and_every_table_as_the_reports(
    app, client, login, admin
):
    login(admin)
    made = snapshot_id(make_pack(client))
    shown = page(client, f"/reports/annual-pack/snapshots/{made}")
    with app.app_context():
        now = utcnow()
        sentences = headlines.sentences(headlines.facts(YEAR, now=now), year="2025-26")
        expected = reports_tables(now)
    assert text_of(shown, "headlines") == " ".join(sentences)
    assert sentences[0] == "In 2025-26 we ran 4 sessions: 2 face to face and 2 virtual."
    on_page = tables_of(shown)
    assert {name: on_page.get(name) for name in expected} == expected
    # The places wasted are the sector table's own cells, in the section's own columns: P2's
    # and P7's no-shows (£50 each), P3's late cancellation (waived).
    wasted = on_page["wasted--attendance-by-sector"]
    assert wasted[0][0] == "Sector" and "Amount charged" in wasted[0]
    assert wasted[-1] == ["Total", "13", "2", "1", "3", "3", "£100.00"]
    assert "comparison-table" in on_page  # 2024-25 had training: S7 on 31 March 2025


def test_a_snapshot_keeps_its_figures_after_a_register_is_corrected(
    app, client, login, admin, history
):
    login(admin)
    first = snapshot_id(make_pack(client))
    with app.app_context():
        before_correction = reports_tables(utcnow())
    figures, digest = stored(app, first)

    with app.app_context():  # P2 came to S1 after all: the register is corrected
        booking = db.session.scalar(
            sa.select(Booking).where(
                Booking.user_id == history.people["P2"].id,
                Booking.session_id == history.sessions["S1"],
            )
        )
        booking.outcome = "completed"
        db.session.commit()
        after_correction = reports_tables(utcnow())
    assert after_correction != before_correction

    second = snapshot_id(make_pack(client))
    assert stored(app, first) == (figures, digest)
    assert stored(app, second)[1] != digest
    old_page = page(client, f"/reports/annual-pack/snapshots/{first}")
    assert {name: tables_of(old_page)[name] for name in before_correction} == before_correction
    new_page = page(client, f"/reports/annual-pack/snapshots/{second}")
    assert {name: tables_of(new_page)[name] for name in after_correction} == after_correction
    assert "these figures changed" in text_of(new_page, "compared")
    changes = tables_of(new_page)["changes"]
    assert changes[0] == ["Table", "Row", "Figure", "Before", "Now"]
    assert ["Programme delivered by level", "Level 3", "Attended", "3", "4"] in (changes)
    listed = tables_of(new_page)["snapshots"]
    assert [row[0].endswith("(this one)") for row in listed[1:]] == [True, False]

    third = snapshot_id(make_pack(client))  # nothing corrected since the second
    assert "the figures are the same" in text_of(
        page(client, f"/reports/annual-pack/snapshots/{third}"), "compared"
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINER, Role.PRACTITIONER])
def test_only_admins_and_pdl_viewers_see_or_make_the_pack(
    app, client, login, make_user, history, role
):
    login(make_user(roles=(role,), agency_id=history.agencies["council"]))
    for path in (INDEX, QUOTES):
        assert client.get(path).status_code == 403
    token_page = "/account"
    assert post_form(client, INDEX, {"year": "2025-26"}, token_from=token_page).status_code == 403
    assert post_form(client, QUOTES, {}, token_from=token_page).status_code == 403
    assert count(app, ReportSnapshot) == 0


def test_a_pdl_viewer_makes_a_pack_but_only_reads_the_quotes(app, client, login, history):
    login(history.pdl)
    made = snapshot_id(make_pack(client))
    assert page(client, f"/reports/annual-pack/snapshots/{made}")
    quotes = page(client, QUOTES)
    assert "Save the chosen quotes" not in quotes
    assert post_form(client, QUOTES, {}, token_from=INDEX).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, history):
    for path in (INDEX, QUOTES, "/reports/annual-pack/snapshots/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.location


def test_unknown_snapshots_and_years_and_bad_year_text_are_refused(app, client, login, admin):
    login(admin)
    assert client.get("/reports/annual-pack/snapshots/999").status_code == 404
    for year in ("2031-32", "2025-27", "2025-26" * 500, "next year"):
        assert client.get(INDEX + "/quotes", query_string={"year": year}).status_code == 404
    assert client.get(INDEX + "/quotes", query_string={"year": "2025\x00-26"}).status_code == 400
    for year in ("2031-32", "1999-00", "2025-26" * 500):
        refused = make_pack(client, year)
        assert refused.status_code == 200
        assert "Select the financial year from the list" in refused.get_data(as_text=True)
    assert make_pack(client, "2025-26\x00").status_code == 400  # the app refuses a NUL byte
    assert client.post(INDEX, data={"year": "2025-26"}).status_code == 400  # no CSRF token
    assert count(app, ReportSnapshot) == 0


@pytest.mark.parametrize(
    ("today", "years", "expected"),
    [
        (date(2026, 4, 2), ["2026-27", "2025-26", "2024-25"], "2025-26"),
        (date(2026, 6, 30), ["2026-27", "2025-26"], "2025-26"),
        (date(2026, 3, 31), ["2025-26", "2024-25"], "2024-25"),
        (date(2026, 11, 30), ["2026-27", "2025-26"], "2025-26"),
        (date(2026, 5, 1), ["2026-27"], "2026-27"),  # no complete year with training yet
    ],
)
def test_the_year_chosen_at_first_is_the_last_complete_one(today, years, expected):
    assert default_year(years, today) == expected


@pytest.fixture
def quoted(app, history, make_response):
    """P1 agreed to be quoted about S1 (May 2025); P9 said something about S2 without consent."""

    def response(person: str, session: str, consent: bool, text: str) -> int:
        with app.app_context():
            booking = db.session.scalar(
                sa.select(Booking.id).where(
                    Booking.user_id == history.people[person].id,
                    Booking.session_id == history.sessions[session],
                )
            )
        made = make_response(
            "after",
            booking_id=booking,
            answered_at=datetime(2025, 10, 9, tzinfo=UTC),
            rating=5,
            quote_consent=consent,
        )
        with app.app_context():
            answer = add_answers(made, "after", {"will_change": text})[text]
            db.session.commit()
        return answer

    return {
        "consented": response("P1", "S1", True, QUOTE),
        "private": response("P9", "S2", False, "Please keep this to the trainer"),
    }


def test_quotes_chosen_go_into_the_next_pack_and_the_choice_is_audited(
    app, client, login, admin, quoted
):
    login(admin)
    before_choosing = snapshot_id(make_pack(client))
    listed = page(client, QUOTES)
    assert html.escape(QUOTE, quote=True) in listed and "keep this to the trainer" not in listed
    assert "checked" not in listed.split('name="answers"')[1].split(">")[0]

    saved = post_form(client, QUOTES, {"answers": [str(quoted["consented"])]})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(PackQuote.answer_id)).all() == [quoted["consented"]]
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "annual_pack.quote_chosen")
        )
        assert event.actor_id == admin.id
        assert event.after == {"year": "2025-26", "answer_id": quoted["consented"]}
    assert "checked" in page(client, QUOTES).split('name="answers"')[1].split(">")[0]

    after_choosing = snapshot_id(make_pack(client))
    assert QUOTE in stored(app, after_choosing)[0] and QUOTE not in stored(app, before_choosing)[0]
    assert html.escape(QUOTE) in page(client, f"/reports/annual-pack/snapshots/{after_choosing}")
    old = page(client, f"/reports/annual-pack/snapshots/{before_choosing}")
    assert 'id="no-quotes"' in old and html.escape(QUOTE) not in old

    assert post_form(client, QUOTES, {}).status_code == 302  # nothing ticked: the quote is off
    assert count(app, PackQuote) == 0
    assert count(app, AuditEvent, AuditEvent.action == "annual_pack.quote_removed") == 1


def test_a_quote_not_on_the_list_is_refused_and_nothing_is_saved(app, client, login, admin, quoted):
    login(admin)
    for answers in ([str(quoted["private"])], ["99999999999"], ["not a number"]):
        refused = post_form(client, QUOTES, {"answers": answers})
        assert refused.status_code == 200
        assert "Choose quotes from the list" in refused.get_data(as_text=True)
    assert count(app, PackQuote) == 0
    assert count(app, AuditEvent, AuditEvent.action.like("annual_pack.%")) == 0
