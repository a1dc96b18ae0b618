"""Uploads: a size limit, the type judged by content (never by name or declared type), safe names, and
XML that cannot reach the server's files or memory."""

from __future__ import annotations

import io
import secrets
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizbank.errors import DomainError
from quizbank.models import ImportBatch, Question
from tests.html_safety import live_script
from tests.security.routes import tiny_png

ROOT = Path(__file__).resolve().parents[2]
AIKEN = b"Which structure is at risk when needling the upper trapezius too deeply?\nA. The lung apex\n" \
        b"B. The femoral nerve\nC. The radial artery\nD. The spleen\nANSWER: A\n"


def _upload(client, data: bytes, filename: str,  # type: ignore[no-untyped-def]
            content_type: str = "application/octet-stream", bank_format: str = ""):
    return client.post("/instructor/import",
                       data={"file": (io.BytesIO(data), filename, content_type), "format": bank_format},
                       content_type="multipart/form-data")


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(app, db, client, login_as, figure):
    login_as("instructor")
    limit = app.config["MAX_CONTENT_LENGTH"]
    too_big = _upload(client, b"x" * (limit + 1), "huge.gift")
    from quizbank import formats

    over_import_limit = _upload(client, AIKEN + b"\n" * (formats.MAX_IMPORT_BYTES + 1), "big.txt")
    import_refused = over_import_limit.status_code == 200 and "larger than" in over_import_limit.get_data(as_text=True)
    figure(f"upload limits: request > {limit // 2**20} MiB -> {too_big.status_code}; import file > "
           f"{formats.MAX_IMPORT_BYTES // 2**20} MiB -> refused={import_refused}")
    assert too_big.status_code == 413 and "File too large" in too_big.get_data(as_text=True)
    assert import_refused
    assert db.session.scalar(select(ImportBatch.id)) is None


def test_images_are_accepted_by_content_and_served_only_as_what_they_are(app, db, client, login_as, figure):
    from quizbank.services import images
    from quizbank.services.unit_of_work import write_transaction

    instructor = login_as("instructor")
    refused = {}
    impostors = {
        "html named .png": b"<html><script>alert(1)</script></html>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
        "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
               b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        "truncated png": tiny_png()[:40],
        "empty": b"",
        "too large": b"\x89PNG\r\n\x1a\n" + b"\x00" * (images.MAX_BYTES + 1),
    }
    for label, data in impostors.items():
        try:
            with write_transaction():
                images.store_image(data, uploaded_by=instructor.id)
            refused[label] = False
        except DomainError:
            refused[label] = True
    polyglot = tiny_png() + b"<html><script>alert(1)</script></html>"
    with write_transaction():
        stored = images.store_image(polyglot, uploaded_by=instructor.id)
    served = client.get(f"/media/{stored.sha256}")
    figure(f"image uploads refused by content: {sum(refused.values())}/{len(refused)}; a PNG+HTML polyglot is "
           f"served as {served.mimetype} with nosniff and CSP '{served.headers.get('Content-Security-Policy')}'")
    assert all(refused.values()), refused
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"].startswith("inline")


def test_import_type_is_judged_by_content_not_by_name_or_declared_type(db, client, login_as):
    login_as("instructor")
    png_named_gift = _upload(client, tiny_png(), "bank.gift", "text/plain")
    html_named_xml = _upload(client, b"<html><body><script>alert(1)</script></body></html>", "bank.xml",
                             "application/xml")
    aiken_named_png = _upload(client, AIKEN, "picture.png", "image/png")
    assert png_named_gift.status_code == 200 and html_named_xml.status_code == 200
    assert aiken_named_png.status_code == 302, "an Aiken file is read as Aiken whatever its name says"
    assert [b.format_name for b in db.session.scalars(select(ImportBatch))] == ["aiken"]


@pytest.mark.parametrize("filename", ["../../../../tmp/qb-evil-{tag}.gift", "..\\..\\qb-evil-{tag}.gift",
                                      "/etc/qb-evil-{tag}", "<img src=x onerror=alert(1)>{tag}.txt",
                                      "qb-evil-{tag}\x00.txt"])
