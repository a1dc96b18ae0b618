"""`flask quizbank …`: shell commands for operators."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from quizbank.errors import DomainError

group = AppGroup("quizbank", help="quizbank administration commands.")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)


@group.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["trainee", "instructor", "admin"]), default="trainee", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create an account (use it for the first admin)."""
    from quizbank.models import Role
    from quizbank.services import people

    try:
        user = people.create_user(email=email, name=name, role=Role(role), password=password)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role.value} {user.email}")


@group.command("check-bank")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def check_bank_command(files: tuple[str, ...]) -> None:
    """Validate bank files (the bundled banks when none are named); print every problem as file:line."""
    from pathlib import Path

    from quizbank.services.bank_files import bundled_bank_paths, read_sources

    paths = [Path(f) for f in files] or bundled_bank_paths()
    sources, problems = read_sources(paths)
    for problem in problems:
        click.echo(f"{problem}" + (" (warning)" if problem.severity == "warning" else ""))
    count = sum(len(s.drafts) for s in sources)
    errors = sum(1 for p in problems if p.severity == "error")
    if errors:
        raise click.ClickException(f"{errors} problem(s) in {len(paths)} file(s)")
    warnings = len(problems) - errors
    click.echo(f"{len(paths)} file(s), {count} questions: no problems" + (f", {warnings} warning(s)." if warnings
                                                                          else "."))


@group.command("load-banks")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def load_banks_command(files: tuple[str, ...]) -> None:
    """Load bank files into the database (idempotent; the bundled banks when none are named)."""
    from pathlib import Path

    from quizbank.services.bank_loading import BankInvalid, load_banks

    try:
        report = load_banks([Path(f) for f in files] or None)
    except BankInvalid as exc:
        for line in exc.problems:
            click.echo(line, err=True)
        raise click.ClickException(exc.message) from exc
    click.echo(f"Banks loaded: {report.summary()}")
    for qid in report.conflicts:
        click.echo(f"  conflict: {qid} was edited in the browser; the file's version is kept as a draft", err=True)


@group.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo cohort: one admin, one instructor, three trainees (idempotent)."""
    from quizbank.services.demo import (
        DEMO_ACCOUNTS,
        DEMO_COHORT,
        seed_demo,
        seed_demo_certificates,
        seed_demo_history,
    )

    created = seed_demo()
    certificates = seed_demo_certificates()
    history = seed_demo_history()
    if history:
        click.echo(f"{history} graded attempts of past (inactive) demo trainees, for the statistics pages.")
    if certificates:
        click.echo(f"{certificates} demo certificate(s) issued (one of them expiring soon).")
    click.echo(f"{DEMO_COHORT}: {len(created)} account(s) created, {len(DEMO_ACCOUNTS) - len(created)} already there.")
    click.echo("Demo sign-ins (change them before any real use):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role.value:<10} {account.email:<28} {account.password}")


@group.command("seed-track")
def seed_track_command() -> None:
    """Create the default certification track over the bundled modules (idempotent)."""
    from quizbank.services.tracks import seed_default_track

    try:
        track = seed_default_track()
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created track {track.code}." if track else "The default track exists already.")


@group.command("close-expired")
def close_expired_command() -> None:
    """Grade every attempt left open past its deadline (run it from cron, or let trainees' visits do it)."""
    from flask import current_app

    from quizbank.models import utcnow
    from quizbank.services.attempts import close_expired

    closed = close_expired(now=utcnow(), grace_seconds=int(current_app.config["ATTEMPT_GRACE_SECONDS"]))
    click.echo(f"{closed} expired attempt(s) graded.")


@group.command("write-statistics-copies")
def write_statistics_copies_command() -> None:
    """Write the item-statistics copies of graded attempts that still wait for them (run it from cron after a
    sitting; the statistics page also writes its module's before reading)."""
    from quizbank.services.statistics_copies import write_pending

    click.echo(f"Statistics copies written for {write_pending()} graded attempt(s).")


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "format_name", default="",
              help="gift, aiken, moodle_xml, qti or native (default: recognised by content)")
@click.option("--default-competency", default="", help="Competency for questions that name none, e.g. SAF-03.")
@click.option("--map", "maps", multiple=True, metavar="CATEGORY=COMPETENCY",
              help="Map a file category to a competency.")
@click.option("--as", "author_email", default="", help="Email of the instructor the drafts are attributed to.")
@click.option("--dry-run", is_flag=True, help="Only report what would happen.")
def import_command(file: str, format_name: str, default_competency: str, maps: tuple[str, ...], author_email: str,
                   dry_run: bool) -> None:
    """Import a question file as drafts for review (all or nothing), after printing the dry-run report."""
    from pathlib import Path

    from sqlalchemy import select

    from quizbank.extensions import db
    from quizbank.models import User
    from quizbank.services import bank_import
    from quizbank.services.unit_of_work import write_transaction

    mapping = dict(m.split("=", 1) for m in maps if "=" in m)
    data = Path(file).read_bytes()
    try:
        plan = bank_import.plan(data, mapping=mapping, default_competency=default_competency, format_name=format_name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{plan.format_label}: {plan.count('create')} to create, {plan.count('new_version')} new versions, "
               f"{plan.count('unchanged')} unchanged, {plan.refused} refused")
    for problem in plan.file_problems:
        click.echo(f"  not imported: {problem}", err=True)
    for item in plan.items:
        if item.action == "refused":
            click.echo(f"  refused #{item.position} {item.external_id}: {'; '.join(item.reasons)}", err=True)
    if dry_run:
        return
    author = None
    if author_email:
        author = db.session.scalar(select(User).where(User.email == author_email.strip().casefold()))
    if author_email and author is None:
        raise click.ClickException(f"No account with the email {author_email}.")
    with write_transaction(), click.progressbar(length=len(plan.items), label="Importing") as bar:
        result = bank_import.apply(plan.items, user_id=author.id if author else None, progress=bar.update)  # type: ignore[arg-type]
    click.echo(f"Imported as drafts: {len(result.created)} created, {len(result.new_versions)} new versions.")


@group.command("export")
@click.option("--format", "format_name", required=True, help="gift, aiken, moodle_xml, qti or native")
@click.option("--module", required=True, help="Module code, e.g. SAF")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: named after the module)")
def export_command(format_name: str, module: str, output: str | None) -> None:
    """Export a module's questions in one of the supported formats."""
    from pathlib import Path

    from quizbank.services.bank_export import export

    try:
        result = export(format_name, module_code=module)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    path = Path(output or result.filename)
    path.write_bytes(result.data)
    click.echo(f"{result.count} question(s) written to {path}")
