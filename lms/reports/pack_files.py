"""The annual pack's files: a snapshot's PDF and workbook, internal or publication version.

Admins and PDL viewers download either version. The internal version names agencies' exact
figures, small ones included, so each download of it is audited."""

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from lms.accounts.permissions import can_view_statistics
from lms.audit import services as audit
from lms.core.security import require
from lms.extensions import db
from lms.reports import snapshots
from lms.reports.models import ReportSnapshot

bp = Blueprint("annual_pack_files", __name__, url_prefix="/reports/annual-pack")

VERSIONS = ("internal", "publication")
MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(extension: str, figures: dict) -> bytes:
    """The pack's PDF or workbook. Their makers import reportlab and openpyxl, which no other
    page needs, so they are imported here, at the first download, not when the app starts."""
    if extension == "pdf":
        from lms.reports import pack_pdf

        return pack_pdf.render(figures)
    from lms.reports import pack_xlsx

    return pack_xlsx.render(figures)


def file_name(year: str, version: str, extension: str) -> str:
    """annual-pack-2025-26-publication.pdf"""
    return f"annual-pack-{year}-{version}.{extension}"


def _download(snapshot_id: int, extension: str):
    require(can_view_statistics(current_user))
    snapshot = db.get_or_404(ReportSnapshot, snapshot_id)
    version = request.args.get("version", "internal")
    if version not in VERSIONS:
        page = render_template(
            "errors.html",
            title="There is no such version of the pack",
            message="Ask for the internal version (exact figures) or the publication version "
            "(small numbers hidden): ?version=internal or ?version=publication.",
            status=400,
        )
        return page, 400
    body = render(extension, snapshots.figures_of(snapshot, publication=version == "publication"))
    if version == "internal":
        audit.record(
            "annual_pack.internal_downloaded",
            snapshot,
            actor=current_user,
            after={"year": snapshot.year, "format": extension, "digest": snapshot.digest},
        )
        db.session.commit()
    response = Response(body, mimetype=MIMETYPES[extension])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{file_name(snapshot.year, version, extension)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/snapshots/<int:snapshot_id>.pdf")
@login_required
def pdf(snapshot_id):
    return _download(snapshot_id, "pdf")


@bp.get("/snapshots/<int:snapshot_id>.xlsx")
@login_required
def xlsx(snapshot_id):
    return _download(snapshot_id, "xlsx")
