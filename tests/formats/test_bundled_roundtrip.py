"""Our own exports of the real bundled banks re-import unchanged, and are recognised by content."""

from __future__ import annotations

import pytest

from quizbank import formats
from quizbank.domain.types import QuestionType
from quizbank.services.bank_files import bundled_bank_paths, read_sources

DRAFTS = [d for s in read_sources(bundled_bank_paths())[0] for d in s.drafts]
CARRIES = {
    "native": lambda d: True,
    "moodle_xml": lambda d: True,
    "qti": lambda d: True,
    "gift": lambda d: d.qtype is not QuestionType.ORDERING,  # GIFT has no ordering questions
}


@pytest.mark.parametrize("name", sorted(CARRIES))
def test_bundled_banks_round_trip_exactly(name):
    fmt = formats.get(name)
    subset = [d for d in DRAFTS if CARRIES[name](d)]
    data = fmt.dump(subset)
    assert formats.detect(data).name == name
    result = fmt.parse(data)
    assert result.problems == ()
    assert list(result.drafts) == subset


def test_aiken_keeps_stems_options_and_keys_of_single_answer_questions():
    singles = [d for d in DRAFTS if d.qtype is QuestionType.SINGLE]
    result = formats.get("aiken").parse(formats.get("aiken").dump(singles))
    assert [(d.stem, [o.text for o in d.options], [o.correct for o in d.options]) for d in result.drafts] == \
        [(d.stem, [o.text for o in d.options], [o.correct for o in d.options]) for d in singles]
