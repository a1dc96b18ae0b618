"""Reads one QTI 3.0 qti-assessment-item into a QuestionDraft.

Supported interactions: qti-choice-interaction (single → single answer, or true/false when the choices are
identified "true" and "false"; multiple → multiple response), qti-order-interaction, qti-match-interaction
and qti-text-entry-interaction with a float or integer response (numeric). Any other interaction
(extended-text, hotspot, graphic-*, gap-match, inline-choice, associate, hottext, slider, upload, …), an item
with several interactions and QTI 2.x items are reported with file and element path.

Scoring: match_correct → all-or-nothing; map_response, qti-map-response or qti-index rules → partial.
The numeric tolerance comes from a qti-equal in the response processing. Option feedback comes from
qti-feedback-inline in a choice (or a modal feedback with the choice's identifier); the explanation from the
modal feedback EXPLANATION or any modal feedback shown unconditionally.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from typing import Any

from quizbank.domain.types import MatchPair, NumericKey, Option, QuestionDraft, QuestionType, Scoring

from .common import parse_float
from .markup import element_text, local_name
from .qti_write import UNIT_CLASS, qti

SUPPORTED = frozenset({"qti-choice-interaction", "qti-order-interaction", "qti-match-interaction",
                       "qti-text-entry-interaction"})
_FEEDBACK = frozenset({"qti-feedback-inline", "qti-feedback-block", "qti-rubric-block", "qti-template-block",
                       "qti-template-inline"})
_MEDIA = frozenset({"img", "object", "video", "audio", "picture", "math", "svg"})


class ItemRefused(Exception):
    """The item cannot become a question; the message says why (and where, when known)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


def _paths(root: ET.Element) -> dict[ET.Element, str]:
    paths = {root: local_name(root.tag)}
    for parent in root.iter():
        for child in parent:
            paths[child] = f"{paths[parent]}/{local_name(child.tag)}"
    return paths


def _choice_text(choice: ET.Element) -> tuple[str, str]:
    """A choice's own text and the text of the feedback inside it."""
    text = element_text(choice, lambda e: local_name(e.tag) in _FEEDBACK)
    feedback = [element_text(f) for f in choice.iter(qti("qti-feedback-inline"))]
    return text, "\n".join(f for f in feedback if f)


def _values(declaration: ET.Element) -> list[str]:
    path = f"{qti('qti-correct-response')}/{qti('qti-value')}"
    return [(v.text or "").strip() for v in declaration.findall(path)]


def _mapping(declaration: ET.Element) -> dict[str, float]:
    entries = declaration.findall(f"{qti('qti-mapping')}/{qti('qti-map-entry')}")
    return {e.get("map-key", "").strip(): parse_float(e.get("mapped-value", "")) or 0.0 for e in entries}


def _scoring(root: ET.Element, warn: list[str]) -> Scoring:
    processing = root.find(qti("qti-response-processing"))
    if processing is None:
        warn.append("the item has no response processing; it is scored all-or-nothing")
        return Scoring.ALL_OR_NOTHING
    template = processing.get("template", "").strip().rstrip("/")
    if template:
        name = template.rsplit("/", 1)[-1].removesuffix(".xml")
        if name not in ("match_correct", "map_response"):
            warn.append(f"response processing template {template!r} is not recognised; scored all-or-nothing")
        return Scoring.PARTIAL if name == "map_response" else Scoring.ALL_OR_NOTHING
    names = {local_name(e.tag) for e in processing.iter()}
    return Scoring.PARTIAL if names & {"qti-map-response", "qti-index"} else Scoring.ALL_OR_NOTHING


