"""Fixtures for the import tests: a provider with two modules and its saved mapping, people
to match, and files made on the fly."""

import csv
import io
from datetime import date

import pytest

from lms.catalogue.models import Provider
from lms.extensions import db

HEADINGS = ["Email", "Learner", "Course", "Completed Date", "Status", "Score", "Organisation"]
MAPPING = {
    "email": "Email",
    "name": "Learner",
    "module": "Course",
    "completed_at": "Completed Date",
    "status": "Status",
    "score": "Score",
    "agency": "Organisation",
    "completed_values": ["Completed", "Passed"],
}
TODAY = date(2026, 11, 29)


def csv_bytes(rows, *, headings=HEADINGS, encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, headings=HEADINGS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def provider(app, make_provider, make_module, make_agency, make_user):
    """Learning Pool with modules SG1 (Level 1) and SG2 (Level 2), its mapping saved, and
    Amina and Zoë (who has an account) in Riverside Health."""
    provider_id = make_provider("Learning Pool")
    level1 = make_module(
        "Safeguarding Children Level 1", module_code="SG1", provider_id=provider_id
    )
    level2 = make_module(
        "Safeguarding Children Level 2",
        module_code="SG2",
        provider_id=provider_id,
        validity_months=None,
    )
    agency = make_agency("Riverside Health")
    amina = make_user("amina@example.org", name="Amina Patel", agency_id=agency)
    zoe = make_user("zoe@example.org", name="Zoë Brown", agency_id=agency)
    with app.app_context():
        db.session.get(Provider, provider_id).import_mapping = MAPPING
        db.session.commit()
    return {
        "id": provider_id,
        "level1": level1,
        "level2": level2,
        "agency": agency,
        "amina": amina,
        "zoe": zoe,
    }
