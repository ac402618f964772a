"""The administrators' pages for a provider's completion file: upload, choose the columns,
preview, import, see what became of each row, download the error report, undo."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SelectMultipleField, SubmitField, ValidationError

from lms.accounts import permissions
from lms.catalogue.models import Provider
from lms.core.errors import DomainError
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import choices, optional_int, show_error
from lms.core.security import require
from lms.core.words import plural
from lms.elearning import batches, importing, mapping
from lms.elearning.models import ElearningImport
from lms.elearning.readers import DEFAULT_MAX_BYTES, megabytes
from lms.extensions import db

bp = Blueprint("elearning_imports", __name__, url_prefix="/admin/elearning/imports")

PER_PAGE = 50
# Room for the form's other fields around the file itself.
FORM_OVERHEAD = 64 * 1024


def _limit() -> int:
    return current_app.config.get("ELEARNING_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


@bp.url_value_preprocessor
def _allow_import_sized_uploads(endpoint, _values):
    """An upload may be as large as the import limit, above the service's own limit; set before
    any form is read (the CSRF check reads it)."""
    if endpoint == "elearning_imports.upload":
        request.max_content_length = _limit() + FORM_OVERHEAD


@bp.before_request
@login_required
def _administrators_only():
    require(permissions.is_admin(current_user))


class UploadForm(FlaskForm):
    provider_id = SelectField("Provider", coerce=optional_int, widget=GovSelect())
    file = FileField("Completion report (CSV or Excel .xlsx)")
    submit = SubmitField("Upload and choose the columns", widget=GovSubmitInput())

    def validate_provider_id(self, field):
        if field.data is None:
            raise ValidationError("Choose the provider whose report this is")


class MappingForm(FlaskForm):
    email = SelectField(mapping.LABELS["email"], validate_choice=False)
    name = SelectField(mapping.LABELS["name"], validate_choice=False)
    module = SelectField(mapping.LABELS["module"], validate_choice=False)
    completed_at = SelectField(mapping.LABELS["completed_at"], validate_choice=False)
    status = SelectField(mapping.LABELS["status"], validate_choice=False)
    score = SelectField(mapping.LABELS["score"], validate_choice=False)
    agency = SelectField(mapping.LABELS["agency"], validate_choice=False)
    completed_values = SelectMultipleField("Statuses that mean completed", validate_choice=False)
    submit = SubmitField("Preview the import", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField("Import", widget=GovSubmitInput())


def _too_large():
    form = UploadForm(formdata=None)
    form.provider_id.choices = _providers()
    message = (
        f"The file is larger than {megabytes(_limit())}, the largest that can be "
        "imported. Export a shorter period and import each part. Nothing was imported"
    )
    form.file.errors = [message]
    return render_template("elearning/imports/upload.html", form=form), 413


@bp.errorhandler(413)
def _file_too_large(_error):
    return _too_large()


def _providers():
    rows = db.session.scalars(sa.select(Provider).order_by(Provider.name)).all()
    return choices(((p.id, p.name) for p in rows), blank="Choose a provider")


@bp.get("")
def index():
    page = db.paginate(
        sa.select(ElearningImport).order_by(
            ElearningImport.uploaded_at.desc(), ElearningImport.id.desc()
        ),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("elearning/imports/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    form.provider_id.choices = _providers()
    if form.validate_on_submit():
        data = form.file.data.read() if form.file.data else b""
        if len(data) > _limit():
            return _too_large()
        try:
            if not data:
                raise batches.FileRefused("Choose the completion report file to upload")
            provider = db.session.get(Provider, form.provider_id.data)
            if provider is None:
                raise DomainError("Choose the provider whose report this is", field="provider_id")
            batch = batches.upload(provider, data, form.file.data.filename, by=current_user)
            db.session.commit()
            return redirect(url_for(".choose_columns", import_id=batch.id))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
    # A refused form is shown again with its errors (200), as every form of the product is.
    return render_template("elearning/imports/upload.html", form=form)


def _pending(import_id: int) -> ElearningImport | None:
    """The batch, when its file is still waiting to be imported."""
    batch = db.get_or_404(ElearningImport, import_id)
    if batch.imported_at is None and batch.content is not None:
        return batch
    if batch.imported_at is None:
        flash("This file is no longer kept: upload it again.", "error")
    return None


@bp.route("/<int:import_id>/columns", methods=["GET", "POST"])
def choose_columns(import_id):
    batch = _pending(import_id)
    if batch is None:
        return redirect(url_for(".batch", import_id=import_id))
    table = batches.table_of(batch)
    headings = [heading for heading in table.headings if heading]
    table.close()
    form = MappingForm()
    if request.method == "GET":
        chosen = batch.mapping or mapping.suggested(batch.provider, headings)
        form.process(data={field: value or "" for field, value in chosen.items()})
    options = [("", "Not in this file")] + [(h, h) for h in headings]
    for field in mapping.FIELD_NAMES:
        getattr(form, field).choices = options
    statuses = batches.status_values(batch, form.status.data) if form.status.data else []
    form.completed_values.choices = [(value, value) for value in statuses]
    if form.validate_on_submit():
        chosen = {field: getattr(form, field).data for field in mapping.FIELD_NAMES}
        chosen["completed_values"] = form.completed_values.data
        try:
            batch.mapping = mapping.checked(chosen, headings, statuses=statuses)
            db.session.commit()
            return redirect(url_for(".preview", import_id=batch.id))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
    return render_template(
        "elearning/imports/columns.html", batch=batch, form=form, statuses=statuses
    )


def _with_file(batch: ElearningImport, action):
    """action(table, mapping) on the batch's kept file with its checked mapping; the file is
    closed whatever happens."""
    table = batches.table_of(batch)
    try:
        return action(table, mapping.checked(batch.mapping, table.headings))
    finally:
        table.close()


@bp.get("/<int:import_id>/preview")
def preview(import_id):
    batch = _pending(import_id)
    if batch is None:
        return redirect(url_for(".batch", import_id=import_id))
    if not batch.mapping:
        return redirect(url_for(".choose_columns", import_id=batch.id))
    try:
        rows = _with_file(
            batch, lambda table, chosen: importing.preview(batch.provider, table, chosen)
        )
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for(".choose_columns", import_id=batch.id))
    return render_template(
        "elearning/imports/preview.html",
        batch=batch,
        rows=rows,
        people=importing.people_shown(rows),
        form=ConfirmForm(),
        labels=mapping.LABELS,
    )


@bp.post("/<int:import_id>/import")
def run_import(import_id):
    batch = _pending(import_id)
    form = ConfirmForm()
    if batch is None or not form.validate_on_submit() or not batch.mapping:
        return redirect(url_for(".batch", import_id=import_id))
    try:
        _with_file(
            batch, lambda table, chosen: importing.run(batch, table, chosen, by=current_user)
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".preview", import_id=import_id))
    flash(batches.summary(batch), "success")
    return redirect(url_for(".batch", import_id=import_id))


@bp.get("/<int:import_id>")
def batch(import_id):
    batch = db.get_or_404(ElearningImport, import_id)
    problems = db.paginate(
        batches.problems_query(batch), per_page=PER_PAGE, error_out=False, count=True
    )
    return render_template(
        "elearning/imports/batch.html",
        batch=batch,
        problems=problems,
        summary=batches.summary(batch),
        kept=batch.imported_at is None and batch.content is not None,
    )


@bp.get("/<int:import_id>/errors.csv")
def error_report(import_id):
    batch = db.get_or_404(ElearningImport, import_id)
    name = f"import-{batch.id}-problems.csv"
    return current_app.response_class(
        batches.error_report(batch),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class UndoForm(FlaskForm):
    submit = SubmitField("Undo this import", widget=GovSubmitInput())


@bp.route("/<int:import_id>/undo", methods=["GET", "POST"])
def undo(import_id):
    batch = db.get_or_404(ElearningImport, import_id)
    if batch.imported_at is None or batch.undone_at is not None:
        flash("This import cannot be undone: it has not been imported, or was undone.", "error")
        return redirect(url_for(".batch", import_id=import_id))
    form = UndoForm()
    if form.validate_on_submit():
        withdrawn = batches.undo(batch, by=current_user)
        db.session.commit()
        flash(f"The import was undone: {plural(withdrawn, 'completion')} withdrawn.", "success")
        return redirect(url_for(".batch", import_id=import_id))
    return render_template("elearning/imports/undo.html", batch=batch, form=form)
