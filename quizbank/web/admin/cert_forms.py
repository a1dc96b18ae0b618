from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=500)],
                           description="Kept in the audit trail and, for suspensions and revocations, dated on the "
                                       "public verification page.")
    submit = SubmitField("Confirm")


class GrantForm(ReasonForm):
    track = SelectField("Track", coerce=int, validators=[DataRequired()])


class ExtraAttemptForm(FlaskForm):
    module = SelectField("Module", validators=[DataRequired()])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Grant one extra attempt")


class TrackForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32), Regexp(r"^[A-Z0-9-]+$",
                       message="Use capital letters, digits and hyphens.")])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    modules = SelectMultipleField("Modules to pass", validators=[DataRequired()])
    skills = TextAreaField("Practical skills to sign off", validators=[Optional(), Length(max=4000)],
                           description="One per line, as CODE: title (e.g. PRAC-01: Pincer palpation over the thorax).")
    supervised_hours = DecimalField("Supervised practice hours", places=1, default=0,
                                    validators=[NumberRange(0, 10000)])
    validity_months = IntegerField("Valid for (months)", default=36, validators=[NumberRange(1, 240)])
    renewal_modules = SelectMultipleField("Refresher modules for renewal", validators=[Optional()])
    renewal_ce_hours = DecimalField("Continuing-education hours for renewal", places=1, default=0,
                                    validators=[NumberRange(0, 1000)])
    active = BooleanField("Active (awards certificates)", default=True)
    submit = SubmitField("Save track")
