"""Bulk download: which certificates an agency's ZIP holds, their names in it, and building a
large ZIP in the background (claiming, resuming, failing, expiring)."""

import errno
import io
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.certificates import export_batches, exports
from lms.certificates.models import BatchStatus, Certificate, CertificateBatch
from lms.core.models import utcnow
from lms.extensions import db
from lms.reports import periods


@pytest.fixture
def agency_certificates(app, make_agency, make_user, make_certificate):
    """make(agency_id, last_day, **values) -> a certificate of a new person of the agency."""

    def make(agency_id, last_day, *, name=None, **values) -> int:
        person = make_user(agency_id=agency_id, name=name)
        return make_certificate(
            person.id, first_day=values.pop("first_day", last_day), last_day=last_day, **values
        )

    return make


def ids_for(app, agency_id, period):
    with app.app_context():
        return set(exports.certificate_ids(agency_id, period.first, period.last))


def test_a_period_holds_the_certificates_whose_training_ended_in_it(
    app, make_agency, agency_certificates
):
    agency = make_agency()
    before = agency_certificates(agency, date(2025, 3, 31))
    first = agency_certificates(agency, date(2025, 4, 1))
    # Began before the year, ended on its first day: counted by its last day.
    spanning = agency_certificates(agency, date(2025, 4, 1), first_day=date(2025, 3, 28))
    last = agency_certificates(agency, date(2026, 3, 31))
    after = agency_certificates(agency, date(2026, 4, 1))

    year = periods.financial_year(2025)
    assert ids_for(app, agency, year) == {first, spanning, last}
    assert before not in ids_for(app, agency, year) and after not in ids_for(app, agency, year)
    assert ids_for(app, agency, periods.quarter(2025, 4)) == {last}
    assert ids_for(app, agency, periods.date_range(date(2026, 4, 1), date(2026, 4, 1))) == {after}
    with app.app_context():
        assert exports.count(agency, year.first, year.last) == 3


def test_revoked_replaced_and_other_agencies_certificates_are_left_out(
    app, make_agency, agency_certificates
):
    agency, other = make_agency(), make_agency()
    day = date(2025, 6, 2)
    kept = agency_certificates(agency, day)
    expired = agency_certificates(agency, day, valid_until=date(2025, 12, 31))
    agency_certificates(agency, day, revoked_at=utcnow(), revoked_reason="corrected")
    agency_certificates(agency, day, replaced_at=utcnow())
    theirs = agency_certificates(other, day)

    year = periods.financial_year(2025)
    assert ids_for(app, agency, year) == {kept, expired}
    assert ids_for(app, other, year) == {theirs}


def test_entry_names_keep_unicode_and_are_safe_everywhere(app, make_user, make_certificate):
    with app.app_context():
        certificate = Certificate(
            person_name="Zoë 李 O'Brien",
            course_title="Safeguarding: Level 3 / refresher\\online?",
            last_day=date(2025, 4, 1),
        )
        assert exports.entry_name(certificate) == (
            "Zoë 李 O'Brien - Safeguarding Level 3 - refresher-online - 2025-04-01"
        )
        certificate.person_name = "Amira\x00\t\n\u202eFDP.exe"
        certificate.course_title = "نشر الوعي"
        name = exports.entry_name(certificate)
        assert name == "Amira FDP.exe - نشر الوعي - 2025-04-01"
        certificate.person_name = "nul.Smith"  # Windows reads "nul" before any dot as a device
        certificate.course_title = "x"
        assert exports.entry_name(certificate) == "_nul.Smith - x - 2025-04-01"
        certificate.person_name = "NUL"
        assert exports.entry_name(certificate) == "NUL - x - 2025-04-01"
        certificate.person_name = "..."
        assert exports.entry_name(certificate).startswith("Unnamed - ")
        certificate.person_name = "李" * 200
        certificate.course_title = "é" * 300
        name = exports.entry_name(certificate) + " (12).pdf"
        assert len(name.encode("utf-8")) <= 255 and name.startswith("李" * 26 + " - ")


def test_duplicate_names_are_told_apart_as_a_case_blind_system_would():
    names = exports.EntryNames()
    assert [names.take(stem) for stem in ("A - B", "a - b", "A - B", "C")] == [
        "A - B.pdf",
        "a - b (2).pdf",
        "A - B (3).pdf",
        "C.pdf",
    ]


def test_a_zip_holds_one_pdf_per_certificate_in_order(app, make_agency, agency_certificates):
    agency = make_agency()
    agency_certificates(agency, date(2025, 5, 1), name="Ben Ode")
    agency_certificates(agency, date(2025, 5, 2), name="Zoë 李")
    agency_certificates(agency, date(2025, 5, 3), name="Amy Ash")
    with app.app_context():
        out, written = exports.inline_zip(agency, date(2025, 4, 1), date(2026, 3, 31))
    with out, zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        people = [name.split(" - ")[0] for name in names]
        assert written == 3 and people == ["Amy Ash", "Ben Ode", "Zoë 李"]
        assert all(archive.read(name).startswith(b"%PDF-") for name in names)
        assert archive.getinfo(names[2]).flag_bits & 0x800  # the name is stored as UTF-8


def _batch(app, agency_id, **values) -> int:
    with app.app_context():
        batch = CertificateBatch(
            agency_id=agency_id, starts_on=date(2025, 4, 1), ends_on=date(2026, 3, 31), **values
        )
        db.session.add(batch)
        db.session.commit()
        return batch.id