def _tolerance(root: ET.Element, value: float, warn: list[str]) -> float:
    processing = root.find(qti("qti-response-processing"))
    equal = processing.find(f".//{qti('qti-equal')}") if processing is not None else None
    if equal is None:
        return 0.0
    mode = equal.get("tolerance-mode", "exact")
    numbers = [parse_float(t) for t in equal.get("tolerance", "0").split()] or [0.0]
    if None in numbers or mode not in ("exact", "absolute", "relative"):
        warn.append("the tolerance of qti-equal is not understood; an exact answer is required")
        return 0.0
    bounds = [n for n in numbers if n is not None]
    if len(set(bounds)) > 1:
        warn.append("an asymmetric tolerance is narrowed to its smaller side")
    if mode == "relative":
        warn.append("a relative tolerance is converted to an absolute one")
        return abs(value) * min(bounds) / 100
    return min(bounds) if mode == "absolute" else 0.0


def _choice_options(interaction: ET.Element, keys: set[str]) -> list[Option]:
    options = []
    for choice in interaction.findall(qti("qti-simple-choice")):
        text, feedback = _choice_text(choice)
        ident = choice.get("identifier", "")
        options.append(Option(ident, text, ident in keys, feedback, choice.get("fixed") == "true"))
    if not options:
        raise ItemRefused("the interaction has no qti-simple-choice")
    return options


def _read_choice(interaction: ET.Element, declaration: ET.Element) -> dict[str, Any]:
    cardinality = declaration.get("cardinality")
    keys = set(_values(declaration)) or {k for k, v in _mapping(declaration).items() if v > 0}
    options = _choice_options(interaction, keys)
    if not keys or not keys <= {o.id for o in options}:
        raise ItemRefused("the correct response is missing or names no choice of the interaction")
    if cardinality == "single":
        true_false = sorted(o.id for o in options) == ["false", "true"]
        qtype = QuestionType.TRUE_FALSE if true_false else QuestionType.SINGLE
        return {"qtype": qtype, "options": tuple(options)}
    if cardinality == "multiple":
        return {"qtype": QuestionType.MULTIPLE, "options": tuple(options)}
    raise ItemRefused(f"a choice interaction with cardinality {cardinality!r} is not supported")


def _read_order(interaction: ET.Element, declaration: ET.Element) -> dict[str, Any]:
    order = _values(declaration)
    options = {o.id: o for o in _choice_options(interaction, set())}
    if sorted(order) != sorted(options):
        raise ItemRefused("the correct order must list every choice of the order interaction once")
    return {"qtype": QuestionType.ORDERING, "options": tuple(options[i] for i in order)}


def _read_match(interaction: ET.Element, declaration: ET.Element, warn: list[str]) -> dict[str, Any]:
    sets = interaction.findall(qti("qti-simple-match-set"))
    if len(sets) != 2:
        raise ItemRefused("a match interaction needs two qti-simple-match-set")
    sources, targets = ({c.get("identifier", ""): _choice_text(c)[0]
                         for c in s.findall(qti("qti-simple-associable-choice"))} for s in sets)
    correct = dict(value.split(None, 1) for value in _values(declaration) if len(value.split()) == 2)
    if len(correct) != len(_values(declaration)) or not set(correct) <= set(sources):
        raise ItemRefused("the correct response must pair each prompt once with an answer of the second set")
    if len(set(correct.values())) != len(correct) or not set(correct.values()) <= set(targets):
        raise ItemRefused("an answer matches several prompts or is not in the second set; not supported")
    missing = [ident for ident in sources if ident not in correct]
    if missing:
        raise ItemRefused(f"prompts without a correct match: {', '.join(missing)}")
    if extra := set(targets) - set(correct.values()):
        warn.append(f"answers matched by no prompt (distractors) are not kept: {', '.join(sorted(extra))}")
    pairs = tuple(MatchPair(ident, text, targets[correct[ident]]) for ident, text in sources.items())
    return {"qtype": QuestionType.MATCHING, "pairs": pairs}


def _read_numeric(root: ET.Element, declaration: ET.Element, warn: list[str]) -> dict[str, Any]:
    if declaration.get("base-type") not in ("float", "integer"):
        raise ItemRefused("a text entry with a text answer (short answer) is not supported")
    values = _values(declaration)
    value = parse_float(values[0]) if len(values) == 1 else None
    if value is None:
        raise ItemRefused("a numeric text entry needs one numeric correct response")
    return {"qtype": QuestionType.NUMERIC, "numeric": NumericKey(value, _tolerance(root, value, warn))}


