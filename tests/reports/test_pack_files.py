"""The annual pack's files: the PDF and the workbook of a snapshot, their downloads and the
command, on the hand-counted year of tests/reports/conftest.py."""

import io
import re
import zipfile

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa

from lms.accounts.models import Agency, Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.feedback.models import Answer
from lms.reports import build, export, pack, pack_pdf, pack_xlsx, snapshots
from lms.reports.filters import Filters
from lms.reports.models import PackQuote, ReportSnapshot
from lms.reports.periods import financial_year
from tests.conftest import count
from tests.reports.conftest import NOW, day

YEAR = financial_year(2025)
PARTNERSHIP = "Riverside Safeguarding Children Partnership"


def take(app) -> int:
    with app.app_context():
        snapshot = snapshots.take(YEAR, now=NOW, by=None, partnership=PARTNERSHIP, suppress_below=5)
        db.session.commit()
        return snapshot.id


def figures(app, snapshot_id: int, *, publication: bool = False) -> dict:
    with app.app_context():
        return snapshots.figures_of(
            db.session.get(ReportSnapshot, snapshot_id), publication=publication
        )


def pdf_pages(body: bytes) -> list[str]:
    """Each page's text with its white space made single spaces."""
    return [
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(body)).pages
    ]


def workbook(body: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(body))


def sheet_rows(sheet) -> list[tuple]:
    """The rows under the header row (the first row whose second cell is filled)."""
    rows = list(sheet.iter_rows(values_only=True))
    header = next(index for index, row in enumerate(rows) if len(row) > 1 and row[1] is not None)
    return rows[header + 1 :]


@pytest.fixture
def snapshot_id(app, history):
    return take(app)


def test_pdf_has_the_headlines_every_table_and_row_and_the_definitions_last(app, snapshot_id):
    found = figures(app, snapshot_id)
    pages = pdf_pages(pack_pdf.render(found))
    text = " ".join(pages)

    assert PARTNERSHIP in pages[0] and "Training: annual report 2025-26" in pages[0]
    assert "Internal: exact figures" in pages[0] and "22 November 2026, 12pm" in pages[0]
    assert found["headlines"][0].startswith("In 2025-26 we ran 4 sessions")
    for sentence in found["headlines"]:
        assert sentence in text
    for table in found["tables"].values():
        assert table["title"] in text
        label = table["columns"][0]["key"]
        for row in table["rows"]:
            assert str(row[label]) in text, (table["title"], row[label])
    for section in found["sections"]:
        assert section["title"] in text
    assert "Programme delivered by level" in text and "Impact of training by sector" in text
    # Too wide for the page: in two parts, each naming the rows.
    assert "Riverside NHS Trust Health 5 1 2 1 1 Total 13 8 2 2 1" in text
    assert "Riverside NHS Trust Health 0 20.0% 2 2 £50.00 Total 0 61.5% 3 3 £100.00" in text
    assert "Compared with the year before" in text and "2025-26 compared with 2024-25" in text

    first_definitions = next(i for i, page in enumerate(pages) if page.startswith("Definitions"))
    assert first_definitions > 0
    after = " ".join(pages[first_definitions:])
    for term, _meaning in found["definitions"]:
        assert term in after
    for page in pages[first_definitions:]:
        assert not any(table["title"] in page for table in found["tables"].values())
    assert found["definitions"][-1][0] in pages[-1]