def _state(app, batch_id) -> CertificateBatch:
    with app.app_context():
        batch = db.session.get(CertificateBatch, batch_id)
        db.session.expunge(batch)
        return batch


def _files(app):
    with app.app_context():
        folder = export_batches.exports_dir()
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_two_builders_claim_a_batch_once(app, make_agency):
    batch_id = _batch(app, make_agency())
    now = utcnow()
    with app.app_context():
        assert export_batches.claim(batch_id, now=now) is not None
    with app.app_context():
        assert export_batches.claim(batch_id, now=now) is None
        assert export_batches.build(batch_id) is False
    assert _state(app, batch_id).status is BatchStatus.BUILDING
    assert _files(app) == []
    # Once the lease has run out (the builder crashed), the next run may take it over.
    with app.app_context():
        later = now + export_batches.LEASE + timedelta(seconds=2)
        assert export_batches.claim(batch_id, now=later) is not None


def test_an_interrupted_batch_is_finished_by_the_next_run(app, make_agency, agency_certificates):
    agency = make_agency()
    made = [agency_certificates(agency, date(2025, 7, day)) for day in (1, 2, 3)]
    batch_id = _batch(
        app,
        agency,
        status=BatchStatus.BUILDING,
        total=3,
        done=2,
        started_at=utcnow() - timedelta(minutes=30),
        expires_at=utcnow() - timedelta(minutes=20),
    )
    with app.app_context():
        folder = export_batches.exports_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f".batch-{batch_id}-crashed.part").write_bytes(b"PK\x03\x04 half a zip")
        assert export_batches.run(now=utcnow())["certificate ZIPs built"] == 1
        batch = db.session.get(CertificateBatch, batch_id)
        assert batch.status is BatchStatus.READY and batch.done == batch.total == 3
        with zipfile.ZipFile(export_batches.file_path(batch)) as archive:
            assert len(archive.namelist()) == len(set(archive.namelist())) == len(made)
    assert _files(app) == [batch.file_name]


def test_a_full_disk_leaves_no_file_and_fails_the_batch(
    app, make_agency, agency_certificates, monkeypatch
):
    agency = make_agency()
    for day in (1, 2):
        agency_certificates(agency, date(2025, 8, day))
    batch_id = _batch(app, agency, total=2)
    written = []

    def writestr(archive, info, data, *args, **kwargs):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(info)
        return real(archive, info, data, *args, **kwargs)

    real = zipfile.ZipFile.writestr
    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    with app.app_context():
        assert export_batches.build(batch_id) is False
    batch = _state(app, batch_id)
    assert batch.status is BatchStatus.FAILED and batch.file_name == ""
    assert "No space left on device" in batch.error
    assert _files(app) == []


def test_expired_zips_are_deleted(app, make_agency, agency_certificates):
    agency = make_agency()
    agency_certificates(agency, date(2025, 9, 1))
    batch_id = _batch(app, agency, total=1)
    with app.app_context():
        assert export_batches.build(batch_id)
        batch = db.session.get(CertificateBatch, batch_id)
        path = export_batches.file_path(batch)
        kept_for = app.config["CERTIFICATE_EXPORTS_KEPT_FOR"]
        assert path.is_file() and batch.expires_at > utcnow() + kept_for - timedelta(minutes=1)
        assert export_batches.delete_expired(now=utcnow()) == 0
        assert export_batches.delete_expired(now=utcnow() + kept_for + timedelta(minutes=1)) == 1
        assert not path.exists()
        batch = db.session.get(CertificateBatch, batch_id)
        assert batch.file_name == "" and export_batches.is_expired(batch, utcnow())


def test_the_pdfs_name_the_person(app, make_agency, agency_certificates):
    from pypdf import PdfReader

    agency = make_agency()
    agency_certificates(agency, date(2025, 10, 1), name="Siobhán O'Brien")
    with app.app_context():
        out, _ = exports.inline_zip(agency, date(2025, 4, 1), date(2026, 3, 31))
    with out, zipfile.ZipFile(out) as archive:
        (name,) = archive.namelist()
        text = PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
    assert name.startswith("Siobhán O'Brien - ") and "Siobhán O'Brien" in text


def test_a_builder_taken_over_stops_and_leaves_no_file(
    app, make_agency, agency_certificates, monkeypatch
):
    """A builder so slow its lease ran out, taken for crashed: its next progress commit finds
    the batch taken over, and it stops without offering what it wrote."""
    agency = make_agency()
    for day in (1, 2, 3):
        agency_certificates(agency, date(2025, 11, day))
    batch_id = _batch(app, agency, total=3)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    real = exports.renderer

    def render(certificate):
        return real()(certificate)

    taken = []

    def slow(certificate):
        if not taken:
            with db.engine.begin() as connection:  # the lease runs out meanwhile
                connection.execute(
                    sa.update(CertificateBatch)
                    .where(CertificateBatch.id == batch_id)
                    .values(expires_at=utcnow() - timedelta(minutes=1))
                )
            later = utcnow() + export_batches.LEASE  # when another run takes it over
            taken.append(export_batches.claim(batch_id, now=later))
        return render(certificate)

    monkeypatch.setattr(exports, "renderer", lambda: slow)
    with app.app_context():
        assert export_batches.build(batch_id) is False
    assert taken[0] is not None
    batch = _state(app, batch_id)
    assert batch.status is BatchStatus.BUILDING and batch.file_name == ""
    assert _files(app) == []
