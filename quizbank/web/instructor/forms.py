from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from quizbank.models import HoursKind, SignOffOutcome
from quizbank.web.choices import choices


class SignOffForm(FlaskForm):
    skill = SelectField("Practical skill", coerce=int, validators=[DataRequired()])
    observed_on = DateField("Observed on", default=date.today, validators=[DataRequired()])
    outcome = SelectField("Outcome", choices=choices([(SignOffOutcome.PASSED.value, "Competent: signed off"),
                                                      (SignOffOutcome.NOT_YET.value, "Not yet competent")]))
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record sign-off")


class HoursForm(FlaskForm):
    kind = SelectField("Kind", choices=choices([(HoursKind.SUPERVISED.value, "Supervised practice"),
                                                (HoursKind.CONTINUING_EDUCATION.value, "Continuing education")]))
    hours = DecimalField("Hours", places=1, validators=[DataRequired(), NumberRange(0.1, 1000)])
    done_on = DateField("Date", default=date.today, validators=[DataRequired()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Record hours")