def test_pdf_embeds_its_font_and_no_other(app, snapshot_id):
    reader = pypdf.PdfReader(io.BytesIO(pack_pdf.render(figures(app, snapshot_id))))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    names = {re.sub(r"^/([A-Z]{6}\+)?", "", str(name)) for name in fonts}
    assert names <= {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"}
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= names
    for font in fonts.values():
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()


def test_an_agency_named_in_any_script_prints_as_written(
    app, history, make_agency, make_user, make_course_session, make_completed_booking
):
    agency = make_agency("Zoë 李 Family Centre")
    person = make_user(agency_id=agency)
    session = make_course_session(
        history.courses["neglect"], dates=[day(2025, 6, 10)], status="completed"
    )
    make_completed_booking(person.id, session)
    body = pack_pdf.render(figures(app, take(app)))

    assert "Zoë 李 Family Centre" in " ".join(pdf_pages(body))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in pypdf.PdfReader(io.BytesIO(body)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any(name.endswith("+DroidSansFallback") for name in fonts)


def test_the_same_snapshot_gives_the_same_files_after_the_registers_change(app, snapshot_id):
    first_pdf = pack_pdf.render(figures(app, snapshot_id))
    first_xlsx = pack_xlsx.render(figures(app, snapshot_id))
    with app.app_context():
        db.session.scalar(sa.select(Agency).where(Agency.name == "Hope Church")).name = "Renamed"
        db.session.commit()

    assert pack_pdf.render(figures(app, snapshot_id)) == first_pdf
    assert pack_xlsx.render(figures(app, snapshot_id)) == first_xlsx
    assert "Renamed" not in " ".join(pdf_pages(first_pdf))
    assert pack_pdf.render(figures(app, take(app))) != first_pdf


def test_workbook_has_a_sheet_per_table_with_the_reports_figures(app, snapshot_id):
    found = figures(app, snapshot_id)
    book = workbook(pack_xlsx.render(found))

    names = book.sheetnames
    assert names[0] == "Headlines" and names[-3:] == ["Comparison", "Quotes", "Definitions"]
    keys = list(dict.fromkeys(e["table"] for s in found["sections"] for e in s["tables"]))
    assert len(names) == len(keys) + 4 == len(set(names))
    grouped_by = ("level", "theme", "mode", "time")
    assert names[1:5] == [f"Programme delivered by {by}" for by in grouped_by]
    assert "E-learning by agency" in names and "E-learning by sector" in names
    headlines = [cell for row in book["Headlines"].iter_rows(values_only=True) for cell in row]
    assert found["headlines"][0] in headlines and "Internal: exact figures" in headlines
    assert book.properties.created == book.properties.modified == NOW.replace(tzinfo=None)
    with zipfile.ZipFile(io.BytesIO(pack_xlsx.render(found))) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 22, 12, 0, 0)}

    with app.app_context():
        sheets = iter(book.sheetnames[1:])
        for section in pack.SECTIONS:
            for entry in section.entries:
                if entry.columns is not None:
                    continue
                report = build.run(
                    entry.report, Filters(period=YEAR), now=NOW, **dict(entry.options)
                )
                expected = export.to_json(report)
                rows = sheet_rows(book[next(sheets)])
                wanted = [*expected["rows"], *([expected["total"]] if expected["total"] else [])]
                keys = [column["key"] for column in expected["columns"]]
                for row, want in zip(rows, wanted, strict=False):
                    assert [
                        cell.date().isoformat() if hasattr(cell, "isoformat") else cell
                        for cell in row[: len(keys)]
                    ] == [None if want[key] == "" else want[key] for key in keys]
                assert len([row for row in rows if row[0] is not None]) >= len(wanted)

    agencies = book["Attendance by agency"]
    nhs = next(row for row in agencies.iter_rows() if row[0].value == "Riverside NHS Trust")
    assert [cell.value for cell in nhs] == [
        "Riverside NHS Trust",
        "Health",
        5,
        1,
        2,
        1,
        1,
        0,
        20.0,
        2,
        2,
        50.0,
    ]
    assert nhs[11].number_format == "£#,##0.00" and nhs[2].number_format == "#,##0"
    definitions = list(book["Definitions"].iter_rows(values_only=True))
    assert ("Period", found["definitions"][0][1]) in definitions


def test_publication_version_shows_fewer_than_5_not_the_count(app, snapshot_id):
    internal = " ".join(pdf_pages(pack_pdf.render(figures(app, snapshot_id))))
    published = figures(app, snapshot_id, publication=True)
    text = " ".join(pdf_pages(pack_pdf.render(published)))

    assert "Hope Church Faith 1 1 0" in internal
    assert "Hope Church Faith fewer than 5 fewer than 5 0" in text
    assert "Hope Church Faith 1" not in text
    assert "For publication: small numbers hidden" in text
    assert "In 2025-26 we ran fewer than 5 sessions" in text and "4 sessions" not in text

    book = workbook(pack_xlsx.render(published))
    church = next(
        row
        for row in book["Attendance by agency"].iter_rows(values_only=True)
        if row[0] == "Hope Church"
    )
    assert church[2:4] == ("fewer than 5", "fewer than 5") and church[8] == "withheld"
    headlines = [cell for row in book["Headlines"].iter_rows(values_only=True) for cell in row]
    assert "For publication: small numbers hidden" in headlines
    assert not any("4 sessions" in str(cell) for cell in headlines)


