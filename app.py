"""Entry point: `flask run` (or gunicorn app:app) finds the application here."""

from quizbank import create_app

app = create_app()
