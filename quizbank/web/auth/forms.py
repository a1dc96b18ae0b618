from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from quizbank.domain.passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Sign in")


class NewPasswordMixin:
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                 render_kw={"autocomplete": "new-password"},
                                 description="At least 10 characters; a passphrase of several words works well.")
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("new_password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(FlaskForm, NewPasswordMixin):
    current_password = PasswordField("Current password", validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Change password")


class SetPasswordForm(FlaskForm, NewPasswordMixin):
    submit = SubmitField("Set password")