def test_no_cell_of_the_workbook_can_run_as_a_formula(app, history):
    with app.app_context():
        agency = db.session.get(Agency, history.agencies["church"])
        agency.name = '=HYPERLINK("http://evil.example")'
        db.session.commit()
    book = workbook(pack_xlsx.render(figures(app, take(app))))
    names = [row[0] for row in book["Attendance by agency"].iter_rows(values_only=True)]
    assert '\'=HYPERLINK("http://evil.example")' in names
    with zipfile.ZipFile(io.BytesIO(pack_xlsx.render(figures(app, take(app))))) as archive:
        assert not any(
            "<f>" in archive.read(name).decode()
            for name in archive.namelist()
            if name.endswith(".xml")
        )


# Downloads -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "version", "kind"),
    [
        ("pdf", None, "application/pdf"),
        ("pdf", "publication", "application/pdf"),
        ("xlsx", "internal", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "xlsx",
            "publication",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_admin_downloads_either_version(client, login, make_user, snapshot_id, fmt, version, kind):
    login(make_user(roles=(Role.ADMIN,)))
    query = f"?version={version}" if version else ""
    response = client.get(f"/reports/annual-pack/snapshots/{snapshot_id}.{fmt}{query}")

    assert response.status_code == 200 and response.mimetype == kind
    name = f"annual-pack-2025-26-{version or 'internal'}.{fmt}"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.headers["Cache-Control"] == "no-store"
    if fmt == "pdf":
        assert ("For publication" if version else "Internal: exact figures") in " ".join(
            pdf_pages(response.data)
        )


def test_internal_downloads_are_audited_publication_ones_not(
    app, client, login, history, snapshot_id
):
    login(history.pdl)
    assert client.get(f"/reports/annual-pack/snapshots/{snapshot_id}.xlsx").status_code == 200
    assert (
        client.get(
            f"/reports/annual-pack/snapshots/{snapshot_id}.pdf?version=publication"
        ).status_code
        == 200
    )
    with app.app_context():
        events = list(db.session.scalars(sa.select(AuditEvent)))
        assert [(e.action, e.object_id, e.actor_id, e.after["format"]) for e in events] == [
            ("annual_pack.internal_downloaded", snapshot_id, history.pdl.id, "xlsx")
        ]


def test_who_may_download(client, app, login, history, snapshot_id):
    path = f"/reports/annual-pack/snapshots/{snapshot_id}.pdf?version=publication"
    response = client.get(path)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    login(history.coordinators["council"])
    assert client.get(path).status_code == 403
    assert client.get(f"/reports/annual-pack/snapshots/{snapshot_id}.xlsx").status_code == 403
    with app.app_context():
        assert count(app, AuditEvent) == 0


def test_unknown_version_or_snapshot(client, login, make_user, snapshot_id):
    login(make_user(roles=(Role.PDL_VIEWER,)))
    response = client.get(f"/reports/annual-pack/snapshots/{snapshot_id}.pdf?version=draft")
    assert response.status_code == 400
    assert "?version=publication" in response.get_data(as_text=True)
    assert client.get(f"/reports/annual-pack/snapshots/{snapshot_id + 1}.pdf").status_code == 404


# The command -----------------------------------------------------------------------------------


def test_command_takes_a_snapshot_and_writes_both_files(app, runner, history, tmp_path):
    result = runner.invoke(args=["annual-pack", "--year", "2025-26", "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output
    pdf, xlsx = (
        tmp_path / "annual-pack-2025-26-internal.pdf",
        tmp_path / "annual-pack-2025-26-internal.xlsx",
    )
    with app.app_context():
        snapshot = db.session.scalar(sa.select(ReportSnapshot))
        assert snapshot.year == "2025-26" and snapshot.suppress_below == 5
        expected = snapshots.figures_of(snapshot)
    assert result.output.splitlines()[:2] == [str(pdf), str(xlsx)]
    assert f"Snapshot {snapshot.id} of 2025-26" in result.output
    assert pdf.read_bytes() == pack_pdf.render(expected)
    assert workbook(xlsx.read_bytes()).sheetnames[0] == "Headlines"


def test_command_writes_the_publication_version_of_a_snapshot_taken_before(
    app, runner, snapshot_id, tmp_path
):
    out = tmp_path / "pack"
    result = runner.invoke(
        args=[
            "annual-pack",
            "--year",
            "2025-26",
            "--publication",
            "--snapshot",
            str(snapshot_id),
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == [
        "annual-pack-2025-26-publication.pdf",
        "annual-pack-2025-26-publication.xlsx",
    ]
    assert count(app, ReportSnapshot) == 1
    text = " ".join(pdf_pages((out / "annual-pack-2025-26-publication.pdf").read_bytes()))
    assert "fewer than 5" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2025-27"], "2025-27 is not a financial year"),
        (["--year", "2025-26 Q1"], "2025-26 Q1 is not a financial year"),
        (["--year", "next year"], "Enter the period as a financial year"),
        (["--year", "2098-99"], "has not begun yet"),
        (["--year", "2025-26", "--snapshot", "999999"], "There is no snapshot 999999"),
    ],
)
def test_command_refuses_a_bad_year_or_snapshot(app, runner, history, tmp_path, args, message):
    result = runner.invoke(args=["annual-pack", *args, "--out", str(tmp_path / "out")])

    assert result.exit_code == 1
    assert message in result.output and "Nothing was written" in result.output
    assert not (tmp_path / "out").exists()
    assert count(app, ReportSnapshot) == 0


def test_command_refuses_a_snapshot_of_another_year(app, runner, snapshot_id, tmp_path):
    result = runner.invoke(
        args=[
            "annual-pack",
            "--year",
            "2024-25",
            "--snapshot",
            str(snapshot_id),
            "--out",
            str(tmp_path),
        ]
    )
    assert result.exit_code == 1 and "is of 2025-26, not 2024-25" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_long_chart_shows_its_first_20_groups_and_says_so(app, snapshot_id):
    found = figures(app, snapshot_id)
    chart = found["tables"]["attendance-by-agency"]["chart"]
    chart["groups"] = [[f"Agency number {n}", [n, n, 0]] for n in range(1, 26)]
    text = " ".join(pdf_pages(pack_pdf.render(found)))
    assert "The first 20 of 25 are shown; the table has them all." in text
    assert "Agency number 20" in text and "Agency number 21" not in text


def test_long_tables_repeat_their_heading_row_on_every_page(app, snapshot_id):
    found = figures(app, snapshot_id)
    table = found["tables"]["elearning-by-sector"]
    table["rows"] = [
        {"sector": f"Sector {n}", "completions": n, "people": n, "declared": 0} for n in range(200)
    ]
    pages = pdf_pages(pack_pdf.render(found))
    holding = [page for page in pages if "Sector 150" in page or "Sector 40 " in page]
    assert len(holding) == 2
    assert all(
        "Sector Completions People Of which declared and verified" in page for page in holding
    )


def test_impact_tables_and_a_chosen_quote(app, impact_history):
    with app.app_context():
        answer = db.session.scalar(
            sa.select(Answer).where(Answer.text == "Great <b>day</b>, thank you")
        )
        answer.response.quote_consent = True
        db.session.add(PackQuote(year="2025-26", answer_id=answer.id))
        db.session.commit()
    found = figures(app, take(app))
    pages = pdf_pages(pack_pdf.render(found))
    text = " ".join(pages)

    impact = found["tables"]["impact-by-level"]
    assert [row["group"] for row in impact["rows"]] == ["Level 1", "Level 2", "Level 3"]
    # 33 columns: in parts, each naming the levels again.
    parts = [page for page in pages if "Impact of training by level Part 1 of" in page]
    assert parts and "Part 4 of" in text
    assert text.count("Level 3 ") >= 4
    for row in impact["rows"]:
        assert row["group"] in text
    assert "What practitioners said “Great <b>day</b>, thank you” Neglect and exploitation" in text

    book = workbook(pack_xlsx.render(found))
    quotes = list(book["Quotes"].iter_rows(values_only=True))
    assert ("Great <b>day</b>, thank you", "Neglect and exploitation", "September 2025") in quotes
    levels = [row[0] for row in sheet_rows(book["Impact of training by level"])]
    assert levels[:3] == ["Level 1", "Level 2", "Level 3"]


def test_publication_charts_never_draw_a_small_count(app, snapshot_id):
    published = figures(app, snapshot_id, publication=True)
    chart = published["tables"]["attendance-by-agency"]["chart"]
    # Whatever the published figures hold for the chart, small counts are not drawn.
    chart["groups"] = [["Riverside NHS Trust", [5, 1, 2]], ["Hope Church", [1, 1, 0]]]
    text = " ".join(pdf_pages(pack_pdf.render(published)))

    start = text.index("Chart: Places booked, attended and wasted by agency")
    drawn = text[start : text.index("The multi-agency mix", start)]
    assert "Hope Church fewer than 5 fewer than 5 0" in drawn
    assert "Riverside NHS Trust 5 fewer than 5 fewer than 5" in drawn
    internal = figures(app, snapshot_id)
    internal["tables"]["attendance-by-agency"]["chart"]["groups"] = chart["groups"]
    assert "Hope Church 1 1 0" in " ".join(pdf_pages(pack_pdf.render(internal)))
