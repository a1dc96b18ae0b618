"""Plain, immutable values the domain works on. Persistence and web layers convert to and from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "truefalse"
    ORDERING = "ordering"
    MATCHING = "matching"
    NUMERIC = "numeric"


# Types whose response picks among the authored options: the chosen options are recorded at grading and
# item statistics analyse them as distractors.
CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE})


class Scoring(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class ReviewPolicy(StrEnum):
    NEVER = "never"
    AFTER_ATTEMPT = "after_attempt"
    AFTER_PASS = "after_pass"  # noqa: S105 - a review policy, not a password


@dataclass(frozen=True)
class Option:
    """One choice (single, multiple, true/false) or one step (ordering, listed in the correct order)."""

    id: str
    text: str
    correct: bool = False
    feedback: str = ""
    fixed: bool = False  # keeps its position when the others are shuffled


@dataclass(frozen=True)
class MatchPair:
    """A left prompt and its right answer; the right side is identified by the pair's id."""

    id: str
    left: str
    right: str


@dataclass(frozen=True)
class NumericKey:
    value: float
    tolerance: float = 0.0
    unit: str = ""


@dataclass(frozen=True)
class QuestionDraft:
    """Everything one version of a question says, independent of storage and file format.

    `external_id` is the stable question id (e.g. SAF-0042) when the source has one.
    `category` is a free path from an import format (GIFT/Moodle categories), used only for mapping.
    """

    qtype: QuestionType
    stem: str
    competency: str = ""
    options: tuple[Option, ...] = ()
    pairs: tuple[MatchPair, ...] = ()
    numeric: NumericKey | None = None
    scoring: Scoring = Scoring.ALL_OR_NOTHING
    explanation: str = ""
    references: tuple[str, ...] = ()
    difficulty: Difficulty = Difficulty.MEDIUM
    critical: bool = False
    scenario: bool = False
    external_id: str | None = None
    title: str = ""
    category: str = ""

    @property
    def keys(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.correct)


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input, located as precisely as the source allows."""

    message: str
    line: int | None = None
    where: str = ""  # file name, element path or question id
    severity: str = "error"  # "error" refuses the item; "warning" only informs
    field: str = ""  # the question field concerned (stem, options, pairs, numeric, explanation, …), if any

    def __str__(self) -> str:
        place = self.where
        if self.line is not None:
            place = f"{place}:{self.line}" if place else f"line {self.line}"
        return f"{place}: {self.message}" if place else self.message


@dataclass(frozen=True)
class Response:
    """What a trainee answered to one item.

    - single / truefalse / multiple: `selected` holds the chosen option ids;
    - ordering: `selected` holds the option ids in the order the trainee put them;
    - matching: `matches` maps a pair id (left) to the pair id whose right side was chosen;
    - numeric: `text` holds what was typed.
    """

    selected: tuple[str, ...] = ()
    matches: tuple[tuple[str, str], ...] = ()
    text: str = ""

    @property
    def is_blank(self) -> bool:
        return not self.selected and not self.matches and not self.text.strip()


@dataclass(frozen=True)
class ModuleRules:
    """The pass rules of one module."""

    pass_mark: float  # fraction of the total, 0..1
    require_all_critical: bool = False
    competency_min: float = 0.0  # fraction per competency, 0 disables the rule

    @classmethod
    def from_percents(cls, pass_mark_percent: float, require_all_critical: bool,
                      competency_min_percent: float) -> ModuleRules:
        """The rules as a module stores them: marks in percent."""
        return cls(pass_mark_percent / 100, require_all_critical, competency_min_percent / 100)


@dataclass(frozen=True)
class ItemScore:
    position: int
    competency: str
    score: float  # 0..1
    critical: bool = False

    @property
    def correct(self) -> bool:
        return self.score >= 1.0 - 1e-9


@dataclass(frozen=True)
class CompetencyScore:
    competency: str
    items: int
    score: float  # points earned
    fraction: float  # 0..1


@dataclass(frozen=True)
class AttemptScore:
    items: tuple[ItemScore, ...]
    total: float  # points earned
    fraction: float  # 0..1
    passed: bool
    competencies: tuple[CompetencyScore, ...]
    failed_rules: tuple[str, ...] = field(default_factory=tuple)  # plain-language reasons, empty when passed


@dataclass(frozen=True)
class ModuleSpec:
    """A module's settings as a bank file declares them."""

    code: str
    title: str
    description: str = ""
    pass_mark_percent: int = 75
    form_length: int = 10
    time_limit_minutes: int = 30
    attempts_allowed: int = 3
    wait_hours: int = 24
    review_policy: ReviewPolicy = ReviewPolicy.AFTER_ATTEMPT
    require_all_critical: bool = True
    competency_min_percent: int = 0
    position: int = 0  # order in the study path; 0 keeps the order the files are loaded in
    blueprint: tuple[tuple[str, int], ...] = ()  # (competency code, items per form)
    competencies: tuple[tuple[str, str], ...] = ()  # (code, title)
