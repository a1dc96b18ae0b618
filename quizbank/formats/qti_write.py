"""Writes one QuestionDraft as a QTI 3.0 qti-assessment-item.

Mapping (response RESPONSE, outcome SCORE single float 0..1):
- single / true-false: qti-choice-interaction max-choices="1", cardinality single, base-type identifier;
- multiple: max-choices="0", cardinality multiple; PARTIAL adds a qti-mapping (+1/k per key, -1/k per
  distractor, bounded to 0..1) scored by map_response;
- ordering: qti-order-interaction, cardinality ordered; PARTIAL is scored by explicit rules adding 1/n for
  each step in its place (qti-index);
- matching: qti-match-interaction with two qti-simple-match-set (prompts, then answers, match-max="1"),
  cardinality multiple, base-type directedPair; PARTIAL maps each right pair to 1/n;
- numeric: qti-text-entry-interaction, base-type float, scored by explicit rules with qti-equal
  tolerance-mode="absolute"; the unit is shown after the box in <span class="quizbank-unit">.
All-or-nothing items use the match_correct template, mapped ones map_response, unless option feedback needs
explicit rules. Option feedback is a qti-feedback-inline (outcome FEEDBACK, multiple identifier, set from
RESPONSE); the explanation is qti-modal-feedback identifier="EXPLANATION", shown because FEEDBACK holds
EXPLANATION by default. Text lines become <p> (stem, explanation) or <br/>-separated lines (choices).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from quizbank.domain.question_types import REGISTRY
from quizbank.domain.types import QuestionDraft, QuestionType, Scoring

from .common import format_number

QTI_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
MATCH_CORRECT = TEMPLATES + "match_correct.xml"
MAP_RESPONSE = TEMPLATES + "map_response.xml"
RESERVED = frozenset({"RESPONSE", "SCORE", "FEEDBACK", "EXPLANATION"})
UNIT_CLASS = "quizbank-unit"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def qti(tag: str) -> str:
    """The namespaced name of a QTI element, as a parser reports it."""
    return f"{{{QTI_NS}}}{tag}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    # Written without namespaces; the root's xmlns puts every element in the QTI namespace.
    node = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


class Identifiers:
    """Hands out valid, unique QTI identifiers, keeping the wanted one when it is already valid."""

    def __init__(self, reserved: frozenset[str] = RESERVED) -> None:
        self.used = set(reserved)

    def take(self, wanted: str, prefix: str) -> str:
        base = wanted if IDENTIFIER.fullmatch(wanted) else re.sub(r"[^A-Za-z0-9_.-]", "_", wanted)
        if not IDENTIFIER.fullmatch(base):
            base = f"{prefix}_{base}"
        candidate, number = base, 2
        while candidate in self.used:
            candidate, number = f"{base}_{number}", number + 1
        self.used.add(candidate)
        return candidate


def _paragraphs(parent: ET.Element, text: str) -> None:
    for line in text.split("\n") if text else ():
        _add(parent, "p", line)


def _inline(parent: ET.Element, text: str) -> None:
    first, *rest = text.split("\n")
    parent.text = first
    for line in rest:
        _add(parent, "br").tail = line


def _set_score(parent: ET.Element, expression: ET.Element | float) -> None:
    node = _add(parent, "qti-set-outcome-value", identifier="SCORE")
    if isinstance(expression, ET.Element):
        node.append(expression)
    else:
        node.append(_base("float", format_number(expression)))


def _expression(tag: str, *children: ET.Element, **attrs: str) -> ET.Element:
    node = ET.Element(tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    node.extend(children)
    return node


def _base(base_type: str, text: str) -> ET.Element:
    node = _expression("qti-base-value", base_type=base_type)
    node.text = text
    return node


def _variable(identifier: str = "RESPONSE") -> ET.Element:
    return _expression("qti-variable", identifier=identifier)


def _if_else(rp: ET.Element, test: ET.Element, then: ET.Element | float, otherwise: ET.Element | float,
             ) -> None:
    condition = _add(rp, "qti-response-condition")
    branch = _add(condition, "qti-response-if")
    branch.append(test)
    _set_score(branch, then)
    _set_score(_add(condition, "qti-response-else"), otherwise)


def _scoring_rules(rp: ET.Element, draft: QuestionDraft, step_ids: list[str]) -> None:
    """Explicit rules equal to our scoring of `draft` (and to the templates where one exists)."""
    correct = _expression("qti-correct", identifier="RESPONSE")
    if draft.qtype is QuestionType.NUMERIC and draft.numeric is not None:
        tolerance = format_number(draft.numeric.tolerance)
        test = _expression("qti-equal", _variable(), correct, tolerance_mode="absolute", tolerance=tolerance)
        _if_else(rp, test, 1, 0)
    elif draft.qtype is QuestionType.ORDERING and draft.scoring is Scoring.PARTIAL:
        _set_score(rp, 0)
        share = format_number(1 / len(step_ids))
        for position, ident in enumerate(step_ids, 1):
            branch = _add(_add(rp, "qti-response-condition"), "qti-response-if")
            index = _expression("qti-index", _variable(), n=str(position))
            branch.append(_expression("qti-match", index, _base("identifier", ident)))
            _set_score(branch, _expression("qti-sum", _variable("SCORE"), _base("float", share)))
    elif _uses_mapping(draft):
        mapped = _expression("qti-map-response", identifier="RESPONSE")
        _if_else(rp, _expression("qti-is-null", _variable()), 0, mapped)
    else:
        _if_else(rp, _expression("qti-match", _variable(), correct), 1, 0)


def _uses_mapping(draft: QuestionDraft) -> bool:
    return draft.scoring is Scoring.PARTIAL and draft.qtype in (QuestionType.MULTIPLE, QuestionType.MATCHING)


def _response_processing(item: ET.Element, draft: QuestionDraft, ids: list[str], feedback: bool) -> None:
    plain = draft.qtype is not QuestionType.NUMERIC and not (
        draft.qtype is QuestionType.ORDERING and draft.scoring is Scoring.PARTIAL)
    if plain and not feedback:
        template = MAP_RESPONSE if _uses_mapping(draft) else MATCH_CORRECT
        _add(item, "qti-response-processing", template=template)
        return
    rp = _add(item, "qti-response-processing")
    _scoring_rules(rp, draft, ids)
    if feedback:
        shown = _expression("qti-multiple")
        if draft.qtype is QuestionType.ORDERING:  # an ordered response cannot go into a multiple container
            for ident, option in zip(ids, draft.options, strict=True):
                if option.feedback:
                    shown.append(_base("identifier", ident))
        else:
            shown.append(_variable())
        if draft.explanation:
            shown.append(_base("identifier", "EXPLANATION"))
        _add(rp, "qti-set-outcome-value", identifier="FEEDBACK").append(shown)


def _declaration(item: ET.Element, draft: QuestionDraft, ids: list[str], rights: list[str]) -> None:
    qtype = draft.qtype
    cardinality, base_type = {
        QuestionType.SINGLE: ("single", "identifier"), QuestionType.TRUE_FALSE: ("single", "identifier"),
        QuestionType.MULTIPLE: ("multiple", "identifier"), QuestionType.ORDERING: ("ordered", "identifier"),
        QuestionType.MATCHING: ("multiple", "directedPair"), QuestionType.NUMERIC: ("single", "float"),
    }[qtype]
    declaration = _add(item, "qti-response-declaration", identifier="RESPONSE", cardinality=cardinality,
                       base_type=base_type)
    if qtype is QuestionType.NUMERIC and draft.numeric is not None:
        values = [format_number(draft.numeric.value)]
    elif qtype is QuestionType.MATCHING:
        values = [f"{left} {right}" for left, right in zip(ids, rights, strict=True)]
    elif qtype is QuestionType.ORDERING:
        values = ids
    else:
        values = [i for i, o in zip(ids, draft.options, strict=True) if o.correct]
    correct = _add(declaration, "qti-correct-response")
    for value in values:
        _add(correct, "qti-value", value)
    if _uses_mapping(draft):
        mapping = _add(declaration, "qti-mapping", default_value="0", lower_bound="0", upper_bound="1")
        share = 1 / len(values)
        for key in values:
            _add(mapping, "qti-map-entry", map_key=key, mapped_value=format_number(share),
                 case_sensitive="true")
        if qtype is QuestionType.MULTIPLE:
            for ident, option in zip(ids, draft.options, strict=True):
                if not option.correct:
                    _add(mapping, "qti-map-entry", map_key=ident, mapped_value=format_number(-share),
                         case_sensitive="true")


def _choices(interaction: ET.Element, draft: QuestionDraft, ids: list[str]) -> None:
    for ident, option in zip(ids, draft.options, strict=True):
        choice = _add(interaction, "qti-simple-choice", identifier=ident)
        if option.fixed:
            choice.set("fixed", "true")
        _inline(choice, option.text)
        if option.feedback:
            inline = _add(choice, "qti-feedback-inline", outcome_identifier="FEEDBACK", identifier=ident,
                          show_hide="show")
            _inline(inline, option.feedback)


def _interaction(body: ET.Element, draft: QuestionDraft, ids: list[str], rights: list[str]) -> None:
    shuffle = "true" if REGISTRY[draft.qtype].shuffle_options else "false"
    qtype = draft.qtype
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.MULTIPLE):
        interaction = _add(body, "qti-choice-interaction", response_identifier="RESPONSE", shuffle=shuffle,
                           max_choices="0" if qtype is QuestionType.MULTIPLE else "1")
        _choices(interaction, draft, ids)
    elif qtype is QuestionType.ORDERING:
        interaction = _add(body, "qti-order-interaction", response_identifier="RESPONSE", shuffle=shuffle)
        _choices(interaction, draft, ids)
    elif qtype is QuestionType.MATCHING:
        interaction = _add(body, "qti-match-interaction", response_identifier="RESPONSE", shuffle=shuffle,
                           max_associations=str(len(draft.pairs)))
        sources = _add(interaction, "qti-simple-match-set")
        targets = _add(interaction, "qti-simple-match-set")
        for left, right, pair in zip(ids, rights, draft.pairs, strict=True):
            for holder, ident, text in ((sources, left, pair.left), (targets, right, pair.right)):
                _inline(_add(holder, "qti-simple-associable-choice", identifier=ident, match_max="1"), text)
    else:
        paragraph = _add(body, "p")
        _add(paragraph, "qti-text-entry-interaction", response_identifier="RESPONSE")
        if draft.numeric is not None and draft.numeric.unit:
            paragraph[-1].tail = " "
            _add(paragraph, "span", draft.numeric.unit, **{"class": UNIT_CLASS})


def check_writable(draft: QuestionDraft, label: str) -> None:
    """ValueError when QTI cannot express the answer key of `draft`."""
    qtype, keys = draft.qtype, len(draft.keys)
    if qtype is QuestionType.TRUE_FALSE and sorted(o.id for o in draft.options) != ["false", "true"]:
        raise ValueError(f"{label}: a true/false item needs the options 'true' and 'false'")
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE) and keys != 1:
        raise ValueError(f"{label}: a single-answer item needs exactly one key in QTI, found {keys}")
    if qtype is QuestionType.MULTIPLE and keys == 0:
        raise ValueError(f"{label}: a multiple-response item needs at least one key in QTI")
    if (qtype is QuestionType.ORDERING and not draft.options) or (
            qtype is QuestionType.MATCHING and not draft.pairs):
        raise ValueError(f"{label}: an item without steps or pairs cannot be written in QTI")
    if qtype is QuestionType.NUMERIC and draft.numeric is None:
        raise ValueError(f"{label}: a numeric item needs an answer")


def build_item(draft: QuestionDraft, identifier: str, title: str) -> tuple[bytes, dict[str, list[str]]]:
    """The item XML, and the option or pair ids it had to change to valid identifiers (for metadata)."""
    # A single-answer item with choices "true" and "false" would read back as a true/false item.
    names = Identifiers(RESERVED | {"true", "false"} if draft.qtype is QuestionType.SINGLE else RESERVED)
    changed: dict[str, list[str]] = {}
    if draft.qtype is QuestionType.MATCHING:
        ids = [names.take(p.id, "pair") for p in draft.pairs]
        rights = [names.take(f"{ident}_answer", "answer") for ident in ids]
        if ids != [p.id for p in draft.pairs]:
            changed["pair_ids"] = [p.id for p in draft.pairs]
    else:
        ids, rights = [names.take(o.id, "choice") for o in draft.options], []
        if ids != [o.id for o in draft.options]:
            changed["option_ids"] = [o.id for o in draft.options]
    feedback = any(o.feedback for o in draft.options)
    item = ET.Element("qti-assessment-item", {"xmlns": QTI_NS, "identifier": identifier, "title": title,
                                              "adaptive": "false", "time-dependent": "false"})
    _declaration(item, draft, ids, rights)
    score = _add(item, "qti-outcome-declaration", identifier="SCORE", cardinality="single", base_type="float",
                 normal_minimum="0", normal_maximum="1")
    _add(_add(score, "qti-default-value"), "qti-value", "0")
    if feedback or draft.explanation:
        outcome = _add(item, "qti-outcome-declaration", identifier="FEEDBACK", cardinality="multiple",
                       base_type="identifier")
        if draft.explanation:
            _add(_add(outcome, "qti-default-value"), "qti-value", "EXPLANATION")
    body = _add(item, "qti-item-body")
    _paragraphs(body, draft.stem)
    _interaction(body, draft, ids, rights)
    _response_processing(item, draft, ids, feedback)
    if draft.explanation:
        modal = _add(item, "qti-modal-feedback", outcome_identifier="FEEDBACK", identifier="EXPLANATION",
                     show_hide="show", title="Explanation")
        _paragraphs(_add(modal, "qti-content-body"), draft.explanation)
    ET.indent(item, "  ")
    text = ET.tostring(item, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode(), changed
