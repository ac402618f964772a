"""Forms for booking, cancelling, passing a place on, deciding and administering bookings."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Enter the reason"), Length(max=1000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class PersonByEmailForm(FlaskForm):
    email = StringField(
        "Their work email address",
        validators=[InputRequired("Enter their work email address"), Length(max=254)],
        widget=GovTextInput(),
        render_kw={"type": "email", "spellcheck": "false", "autocomplete": "off"},
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class AdminPlaceForm(FlaskForm):
    email = StringField(
        "Work email address of the person to add",
        validators=[Optional(), Length(max=254)],
        widget=GovTextInput(),
        render_kw={"type": "email", "spellcheck": "false"},
    )
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Enter the reason"), Length(max=1000)],
        widget=GovTextArea(),
    )
    confirm = BooleanField(
        "I confirm this person gets a place even if the session is full",
        validators=[
            InputRequired("Confirm that this person gets a place even if the session is full")
        ],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Confirm the place", widget=GovSubmitInput())


class SettingsForm(FlaskForm):
    approval_hold_days = IntegerField(
        "Days a booking waiting for approval holds its place",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    auto_promotion_days = IntegerField(
        "Days before a session when a freed place becomes a time-limited offer",
        description="Further away than this, the first person waiting gets the place at once",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    offer_hours = IntegerField(
        "Hours a person has to accept an offered place",
        validators=[InputRequired("Enter a number of hours")],
        widget=GovTextInput(),
    )
    reminder_days = IntegerField(
        "Days before a session the reminder is sent",
        validators=[InputRequired("Enter a number of days")],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())
