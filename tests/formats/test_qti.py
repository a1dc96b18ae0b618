"""QTI 3.0: a package written by another tool, the spec rules every exported item must meet, and refusals.

The checks in `assert_qti3_item` follow the QTI 3.0 ASI information model and binding: namespace, root
element, required item attributes, identifiers, declarations with matching cardinality and base-type,
correct responses, response processing, and interactions bound to declared responses.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

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
from quizbank.formats import qti

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
Q = f"{{{NS}}}"
NCNAME = re.compile(r"[A-Za-z_][\w.-]*")


def item(identifier: str, declarations: str, body: str, processing: str, extra: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<qti-assessment-item xmlns="{NS}" identifier="{identifier}" '
        f'title="{identifier} title" adaptive="false" time-dependent="false" xml:lang="en">{declarations}'
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
        f"<qti-item-body>{body}</qti-item-body>{processing}{extra}</qti-assessment-item>"
    )


TEMPLATE = '<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{}"/>'

FOREIGN_ITEMS = {
    "items/choice.xml": item(
        "choice",
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
        "<qti-correct-response><qti-value>ChoiceB</qti-value></qti-correct-response></qti-response-declaration>"
        '<qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>',
        "<p>A 34-year-old reports dizziness after needling of the neck.</p>"
        '<qti-choice-interaction response-identifier="RESPONSE" shuffle="true" max-choices="1">'
        "<qti-prompt><p>What do you do first?</p></qti-prompt>"
        '<qti-simple-choice identifier="ChoiceA">Continue the treatment</qti-simple-choice>'
        '<qti-simple-choice identifier="ChoiceB">Remove the needles and lay the patient down'
        '<qti-feedback-inline outcome-identifier="FEEDBACK" identifier="ChoiceB" show-hide="show">'
        "Yes, <strong>first</strong>.</qti-feedback-inline></qti-simple-choice>"
        '<qti-simple-choice identifier="ChoiceC" fixed="true">Call the next patient</qti-simple-choice>'
        "</qti-choice-interaction>",
        TEMPLATE.format("match_correct.xml"),
        '<qti-modal-feedback outcome-identifier="FEEDBACK" identifier="incorrect" show-hide="show">'
        "<qti-content-body>Think again.</qti-content-body></qti-modal-feedback>",
    ),
    "items/multiple.xml": item(
        "multiple",
        '<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="identifier">'
        "<qti-correct-response><qti-value>A</qti-value><qti-value>C</qti-value></qti-correct-response>"
        '<qti-mapping lower-bound="0" upper-bound="1" default-value="0">'
        '<qti-map-entry map-key="A" mapped-value="0.5"/><qti-map-entry map-key="C" mapped-value="0.5"/>'
        '<qti-map-entry map-key="B" mapped-value="-0.5"/></qti-mapping></qti-response-declaration>',
        '<qti-choice-interaction response-identifier="RESPONSE" max-choices="0">'
        "<qti-prompt>Which are signs of a pneumothorax?</qti-prompt>"
        '<qti-simple-choice identifier="A">Shortness of breath</qti-simple-choice>'
        '<qti-simple-choice identifier="B">Bruising at the site</qti-simple-choice>'
        '<qti-simple-choice identifier="C">Chest pain on breathing</qti-simple-choice>'
        "</qti-choice-interaction>",
        TEMPLATE.format("map_response"),
    ),
    "items/order.xml": item(
        "order",
        '<qti-response-declaration identifier="RESPONSE" cardinality="ordered" base-type="identifier">'
        "<qti-correct-response><qti-value>S2</qti-value><qti-value>S3</qti-value><qti-value>S1</qti-value>"
        "</qti-correct-response></qti-response-declaration>",
        "<p>Put the steps in order.</p>"
        '<qti-order-interaction response-identifier="RESPONSE" shuffle="true">'
        '<qti-simple-choice identifier="S1">Dispose of the needle</qti-simple-choice>'
        '<qti-simple-choice identifier="S2">Clean the skin</qti-simple-choice>'
        '<qti-simple-choice identifier="S3">Insert the needle</qti-simple-choice></qti-order-interaction>',
        TEMPLATE.format("match_correct.xml"),
    ),
    "items/match.xml": item(
        "match",
        '<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="directedPair">'
        "<qti-correct-response><qti-value>M1 T2</qti-value><qti-value>M2 T1</qti-value>"
        "</qti-correct-response>"
        "</qti-response-declaration>",
        '<qti-match-interaction response-identifier="RESPONSE" max-associations="2">'
        "<qti-prompt>Match the muscle to the main risk.</qti-prompt>"
        '<qti-simple-match-set><qti-simple-associable-choice identifier="M1" match-max="1">Upper trapezius'
        "</qti-simple-associable-choice>"
        '<qti-simple-associable-choice identifier="M2" match-max="1">Gluteus medius'
        "</qti-simple-associable-choice></qti-simple-match-set><qti-simple-match-set>"
        '<qti-simple-associable-choice identifier="T1" match-max="1">Sciatic nerve'
        "</qti-simple-associable-choice>"
        '<qti-simple-associable-choice identifier="T2" match-max="1">Lung apex</qti-simple-associable-choice>'
        '<qti-simple-associable-choice identifier="T3" match-max="1">Kidney</qti-simple-associable-choice>'
        "</qti-simple-match-set></qti-match-interaction>",
        TEMPLATE.format("match_correct.xml"),
    ),
    "items/depth.xml": item(
        "depth",
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="float">'
        "<qti-correct-response><qti-value>20</qti-value></qti-correct-response></qti-response-declaration>",
        "<p>Maximum safe depth over the thorax of a thin adult, in mm: "
        '<qti-text-entry-interaction response-identifier="RESPONSE" expected-length="4"/></p>',
        "<qti-response-processing><qti-response-condition><qti-response-if>"
        '<qti-equal tolerance-mode="absolute" tolerance="0.5"><qti-variable identifier="RESPONSE"/>'
        '<qti-correct identifier="RESPONSE"/></qti-equal><qti-set-outcome-value identifier="SCORE">'
        '<qti-base-value base-type="float">1</qti-base-value></qti-set-outcome-value></qti-response-if>'
        "</qti-response-condition></qti-response-processing>",
    ),
    "items/essay.xml": item(
        "essay",
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>',
        "<p>Explain informed consent.</p>"
        '<div><qti-extended-text-interaction response-identifier="RESPONSE" expected-lines="10"/></div>',
        "",
    ),
}


def manifest(resources: list[tuple[str, str, str]]) -> str:
    rows = "".join(
        f'<resource identifier="{i}" type="{t}" href="{h}"><file href="{h}"/></resource>'
        for i, t, h in resources
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest xmlns="{CP}" identifier="foreign">'
        f"<metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>"
        f"<organizations/><resources>{rows}</resources></manifest>"
    )


def package(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def foreign_package() -> bytes:
    resources = [(path.split("/")[1][:-4], "imsqti_item_xmlv3p0", path) for path in FOREIGN_ITEMS]
    resources += [("img", "webcontent", "images/needle.png"), ("test", "imsqti_test_xmlv3p0", "test.xml")]
    return package(
        {
            "imsmanifest.xml": manifest(resources),
            **FOREIGN_ITEMS,
            "images/needle.png": b"\x89PNG",
            "test.xml": "<qti-assessment-test/>",
        }
    )


@pytest.fixture(scope="module")
def foreign():
    return qti.parse(foreign_package())


def test_foreign_package_items(foreign) -> None:
    choice, multiple, order, match, depth = foreign.drafts
    assert choice.qtype is QuestionType.SINGLE and choice.title == "choice title"
    assert choice.stem == "A 34-year-old reports dizziness after needling of the neck.\nWhat do you do first?"
    assert [(o.id, o.correct, o.fixed) for o in choice.options] == [
        ("ChoiceA", False, False),
        ("ChoiceB", True, False),
        ("ChoiceC", False, True),
    ]
    assert choice.options[1].text == "Remove the needles and lay the patient down"
    assert choice.options[1].feedback == "Yes, first."
    assert choice.external_id is None and choice.competency == ""

    assert multiple.qtype is QuestionType.MULTIPLE and multiple.scoring is Scoring.PARTIAL
    assert [o.correct for o in multiple.options] == [True, False, True]
    assert [o.text for o in order.options] == ["Clean the skin", "Insert the needle", "Dispose of the needle"]
    assert order.scoring is Scoring.ALL_OR_NOTHING
    assert match.pairs == (
        MatchPair("M1", "Upper trapezius", "Lung apex"),
        MatchPair("M2", "Gluteus medius", "Sciatic nerve"),
    )
    assert depth.numeric == NumericKey(20, 0.5)
    assert depth.stem == "Maximum safe depth over the thorax of a thin adult, in mm:"


def test_foreign_package_problems(foreign) -> None:
    errors = [p for p in foreign.problems if p.severity == "error"]
    assert len(errors) == 1
    assert "qti-extended-text-interaction" in errors[0].message
    assert (
        errors[0].where
        == "items/essay.xml: qti-assessment-item/qti-item-body/div/qti-extended-text-interaction"
    )
    warnings = sorted(p.message for p in foreign.problems if p.severity == "warning")
    assert any("'incorrect'" in w for w in warnings) and any("T3" in w for w in warnings)


@pytest.mark.parametrize(
    "interaction",
    [
        "qti-hotspot-interaction",
        "qti-graphic-order-interaction",
        "qti-gap-match-interaction",
        "qti-inline-choice-interaction",
        "qti-associate-interaction",
        "qti-hottext-interaction",
        "qti-slider-interaction",
        "qti-upload-interaction",
        "qti-graphic-gap-match-interaction",
    ],
)
def test_unsupported_interactions_are_named(interaction: str) -> None:
    xml = item(
        "x",
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier"/>',
        f'<p><{interaction} response-identifier="RESPONSE"/></p>',
        "",
    )
    result = qti.parse(
        package({"imsmanifest.xml": manifest([("x", "imsqti_item_xmlv3p0", "x.xml")]), "x.xml": xml})
    )
    assert result.drafts == ()
    assert interaction in result.problems[0].message and result.problems[0].where.startswith("x.xml: ")


def test_composite_items_qti2_and_missing_files_are_reported() -> None:
    two = item(
        "two",
        "",
        '<qti-choice-interaction response-identifier="A"/><qti-order-interaction response-identifier="B"/>',
        "",
    )
    old = '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="old"/>'
    resources = [
        ("two", "imsqti_item_xmlv3p0", "two.xml"),
        ("old", "imsqti_item_xmlv3p0", "old.xml"),
        ("gone", "imsqti_item_xmlv3p0", "gone.xml"),
        ("v2", "imsqti_item_xmlv2p1", "v2.xml"),
    ]
    result = qti.parse(package({"imsmanifest.xml": manifest(resources), "two.xml": two, "old.xml": old}))
    messages = " | ".join(p.message for p in result.problems)
    assert result.drafts == ()
    assert "several interactions" in messages and messages.count("QTI 2.x") == 2 and "lacks" in messages


def test_package_without_manifest_or_items() -> None:
    assert "no imsmanifest.xml" in qti.parse(package({"item.xml": "<x/>"})).problems[0].message
    empty = qti.parse(package({"imsmanifest.xml": manifest([])}))
    assert "no QTI 3.0 item" in empty.problems[0].message


def test_a_bare_item_file_is_read() -> None:
    result = qti.parse(FOREIGN_ITEMS["items/order.xml"].encode())
    assert result.drafts[0].options[0].text == "Clean the skin"


# --- exported items against the QTI 3.0 rules -------------------------------------------------------

CONTENT_ORDER = [
    "qti-context-declaration",
    "qti-response-declaration",
    "qti-outcome-declaration",
    "qti-template-declaration",
    "qti-template-processing",
    "qti-assessment-stimulus-ref",
    "qti-companion-materials-info",
    "qti-stylesheet",
    "qti-item-body",
    "qti-catalog-info",
    "qti-response-processing",
    "qti-modal-feedback",
]
CARDINALITIES = {"single", "multiple", "ordered", "record"}
BASE_TYPES = {
    "identifier",
    "boolean",
    "integer",
    "float",
    "string",
    "point",
    "pair",
    "directedPair",
    "duration",
    "file",
    "uri",
}
BINDINGS = {  # interaction → allowed (cardinality, base-type) of its response
    "qti-choice-interaction": {("single", "identifier"), ("multiple", "identifier")},
    "qti-order-interaction": {("ordered", "identifier")},
    "qti-match-interaction": {("multiple", "directedPair"), ("single", "directedPair")},
    "qti-text-entry-interaction": {("single", "float"), ("single", "integer"), ("single", "string")},
}


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def assert_qti3_item(data: bytes) -> None:
    root = ET.fromstring(data)
    assert root.tag == f"{Q}qti-assessment-item"
    assert all(e.tag.startswith(Q) for e in root.iter()), "every element is in the QTI 3.0 namespace"
    assert NCNAME.fullmatch(root.get("identifier", ""))
    assert root.get("title", "").strip() and "\n" not in root.get("title", "")
    assert root.get("time-dependent") in ("true", "false")
    assert root.get("adaptive", "false") in ("true", "false")
    order = [CONTENT_ORDER.index(local(child.tag)) for child in root]
    assert order == sorted(order), "children follow the qti-assessment-item content model"

    declared: dict[str, tuple[str, str]] = {}
    for declaration in root.findall(f"{Q}qti-response-declaration") + root.findall(
        f"{Q}qti-outcome-declaration"
    ):
        identifier = declaration.get("identifier", "")
        assert NCNAME.fullmatch(identifier) and identifier not in declared
        assert declaration.get("cardinality") in CARDINALITIES
        assert declaration.get("base-type") in BASE_TYPES
        declared[identifier] = (declaration.get("cardinality"), declaration.get("base-type"))
    assert declared.get("SCORE") == ("single", "float")

    choice_ids = [
        c.get("identifier")
        for c in root.iter()
        if local(c.tag) in ("qti-simple-choice", "qti-simple-associable-choice")
    ]
    assert all(NCNAME.fullmatch(i or "") for i in choice_ids) and len(set(choice_ids)) == len(choice_ids)
    assert not set(choice_ids) & set(declared)

    interactions = [e for e in root.iter() if local(e.tag).endswith("-interaction")]
    assert len(interactions) == 1
    interaction = interactions[0]
    response = interaction.get("response-identifier")
    assert response in declared and declared[response] in BINDINGS[local(interaction.tag)]
    declaration = next(
        d for d in root.findall(f"{Q}qti-response-declaration") if d.get("identifier") == response
    )
    values = [v.text or "" for v in declaration.findall(f"{Q}qti-correct-response/{Q}qti-value")]
    assert values, "a correct response is present"
    if declared[response][0] == "single":
        assert len(values) == 1
    own = {c.get("identifier") for c in interaction.iter() if local(c.tag).startswith("qti-simple")}
    kind = local(interaction.tag)
    if kind == "qti-choice-interaction":
        assert set(values) <= own
        assert interaction.get("max-choices") == ("1" if declared[response][0] == "single" else "0")
    if kind == "qti-order-interaction":
        assert sorted(values) == sorted(own)
    if kind == "qti-match-interaction":
        sets = interaction.findall(f"{Q}qti-simple-match-set")
        assert len(sets) == 2
        sources, targets = ({c.get("identifier") for c in s} for s in sets)
        assert all(c.get("match-max", "").isdigit() for s in sets for c in s)
        assert all(
            v.split()[0] in sources and v.split()[1] in targets and len(v.split()) == 2 for v in values
        )
        assert int(interaction.get("max-associations", "1")) >= len(values)
    if kind == "qti-text-entry-interaction":
        float(values[0])
    for entry in declaration.findall(f"{Q}qti-mapping/{Q}qti-map-entry"):
        assert entry.get("map-key") and float(entry.get("mapped-value", ""))

    processing = root.find(f"{Q}qti-response-processing")
    assert processing is not None and (processing.get("template") or len(processing))
    if processing.get("template"):
        assert processing.get("template", "").startswith(
            "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
        )
    for reference in processing.iter():
        if local(reference.tag) in (
            "qti-variable",
            "qti-correct",
            "qti-map-response",
            "qti-set-outcome-value",
        ):
            assert reference.get("identifier") in declared
    for feedback in root.iter():
        if local(feedback.tag) in ("qti-modal-feedback", "qti-feedback-inline"):
            assert feedback.get("outcome-identifier") in declared
            assert feedback.get("show-hide") in ("show", "hide") and NCNAME.fullmatch(
                feedback.get("identifier", "")
            )
    for modal in root.findall(f"{Q}qti-modal-feedback"):
        assert modal.find(f"{Q}qti-content-body") is not None


RICH_BANK = [
    QuestionDraft(
        QuestionType.SINGLE,
        "Scenario: a thin patient.\n\nWhich depth is safe?",
        competency="SAF-02",
        options=(
            Option("1", "10 mm", True, "Yes"),
            Option("a b", "40 mm", feedback="Too deep"),
            Option("true", "60 mm", fixed=True),
        ),
        explanation="The pleura may lie 15 mm deep.",
        references=("Ref A",),
        difficulty=Difficulty.HARD,
        critical=True,
        scenario=True,
        external_id="SAF-0001",
        title="Depth\nover thorax",
        category="Safety",
    ),
    QuestionDraft(
        QuestionType.MULTIPLE,
        "Signs?",
        options=(Option("a", "x", True), Option("b", "y", True), Option("RESPONSE", "z")),
        scoring=Scoring.PARTIAL,
        external_id="bad id!",
    ),
    QuestionDraft(
        QuestionType.MULTIPLE,
        "All?",
        options=(Option("a", "x", True), Option("b", "y"), Option("c", "z", True, "fb")),
        explanation="E",
    ),
    QuestionDraft(QuestionType.TRUE_FALSE, "Recap needles?", options=true_false(False, "No!", "Right")),
    QuestionDraft(
        QuestionType.ORDERING,
        "Order",
        options=(Option("s1", "Clean", feedback="first"), Option("s2", "Insert"), Option("s3", "Dispose")),
        scoring=Scoring.PARTIAL,
        explanation="E",
    ),
    QuestionDraft(QuestionType.ORDERING, "Order again", options=(Option("a", "A"), Option("b", "B"))),
    QuestionDraft(
        QuestionType.MATCHING,
        "Match",
        pairs=(MatchPair("1", "L", "R"), MatchPair("m2", "L2", "R2")),
        scoring=Scoring.PARTIAL,
    ),
    QuestionDraft(
        QuestionType.MATCHING, "Match all", pairs=(MatchPair("a", "L", "R"), MatchPair("b", "2", "3"))
    ),
    QuestionDraft(QuestionType.NUMERIC, "Depth", numeric=NumericKey(20, 0.5, "mm"), explanation="Because"),
    QuestionDraft(QuestionType.NUMERIC, "Count", numeric=NumericKey(-3, 0)),
]


@pytest.fixture(scope="module")
def exported() -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(qti.dump(RICH_BANK)))


def test_every_exported_item_meets_the_qti3_rules(exported) -> None:
    items = [n for n in exported.namelist() if n != "imsmanifest.xml"]
    assert len(items) == len(RICH_BANK)
    for name in items:
        assert_qti3_item(exported.read(name))


def test_exported_manifest(exported) -> None:
    assert exported.namelist()[0] == "imsmanifest.xml"
    root = ET.fromstring(exported.read("imsmanifest.xml"))
    assert root.tag == f"{{{CP}}}manifest" and root.get("identifier")
    resources = root.findall(f"{{{CP}}}resources/{{{CP}}}resource")
    assert len(resources) == len(RICH_BANK)
    ids = [r.get("identifier") for r in resources]
    assert len(set(ids)) == len(ids) and all(NCNAME.fullmatch(i) for i in ids)
    for resource in resources:
        assert resource.get("type") == "imsqti_item_xmlv3p0"
        assert resource.find(f"{{{CP}}}file").get("href") == resource.get("href")
        assert resource.get("href") in exported.namelist()
    assert resources[0].get("href") == "items/SAF-0001.xml"


def test_exported_items_use_templates_where_they_can(exported) -> None:
    def processing(name: str) -> ET.Element:
        return ET.fromstring(exported.read(name)).find(f"{Q}qti-response-processing")

    assert processing("items/item-6.xml").get("template", "").endswith("/match_correct.xml")
    assert processing("items/item-4.xml").find(f".//{Q}qti-multiple") is not None  # feedback needs rules
    assert processing("items/bad_id_.xml").get("template", "").endswith("/map_response.xml")
    assert processing("items/item-9.xml").find(f".//{Q}qti-equal").get("tolerance-mode") == "absolute"
    assert processing("items/item-5.xml").find(f".//{Q}qti-index") is not None


def test_rich_bank_round_trips_with_sanitised_identifiers(exported) -> None:
    assert qti.parse(qti.dump(RICH_BANK)).drafts == tuple(RICH_BANK)
    xml = exported.read("items/SAF-0001.xml").decode()
    assert 'identifier="choice_1"' in xml and 'identifier="a_b"' in xml and 'identifier="true_2"' in xml


def test_dump_refuses_keys_qti_cannot_express() -> None:
    no_key = QuestionDraft(
        QuestionType.SINGLE, "S", options=(Option("a", "x"), Option("b", "y")), external_id="Q-9"
    )
    with pytest.raises(ValueError, match="Q-9"):
        qti.dump([no_key])
    with pytest.raises(ValueError, match="control character"):
        qti.dump([QuestionDraft(QuestionType.TRUE_FALSE, "nul \x00", options=true_false(True))])


def test_sniff() -> None:
    assert qti.sniff(qti.dump(RICH_BANK)) and qti.sniff(foreign_package())
    assert qti.sniff(FOREIGN_ITEMS["items/order.xml"].encode())
    assert not qti.sniff(package({"readme.txt": "x"}))
    assert not qti.sniff(b"<quiz/>")
