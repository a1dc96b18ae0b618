from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from quizbank.models import Role


class NewUserForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role],
                       default=Role.TRAINEE.value)
    password = PasswordField(
        "Initial password", validators=[Optional(), Length(max=128)],
        description="Leave empty to create an invitation link instead; the person then sets their own.",
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create account")


class CohortForm(FlaskForm):
    name = StringField("Cohort name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Create cohort")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")