def _interaction(root: ET.Element, body: ET.Element, paths: dict[ET.Element, str]) -> ET.Element:
    found = [e for e in body.iter() if local_name(e.tag).endswith("-interaction")]
    for element in found:
        if local_name(element.tag) not in SUPPORTED:
            raise ItemRefused(f"the {local_name(element.tag)} is not supported", paths[element])
    if not found:
        raise ItemRefused("the item has no interaction", paths[body])
    if len(found) > 1:
        raise ItemRefused("an item with several interactions is not supported", paths[found[1]])
    return found[0]


def _declared_outcome_values(root: ET.Element, identifier: str) -> set[str]:
    for declaration in root.findall(qti("qti-outcome-declaration")):
        if declaration.get("identifier") == identifier:
            path = f"{qti('qti-default-value')}/{qti('qti-value')}"
            return {(v.text or "").strip() for v in declaration.findall(path)}
    return set()


def read_item(root: ET.Element) -> tuple[QuestionDraft, list[str]]:
    """The draft of an item and warnings; ItemRefused when the item cannot be read."""
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if local_name(root.tag) == "assessmentItem" or "imsqti_v2" in namespace:
        raise ItemRefused("a QTI 2.x item; only QTI 3.0 items are supported", local_name(root.tag))
    if root.tag != qti("qti-assessment-item"):
        raise ItemRefused(f"not a QTI 3.0 item (<{local_name(root.tag)}> in {namespace or 'no namespace'!r})")
    paths, warn = _paths(root), []
    body = root.find(qti("qti-item-body"))
    if body is None:
        raise ItemRefused("the item has no qti-item-body")
    interaction = _interaction(root, body, paths)
    response = interaction.get("response-identifier", "")
    declaration = next((d for d in root.findall(qti("qti-response-declaration"))
                        if d.get("identifier") == response), None)
    if declaration is None:
        raise ItemRefused(f"no qti-response-declaration for {response!r}", paths[interaction])
    kind = local_name(interaction.tag)
    if kind == "qti-choice-interaction":
        fields = _read_choice(interaction, declaration)
    elif kind == "qti-order-interaction":
        fields = _read_order(interaction, declaration)
    elif kind == "qti-match-interaction":
        fields = _read_match(interaction, declaration, warn)
    else:
        fields = _read_numeric(root, declaration, warn)
    if fields["qtype"] in (QuestionType.MULTIPLE, QuestionType.ORDERING, QuestionType.MATCHING):
        fields["scoring"] = _scoring(root, warn)
    if any(local_name(e.tag) in _MEDIA for e in body.iter()):
        warn.append("images and media in the item are not imported")

    def hidden(element: ET.Element) -> bool:
        return (element is interaction or local_name(element.tag) in _FEEDBACK
                or UNIT_CLASS in element.get("class", "").split())

    prompt = interaction.find(qti("qti-prompt"))
    parts = (element_text(body, hidden), element_text(prompt) if prompt is not None else "")
    stem = "\n".join(part for part in parts if part)
    explanation, options = [], list(fields.get("options", ()))
    for modal in root.findall(qti("qti-modal-feedback")):
        ident, text = modal.get("identifier", ""), element_text(modal)
        unconditional = ident in _declared_outcome_values(root, modal.get("outcome-identifier", ""))
        matching = [i for i, o in enumerate(options) if o.id == ident]
        if ident == "EXPLANATION" or (unconditional and modal.get("show-hide", "show") == "show"):
            explanation.append(text)
        elif matching and not options[matching[0]].feedback:
            options[matching[0]] = dataclasses.replace(options[matching[0]], feedback=text)
        else:
            warn.append(f"conditional modal feedback {ident!r} is not kept")
    if options:
        fields["options"] = tuple(options)
    draft = QuestionDraft(stem=stem, explanation="\n".join(t for t in explanation if t),
                          title=root.get("title", "").strip(), **fields)
    return draft, warn
