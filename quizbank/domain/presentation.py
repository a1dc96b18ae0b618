"""What a trainee's page may show of an item, and reading their answer back from a form.

A page before submission gets a `ShownItem`, which holds no correctness at all: the template cannot
leak what it never receives. Choices are addressed by their position on the page, not by option ids,
so even the ids (which follow the author's order) reveal nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .types import QuestionDraft, QuestionType, Response


class InvalidAnswer(ValueError):
    """The submitted form does not fit the item (tampered or stale page)."""


@dataclass(frozen=True)
class ShownChoice:
    index: int
    text: str


@dataclass(frozen=True)
class ShownItem:
    qtype: QuestionType
    stem: str
    choices: tuple[ShownChoice, ...] = ()  # options or ordering steps, in display order
    lefts: tuple[ShownChoice, ...] = ()  # matching prompts
    rights: tuple[ShownChoice, ...] = ()  # matching answers, in display order
    unit: str = ""
    selected: frozenset[int] = frozenset()
    positions: Mapping[int, int] = field(default_factory=dict)  # ordering: display index → 1-based place
    matches: Mapping[int, int] = field(default_factory=dict)  # matching: left index → right display index
    text: str = ""

    @property
    def multiple(self) -> bool:
        return self.qtype is QuestionType.MULTIPLE


def _option_text(draft: QuestionDraft) -> dict[str, str]:
    return {o.id: o.text for o in draft.options}


def present(draft: QuestionDraft, order: Sequence[str], response: Response | None) -> ShownItem:
    response = response or Response()
    if draft.qtype is QuestionType.MATCHING:
        rights = {p.id: p.right for p in draft.pairs}
        right_index = {pid: i for i, pid in enumerate(order)}
        chosen = dict(response.matches)
        return ShownItem(
            draft.qtype, draft.stem,
            lefts=tuple(ShownChoice(i, p.left) for i, p in enumerate(draft.pairs)),
            rights=tuple(ShownChoice(i, rights[pid]) for i, pid in enumerate(order)),
            matches={i: right_index[chosen[p.id]] for i, p in enumerate(draft.pairs)
                     if chosen.get(p.id) in right_index},
        )
    if draft.qtype is QuestionType.NUMERIC:
        return ShownItem(draft.qtype, draft.stem, unit=draft.numeric.unit if draft.numeric else "", text=response.text)
    texts = _option_text(draft)
    index_of = {oid: i for i, oid in enumerate(order)}
    choices = tuple(ShownChoice(i, texts[oid]) for i, oid in enumerate(order))
    if draft.qtype is QuestionType.ORDERING:
        positions = {index_of[oid]: place for place, oid in enumerate(response.selected, start=1) if oid in index_of}
        return ShownItem(draft.qtype, draft.stem, choices=choices, positions=positions)
    selected = frozenset(index_of[oid] for oid in response.selected if oid in index_of)
    return ShownItem(draft.qtype, draft.stem, choices=choices, selected=selected)


def _index(raw: str, size: int, what: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidAnswer(f"{what} is not one of the choices on the page.") from None
    if not 0 <= value < size:
        raise InvalidAnswer(f"{what} is not one of the choices on the page.")
    return value


def response_from_form(draft: QuestionDraft, order: Sequence[str], form: Mapping[str, Sequence[str]]) -> Response:
    """Reads an answer posted from the item's page; anything that does not fit raises InvalidAnswer."""
    qtype = draft.qtype
    if qtype is QuestionType.NUMERIC:
        text = (form.get("number") or [""])[0].strip()
        if len(text) > 40:
            raise InvalidAnswer("The number is too long.")
        return Response(text=text)
    if qtype is QuestionType.MATCHING:
        matches = []
        for i, pair in enumerate(draft.pairs):
            raw = (form.get(f"match_{i}") or [""])[0]
            if raw != "":
                matches.append((pair.id, order[_index(raw, len(order), "A match")]))
        return Response(matches=tuple(matches))
    if qtype is QuestionType.ORDERING:
        places: dict[int, str] = {}
        for i, oid in enumerate(order):
            raw = (form.get(f"pos_{i}") or [""])[0]
            if raw == "":
                continue
            place = _index(raw, len(order) + 1, "A position")
            if place == 0 or place in places:
                raise InvalidAnswer(f"Give each step a different position from 1 to {len(order)}.")
            places[place] = oid
        return Response(selected=tuple(places[p] for p in sorted(places)))
    raw_choices = [v for v in form.get("choice", []) if v != ""]
    if qtype is not QuestionType.MULTIPLE and len(raw_choices) > 1:
        raise InvalidAnswer("Choose one answer only.")
    indices = sorted({_index(v, len(order), "The answer") for v in raw_choices})
    return Response(selected=tuple(order[i] for i in indices))


def response_to_json(response: Response) -> dict[str, object]:
    return {"selected": list(response.selected), "matches": [list(m) for m in response.matches],
            "text": response.text}


def response_from_json(data: Mapping[str, object] | None) -> Response:
    if not data:
        return Response()
    return Response(
        selected=tuple(str(s) for s in data.get("selected", ()) or ()),  # type: ignore[union-attr]
        matches=tuple((str(a), str(b)) for a, b in data.get("matches", ()) or ()),  # type: ignore[union-attr]
        text=str(data.get("text", "") or ""),
    )


@dataclass(frozen=True)
class ReviewedChoice:
    text: str
    chosen: bool
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class ReviewedItem:
    """An item after grading: what was asked, answered and expected, and why."""

    qtype: QuestionType
    stem: str
    score: float
    choices: tuple[ReviewedChoice, ...]
    given_text: str
    expected_text: str
    explanation: str
    references: tuple[str, ...]
    critical: bool
    competency: str


def review(draft: QuestionDraft, order: Sequence[str], response: Response, score: float) -> ReviewedItem:
    given, expected = "", ""
    choices: tuple[ReviewedChoice, ...] = ()
    texts = _option_text(draft)
    if draft.qtype is QuestionType.MATCHING:
        rights = {p.id: p.right for p in draft.pairs}
        chosen = dict(response.matches)
        choices = tuple(ReviewedChoice(f"{p.left} → {rights.get(chosen.get(p.id, ''), '(no answer)')}",
                                       p.id in chosen, chosen.get(p.id) == p.id,
                                       "" if chosen.get(p.id) == p.id else f"Expected: {p.right}")
                        for p in draft.pairs)
    elif draft.qtype is QuestionType.ORDERING:
        given = " → ".join(texts[o] for o in response.selected if o in texts) or "(no answer)"
        expected = " → ".join(o.text for o in draft.options)
    elif draft.qtype is QuestionType.NUMERIC and draft.numeric:
        given = response.text or "(no answer)"
        key = draft.numeric
        tolerance = f" ± {key.tolerance:g}" if key.tolerance else ""
        expected = f"{key.value:g}{tolerance} {key.unit}".strip()
    else:
        options = {o.id: o for o in draft.options}
        choices = tuple(ReviewedChoice(options[oid].text, oid in response.selected, options[oid].correct,
                                       options[oid].feedback) for oid in order if oid in options)
    return ReviewedItem(draft.qtype, draft.stem, score, choices, given, expected, draft.explanation,
                        draft.references, draft.critical, draft.competency)
