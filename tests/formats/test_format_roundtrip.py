"""Property tests: random valid drafts survive dump → parse in every format that can hold them.

Texts are generated in the normal form all formats give text back in (lines single-spaced and stripped, no
blank first or last line); the characters include every GIFT special and XML-significant character.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from quizbank.domain.question_types import true_false
from quizbank.domain.types import (
    Difficulty,
    MatchPair,
    NumericKey,
    Option,
    QuestionDraft,
    QuestionType,
    Scoring,
)
from quizbank.formats import aiken, gift, moodle_xml, qti
from quizbank.formats.common import letter_id
from quizbank.formats.markup import normalize_text

SPECIALS = list("~=#{}:\\[]%-></$&\"'*.,;!?()")
WORD_CHARS = st.characters(exclude_categories=("Cs", "Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn"))
WORD = st.text(st.one_of(WORD_CHARS, st.sampled_from(SPECIALS)), min_size=1, max_size=8)
LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
TEXT = (
    st.lists(st.one_of(LINE, LINE, st.just("")), min_size=1, max_size=4)
    .map("\n".join)
    .map(normalize_text)
    .filter(bool)
)
OPTIONAL_TEXT = st.one_of(st.just(""), TEXT)
IDS = st.one_of(st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), WORD)
CODE = st.from_regex(r"[A-Z]{3}-[0-9]{2}", fullmatch=True)


@st.composite
def options(draw: st.DrawFn, count_min: int, keys: str) -> tuple[Option, ...]:
    count = draw(st.integers(count_min, 6))
    letters = draw(st.booleans())
    ids = (
        [letter_id(i) for i in range(count)]
        if letters
        else draw(st.lists(IDS, min_size=count, max_size=count, unique=True))
    )
    if keys == "one":
        key = draw(st.integers(0, count - 1))
        correct = [i == key for i in range(count)]
    elif keys == "some":
        correct = draw(st.lists(st.booleans(), min_size=count, max_size=count).filter(any))
    else:
        correct = [False] * count
    return tuple(
        Option(i, draw(TEXT), c, draw(OPTIONAL_TEXT), draw(st.booleans()))
        for i, c in zip(ids, correct, strict=True)
    )


@st.composite
def drafts(draw: st.DrawFn, qtype: QuestionType | None = None) -> QuestionDraft:
    qtype = qtype or draw(st.sampled_from(QuestionType))
    body: dict = {}
    if qtype is QuestionType.SINGLE:
        body["options"] = draw(options(2, "one"))
    elif qtype is QuestionType.MULTIPLE:
        body["options"] = draw(options(3, "some"))
    elif qtype is QuestionType.TRUE_FALSE:
        body["options"] = true_false(draw(st.booleans()), draw(OPTIONAL_TEXT), draw(OPTIONAL_TEXT))
    elif qtype is QuestionType.ORDERING:
        body["options"] = draw(options(2, "none"))
    elif qtype is QuestionType.MATCHING:
        count = draw(st.integers(2, 5))
        ids = draw(
            st.one_of(
                st.just([letter_id(i) for i in range(count)]),
                st.lists(IDS, min_size=count, max_size=count, unique=True),
            )
        )
        body["pairs"] = tuple(MatchPair(i, draw(TEXT), draw(TEXT)) for i in ids)
    else:
        value = draw(st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False))
        tolerance = draw(st.floats(0, 1e6, allow_nan=False, allow_infinity=False))
        body["numeric"] = NumericKey(value, tolerance, draw(st.one_of(st.just(""), WORD)))
    return QuestionDraft(
        qtype=qtype,
        stem=draw(TEXT),
        competency=draw(st.one_of(st.just(""), CODE)),
        scoring=draw(st.sampled_from(Scoring)),
        explanation=draw(OPTIONAL_TEXT),
        references=tuple(draw(st.lists(LINE, max_size=3))),
        difficulty=draw(st.sampled_from(Difficulty)),
        critical=draw(st.booleans()),
        scenario=draw(st.booleans()),
        external_id=draw(st.one_of(st.none(), st.from_regex(r"[A-Z]{3}-[0-9]{4}", fullmatch=True), WORD)),
        title=draw(st.one_of(st.just(""), LINE)),
        category=draw(st.sampled_from(["", "$course$/top/Safety", "Needling/Neck & shoulder: level 2"])),
        **body,
    )


BANKS = st.lists(drafts(), min_size=1, max_size=5)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_round_trip(module, bank: list[QuestionDraft]) -> None:
    result = module.parse(module.dump(bank))
    errors = [p for p in result.problems if p.severity == "error"]
    assert not errors, errors
    assert [p for p in result.problems if "quizbank metadata" in p.message] == []
    assert list(result.drafts) == bank


def gift_can_hold(draft: QuestionDraft) -> bool:
    return draft.qtype is not QuestionType.ORDERING and all("->" not in p.left for p in draft.pairs)


@SETTINGS
@given(BANKS)
def test_gift_round_trip(bank: list[QuestionDraft]) -> None:
    assume(all(gift_can_hold(d) for d in bank))
    assert_round_trip(gift, bank)


@SETTINGS
@given(BANKS)
def test_moodle_xml_round_trip(bank: list[QuestionDraft]) -> None:
    assert_round_trip(moodle_xml, bank)


@SETTINGS
@given(BANKS)
def test_qti_round_trip(bank: list[QuestionDraft]) -> None:
    assert_round_trip(qti, bank)


def aiken_view(draft: QuestionDraft) -> QuestionDraft:
    """What Aiken keeps of a single-answer draft: stem lines, option texts and the key."""
    stem = "\n".join(line for line in draft.stem.split("\n") if line)
    kept = tuple(Option(letter_id(i), o.text, o.correct) for i, o in enumerate(draft.options))
    return QuestionDraft(QuestionType.SINGLE, stem, options=kept)


def single_line_options(draft: QuestionDraft) -> QuestionDraft:
    options = tuple(dataclasses.replace(o, text=" ".join(o.text.split())) for o in draft.options)
    return dataclasses.replace(draft, options=options)


@SETTINGS
@given(st.lists(drafts(QuestionType.SINGLE).map(single_line_options), min_size=1, max_size=5))
def test_aiken_round_trip_keeps_stem_options_and_key(bank: list[QuestionDraft]) -> None:
    try:
        data = aiken.dump(bank)
    except ValueError as exc:  # a stem line like "B. …" or "ANSWER: …" is refused, by design
        assume("would read back" not in str(exc))
        raise
    result = aiken.parse(data)
    assert result.problems == ()
    assert list(result.drafts) == [aiken_view(d) for d in bank]


@SETTINGS
@given(drafts(QuestionType.ORDERING))
def test_formats_without_ordering_refuse_it_by_name(draft: QuestionDraft) -> None:
    draft = dataclasses.replace(draft, external_id="SAF-0999")
    for module in (gift, aiken):
        with pytest.raises(ValueError, match="SAF-0999"):
            module.dump([draft])


@SETTINGS
@given(drafts())
def test_dumps_are_deterministic(draft: QuestionDraft) -> None:
    for module in (moodle_xml, qti):
        assert module.dump([draft]) == module.dump([draft])


def test_registry_names_and_detection() -> None:
    from pathlib import Path

    from quizbank import formats

    for name, module in (("gift", gift), ("aiken", aiken), ("moodle_xml", moodle_xml), ("qti", qti)):
        assert formats.get(name).parse is module.parse and formats.get(name).dump is module.dump
    samples = Path(__file__).parent / "samples"
    bank = [QuestionDraft(QuestionType.SINGLE, "Which?", options=(Option("a", "x", True), Option("b", "y")))]
    found = {
        "gift": [(samples / "bank.gift").read_bytes(), gift.dump(bank)],
        "aiken": [(samples / "bank.aiken.txt").read_bytes(), aiken.dump(bank)],
        "moodle_xml": [(samples / "moodle_export.xml").read_bytes(), moodle_xml.dump(bank)],
        "qti": [qti.dump(bank)],
    }
    for name, files in found.items():
        for data in files:
            detected = formats.detect(data)
            assert detected is not None and detected.name == name
