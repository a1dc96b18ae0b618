"""The question editor's form, and its conversion to and from a domain QuestionDraft."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms import FieldList as WTFieldList
from wtforms.validators import DataRequired, Length, Optional

from quizbank.domain.question_types import REGISTRY, true_false
from quizbank.domain.types import (
    Difficulty,
    MatchPair,
    NumericKey,
    Option,
    Problem,
    QuestionDraft,
    QuestionType,
    Scoring,
)
from quizbank.web.choices import choices

OPTION_ROWS = 6
PAIR_ROWS = 6


class OptionRow(Form):
    text = StringField("Text", validators=[Optional(), Length(max=1000)])
    correct = BooleanField("Correct")
    feedback = StringField("Feedback", validators=[Optional(), Length(max=1000)])
    fixed = BooleanField("Keep in place")


class PairRow(Form):
    left = StringField("Left", validators=[Optional(), Length(max=500)])
    right = StringField("Right", validators=[Optional(), Length(max=500)])


class QuestionForm(FlaskForm):
    competency = SelectField("Competency", validators=[DataRequired()])
    qtype = SelectField("Question type", choices=choices((t.value, spec.label) for t, spec in REGISTRY.items()))
    stem = TextAreaField("Stem", validators=[DataRequired(), Length(max=8000)],
                         description="Markdown: **bold**, *italic*, lists. Answerable without the options.")
    options = WTFieldList(FormField(OptionRow), min_entries=OPTION_ROWS, max_entries=12)
    answer = SelectField("Correct answer", choices=choices([("true", "True"), ("false", "False")]), default="true")
    pairs = WTFieldList(FormField(PairRow), min_entries=PAIR_ROWS, max_entries=12)
    numeric_value = DecimalField("Answer", validators=[Optional()])
    numeric_tolerance = DecimalField("Tolerance (±)", validators=[Optional()], default=0)
    numeric_unit = StringField("Unit", validators=[Optional(), Length(max=20)])
    scoring = SelectField("Scoring", choices=choices([(Scoring.ALL_OR_NOTHING.value, "All or nothing"),
                                                      (Scoring.PARTIAL.value, "Partial credit")]))
    explanation = TextAreaField("Explanation", validators=[Optional(), Length(max=4000)],
                                description="One to three sentences: why the key is right and the tempting "
                                            "distractor wrong. Required to submit for review.")
    references = TextAreaField("References", validators=[Optional(), Length(max=4000)],
                               description="One per line: authors, year, title, journal or body.")
    difficulty = SelectField("Difficulty", choices=choices((d.value, d.value.capitalize()) for d in Difficulty),
                             default=Difficulty.MEDIUM.value)
    critical = BooleanField("Safety-critical (a wrong answer would put a patient at risk)")
    scenario = BooleanField("Clinical scenario")
    image = FileField("Image (PNG, JPEG or WebP, up to 2 MB)")
    remove_image = BooleanField("Remove the current image")
    save = SubmitField("Save draft")


def draft_from_form(form: QuestionForm) -> QuestionDraft:
    qtype = QuestionType(form.qtype.data)
    options: tuple[Option, ...] = ()
    pairs: tuple[MatchPair, ...] = ()
    numeric = None
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.ORDERING):
        rows = [row for row in form.options.entries if (row.form.text.data or "").strip()]
        prefix = "s" if qtype is QuestionType.ORDERING else ""
        options = tuple(
            Option(f"{prefix}{i + 1}" if prefix else chr(ord("a") + i), row.form.text.data.strip(),
                   bool(row.form.correct.data) and qtype is not QuestionType.ORDERING,
                   (row.form.feedback.data or "").strip(), bool(row.form.fixed.data))
            for i, row in enumerate(rows))
    elif qtype is QuestionType.TRUE_FALSE:
        options = true_false(form.answer.data == "true")
    elif qtype is QuestionType.MATCHING:
        rows = [r for r in form.pairs.entries if (r.form.left.data or "").strip() or (r.form.right.data or "").strip()]
        pairs = tuple(MatchPair(f"p{i + 1}", (r.form.left.data or "").strip(), (r.form.right.data or "").strip())
                      for i, r in enumerate(rows))
    elif qtype is QuestionType.NUMERIC and form.numeric_value.data is not None:
        numeric = NumericKey(float(form.numeric_value.data), float(form.numeric_tolerance.data or 0),
                             (form.numeric_unit.data or "").strip())
    return QuestionDraft(
        qtype=qtype, stem=(form.stem.data or "").strip(), competency=form.competency.data or "",
        options=options, pairs=pairs, numeric=numeric, scoring=Scoring(form.scoring.data),
        explanation=(form.explanation.data or "").strip(),
        references=tuple(line.strip() for line in (form.references.data or "").splitlines() if line.strip()),
        difficulty=Difficulty(form.difficulty.data), critical=bool(form.critical.data),
        scenario=bool(form.scenario.data))


def fill_form(form: QuestionForm, draft: QuestionDraft) -> None:
    form.competency.data, form.qtype.data, form.stem.data = draft.competency, draft.qtype.value, draft.stem
    form.scoring.data, form.explanation.data = draft.scoring.value, draft.explanation
    form.references.data = "\n".join(draft.references)
    form.difficulty.data = draft.difficulty.value
    form.critical.data, form.scenario.data = draft.critical, draft.scenario
    if draft.qtype is QuestionType.TRUE_FALSE:
        form.answer.data = "true" if any(o.id == "true" and o.correct for o in draft.options) else "false"
    elif draft.qtype is QuestionType.MATCHING:
        for row, pair in zip(form.pairs.entries, draft.pairs, strict=False):
            row.form.left.data, row.form.right.data = pair.left, pair.right
    elif draft.qtype is QuestionType.NUMERIC and draft.numeric:
        form.numeric_value.data = draft.numeric.value
        form.numeric_tolerance.data = draft.numeric.tolerance
        form.numeric_unit.data = draft.numeric.unit
    else:
        for row, option in zip(form.options.entries, draft.options, strict=False):
            row.form.text.data, row.form.correct.data = option.text, option.correct
            row.form.feedback.data, row.form.fixed.data = option.feedback, option.fixed


FIELD_OF_PROBLEM = {"options": "options", "pairs": "pairs", "numeric": "numeric_value", "answer": "answer",
                    "stem": "stem", "explanation": "explanation", "references": "references",
                    "competency": "competency"}


def attach_problems(form: QuestionForm, problems: list[Problem]) -> list[str]:
    """Puts each problem beside its field; returns those that belong to no field."""
    loose = []
    for problem in problems:
        name = FIELD_OF_PROBLEM.get(problem.field)
        field = getattr(form, name, None) if name else None
        if field is None:
            loose.append(problem.message)
            continue
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(problem.message[0].upper() + problem.message[1:] + ".")
    return loose