def test_uploaded_file_names_are_only_ever_shown_as_text(db, client, login_as, filename):
    login_as("instructor")
    tag = secrets.token_hex(4)
    name = filename.format(tag=tag)
    response = _upload(client, AIKEN, name)
    assert response.status_code == 302
    plan = client.get(response.headers["Location"]).get_data(as_text=True)
    assert live_script(plan) == []
    written = [p for base in (Path("/tmp"), Path("/etc"), ROOT, ROOT / "instance") for p in base.glob(f"*{tag}*")]
    assert written == [], "an upload's name chose where something was written"


def test_xml_imports_cannot_read_server_files_or_exhaust_memory(db, client, login_as, figure, tmp_path):
    login_as("instructor")
    # A file of our own with a random secret: a system file's short content (a hostname such as "vm")
    # can turn up in any page by chance and would report a leak that did not happen.
    secret = tmp_path / "server-secret.txt"
    secret.write_text(f"server-secret-{secrets.token_hex(16)}\n")
    external = f"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY leak SYSTEM "file://{secret}">]>
<quiz><question type="truefalse"><name><text>&leak;</text></name>
<questiontext format="html"><text>Entity: &leak;</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
</question></quiz>""".encode()
    laughs = b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' \
             b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">' \
             b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">' \
             b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>' \
             b'<quiz><question type="truefalse"><name><text>&h;</text></name></question></quiz>'
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", b"<manifest/>")
        archive.writestr("../../escape.xml", b"<x/>")
        archive.writestr("items/huge.xml", b"\0" * (120 * 1024 * 1024))
    # Recognised from the content, a DOCTYPE already fails the sniffing; named explicitly, the file
    # reaches the XML parser itself, which must refuse the entities rather than expand them.
    leaky_package = io.BytesIO()
    with zipfile.ZipFile(leaky_package, "w") as archive:
        archive.writestr("imsmanifest.xml", f"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY leak SYSTEM "file://{secret}">]>
<manifest identifier="&leak;"><resources><resource identifier="&leak;" href="item.xml"/></resources></manifest>""")
    uploads = [(external, "leak.xml", ""), (external, "leak.xml", "moodle_xml"),
               (leaky_package.getvalue(), "leak.zip", "qti"),
               (laughs, "laughs.xml", ""), (laughs, "laughs.xml", "moodle_xml"), (bomb.getvalue(), "bomb.zip", "")]
    questions_before = db.session.scalar(select(func.count(Question.id)))
    started = time.perf_counter()
    pages = {}
    for data, name, bank_format in uploads:
        response = _upload(client, data, name, bank_format=bank_format)
        page = client.get(response.headers["Location"]).get_data(as_text=True) if response.status_code == 302 \
            else response.get_data(as_text=True)
        pages[name, bank_format] = page
    elapsed = time.perf_counter() - started
    leaked = secret.read_text().strip()
    refused_by_parser = [key for key, page in pages.items() if key[1] and "refused for safety" in page]
    figure(f"hostile xml and zip imports: external entity leaked={any(leaked in p for p in pages.values())} "
           f"refused by the XML parser={len(refused_by_parser)}/3 "
           f"billion laughs and a {len(bomb.getvalue()) // 1024} KiB zip bomb handled in {elapsed:.2f}s; "
           f"questions stored={db.session.scalar(select(func.count(Question.id))) - questions_before}")
    assert not any(leaked in page for page in pages.values())
    assert "lol" * 100 not in "".join(pages.values())
    assert sorted(refused_by_parser) == [("laughs.xml", "moodle_xml"), ("leak.xml", "moodle_xml"), ("leak.zip", "qti")]
    assert elapsed < 10
    assert db.session.scalar(select(func.count(Question.id))) == questions_before, "none of these is a bank file"
    recognised = [batch.filename for batch in db.session.scalars(select(ImportBatch))]
    assert sorted(recognised) == ["laughs.xml", "leak.xml", "leak.zip"], "only a named format keeps a dry run"
