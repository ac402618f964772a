"""Administration of the catalogue's reference data: themes, providers and venues.

The three share one set of routes: list, add, edit, retire or bring back.
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from lms.accounts import permissions
from lms.accounts.models import Agency
from lms.catalogue import services
from lms.catalogue.models import Provider, Theme, Venue
from lms.core.forms import AppForm as FlaskForm
from lms.core.forms import UKDateField, choices, commit_or_show, optional_int
from lms.core.security import require
from lms.extensions import db

bp = Blueprint("reference", __name__, url_prefix="/admin")


class ThemeForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired("Enter the theme's name"), Length(max=120)],
        widget=GovTextInput(),
    )
    description = TextAreaField("Description", validators=[Length(max=2000)], widget=GovTextArea())
    submit = SubmitField("Save", widget=GovSubmitInput())


class ProviderForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired("Enter the provider's name"), Length(max=200)],
        widget=GovTextInput(),
    )
    contact_email = StringField(
        "Contact email (optional)", validators=[Optional(), Length(max=254)], widget=GovTextInput()
    )
    contract_starts_on = UKDateField("Contract starts")
    contract_ends_on = UKDateField("Contract ends")
    submit = SubmitField("Save", widget=GovSubmitInput())


class VenueForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired("Enter the venue's name"), Length(max=200)],
        widget=GovTextInput(),
    )
    address = TextAreaField(
        "Address",
        validators=[InputRequired("Enter the venue's address"), Length(max=500)],
        widget=GovTextArea(),
    )
    postcode = StringField(
        "Postcode",
        validators=[InputRequired("Enter a real postcode, like E1 6AN")],
        widget=GovTextInput(),
    )
    capacity = IntegerField(
        "Capacity",
        validators=[InputRequired("Enter how many people the room holds")],
        widget=GovTextInput(),
    )
    accessibility_notes = TextAreaField(
        "Accessibility",
        description="Step-free access, hearing loop, parking, nearest station",
        validators=[Length(max=2000)],
        widget=GovTextArea(),
    )
    agency_id = SelectField(
        "Owned by (optional)", coerce=optional_int, validate_choice=False, widget=GovSelect()
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


@dataclass(frozen=True)
class Kind:
    model: Any
    form: type[FlaskForm]
    singular: str
    plural: str

    def save(self, row, form):
        if self.model is Theme:
            return services.save_theme(row, name=form.name.data, description=form.description.data)
        if self.model is Provider:
            return services.save_provider(
                row,
                name=form.name.data,
                contact_email=form.contact_email.data,
                contract_starts_on=form.contract_starts_on.data,
                contract_ends_on=form.contract_ends_on.data,
            )
        return services.save_venue(
            row,
            name=form.name.data,
            address=form.address.data,
            postcode=form.postcode.data,
            capacity=form.capacity.data,
            accessibility_notes=form.accessibility_notes.data,
            agency_id=form.agency_id.data,
        )


KINDS = {
    "themes": Kind(Theme, ThemeForm, "theme", "themes"),
    "providers": Kind(Provider, ProviderForm, "provider", "providers"),
    "venues": Kind(Venue, VenueForm, "venue", "venues"),
}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


@bp.before_request
@login_required
def _administrators_only():
    require(permissions.is_admin(current_user))


@bp.get("/reference")
def index():
    rows = {
        name: db.session.scalars(
            sa.select(kind.model).order_by(kind.model.is_active.desc(), kind.model.name)
        ).all()
        for name, kind in KINDS.items()
    }
    return render_template("catalogue_admin/reference.html", rows=rows, kinds=KINDS)


def _edit(kind_name: str, row):
    kind = _kind(kind_name)
    form = kind.form(obj=row) if request.method == "GET" and row is not None else kind.form()
    if isinstance(form, VenueForm):
        agencies = db.session.scalars(
            sa.select(Agency).where(Agency.is_active.is_(True)).order_by(Agency.name)
        )
        form.agency_id.choices = choices(((a.id, a.name) for a in agencies), blank="No agency")
    if form.validate_on_submit():
        done = commit_or_show(form, lambda: kind.save(row, form))
        if done.ok:
            flash(f"{done.value.name} has been saved.", "success")
            return redirect(url_for("reference.index") + f"#{kind_name}")
    return render_template("catalogue_admin/reference_form.html", form=form, row=row, kind=kind)


@bp.route("/<kind>/new", methods=["GET", "POST"])
def new(kind):
    return _edit(kind, None)


@bp.route("/<kind>/<int:row_id>", methods=["GET", "POST"])
def edit(kind, row_id):
    return _edit(kind, db.get_or_404(_kind(kind).model, row_id))


@bp.post("/<kind>/<int:row_id>/active")
def set_active(kind, row_id):
    row = db.get_or_404(_kind(kind).model, row_id)
    active = request.form.get("active") == "1"
    services.set_active(row, active)
    db.session.commit()
    flash(f"{row.name} has been {'brought back' if active else 'retired'}.", "success")
    return redirect(url_for("reference.index") + f"#{kind}")
