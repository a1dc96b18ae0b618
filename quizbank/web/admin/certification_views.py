"""Administration of certification: dashboard, CSV, trainee file, grant/suspend/revoke/reinstate, tracks, audit."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import Certificate, CertificateState, Module
from quizbank.services import audit_log, cert_dashboard, certification, directory, tracks, trainee_file
from quizbank.web.choices import choices
from quizbank.web.clock import now

from .cert_forms import GrantForm, ReasonForm, TrackForm
from .views import bp

ACTIONS = {"suspend": CertificateState.SUSPENDED, "revoke": CertificateState.REVOKED,
           "reinstate": CertificateState.ACTIVE}


def _dashboard_query(default_track: int) -> cert_dashboard.DashboardQuery:
    args = request.args
    expiring = args.get("expiring", type=int)
    return cert_dashboard.DashboardQuery(
        track_id=args.get("track", default_track, type=int), cohort_id=args.get("cohort", type=int) or None,
        status=args.get("status", ""), expiring_within_days=expiring if expiring and expiring > 0 else None,
        text=args.get("q", "")[:100], sort=args.get("sort", "name"), descending=args.get("dir") == "desc",
        page=max(1, args.get("page", 1, type=int)), per_page=min(100, max(10, args.get("per_page", 25, type=int))),
    )


@bp.get("/certification")
def certification_dashboard() -> str:
    all_tracks = tracks.all_tracks()
    if not all_tracks:
        return render_template("admin/certification.html", track=None, page=None, tracks=[], cohorts=[], query=None)
    query = _dashboard_query(all_tracks[0].id)
    try:
        track, page = cert_dashboard.dashboard(query, now())
    except LookupError:
        abort(404)
    return render_template("admin/certification.html", track=track, page=page, tracks=all_tracks,
                           cohorts=directory.cohorts_with_counts(), query=query, statuses=cert_dashboard.STATUSES)


@bp.get("/certification.csv")
def certification_csv() -> WerkzeugResponse:
    all_tracks = tracks.all_tracks()
    if not all_tracks:
        abort(404)
    query = _dashboard_query(all_tracks[0].id)
    moment = now()
    return Response(stream_with_context(cert_dashboard.csv_lines(query, moment)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=certification-{moment:%Y%m%d}.csv"})


@bp.get("/trainees/<int:user_id>")
def trainee(user_id: int) -> str:
    record = trainee_file.trainee_file(user_id)
    return render_template("admin/trainee.html", record=record, tracks=tracks.all_tracks(),
                           modules=db.session.scalars(db.select(Module).order_by(Module.position)).all())


@bp.route("/trainees/<int:user_id>/grant", methods=["GET", "POST"])
def grant(user_id: int) -> str | WerkzeugResponse:
    record = trainee_file.trainee_file(user_id)
    form = GrantForm()
    form.track.choices = choices((t.id, t.name) for t in tracks.all_tracks())
    if form.validate_on_submit():
        try:
            cert = certification.grant(actor_id=current_user.id, user_id=user_id, track_id=form.track.data,
                                       reason=form.reason.data or "", now=now())
        except DomainError as exc:
            form.reason.errors.append(exc.message)
        else:
            flash(f"Certificate {cert.reference} granted to {record.user.name}.", "success")
            return redirect(url_for("admin.trainee", user_id=user_id))
    return render_template("admin/confirm_certificate.html", form=form, record=record,
                           title=f"Grant a certificate to {record.user.name}",
                           warning="This overrides the track's requirements. Say why.")


@bp.route("/certificates/<int:certificate_id>/<action>", methods=["GET", "POST"])
def certificate_action(certificate_id: int, action: str) -> str | WerkzeugResponse:
    target = ACTIONS.get(action)
    cert = db.session.get(Certificate, certificate_id)
    if target is None or cert is None:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            certification.change_state(actor_id=current_user.id, certificate_id=certificate_id, to=target,
                                       reason=form.reason.data or "", now=now())
        except DomainError as exc:
            form.reason.errors.append(exc.message)
        else:
            flash(f"Certificate {cert.reference}: {action} recorded; the verification page shows it now.", "success")
            return redirect(url_for("admin.trainee", user_id=cert.user_id))
    return render_template("admin/confirm_certificate.html", form=form, certificate=cert,
                           title=f"{action.capitalize()} certificate {cert.reference} of {cert.user.name}",
                           warning={"suspend": "The certificate shows as suspended until it is reinstated.",
                                    "revoke": "Revocation is permanent and shown publicly with its date.",
                                    "reinstate": "The certificate becomes valid again."}[action])


def _track_spec(form: TrackForm) -> tracks.TrackSpec:
    skills = []
    for line in (form.skills.data or "").splitlines():
        if line.strip():
            code, _, title = line.partition(":")
            if not title.strip():
                raise DomainError(f"Write each skill as CODE: title (line {line.strip()!r}).")
            skills.append((code.strip().upper(), title.strip()))
    return tracks.TrackSpec(
        code=form.code.data or "", name=form.name.data or "", description=form.description.data or "",
        validity_months=form.validity_months.data or 36, module_codes=tuple(form.modules.data or ()),
        skills=tuple(skills), supervised_hours=float(form.supervised_hours.data or 0),
        renewal_module_codes=tuple(form.renewal_modules.data or ()),
        renewal_ce_hours=float(form.renewal_ce_hours.data or 0), active=bool(form.active.data))


@bp.get("/tracks")
def track_list() -> str:
    return render_template("admin/tracks.html", tracks=tracks.all_tracks())


@bp.route("/tracks/new", methods=["GET", "POST"], defaults={"track_id": None})
@bp.route("/tracks/<int:track_id>", methods=["GET", "POST"])
def track_edit(track_id: int | None) -> str | WerkzeugResponse:
    existing = tracks.get_track(track_id) if track_id else None
    form = TrackForm(obj=existing)
    codes = [(m.code, f"{m.code} · {m.title}") for m in db.session.scalars(db.select(Module).order_by(Module.position))]
    form.modules.choices = choices(codes)
    form.renewal_modules.choices = choices(codes)
    if existing and request.method == "GET":
        form.modules.data = [m.code for m in existing.modules]
        form.renewal_modules.data = list(existing.renewal_module_codes or [])
        form.skills.data = "\n".join(f"{s.code}: {s.title}" for s in existing.skills)
    if form.validate_on_submit():
        try:
            track = tracks.save_track(_track_spec(form), actor_id=current_user.id, track_id=track_id)
        except DomainError as exc:
            form.code.errors.append(exc.message)
        else:
            flash(f"Track {track.name} saved.", "success")
            return redirect(url_for("admin.track_list"))
    return render_template("admin/track_form.html", form=form, track=existing)


@bp.get("/audit")
def audit() -> str:
    args = request.args

    def _date(name: str) -> date | None:
        try:
            return date.fromisoformat(args.get(name, ""))
        except ValueError:
            return None

    page = audit_log.search(actor=args.get("actor", "")[:100], subject_type=args.get("subject", "")[:32],
                            subject_id=args.get("subject_id", type=int), action=args.get("action", "")[:64],
                            since=_date("from"), until=_date("to"), page=args.get("page", 1, type=int))
    return render_template("admin/audit.html", page=page, args=args)


@bp.route("/standard-setting/<int:study_id>/adopt", methods=["GET", "POST"])
def adopt_cut_score(study_id: int) -> str | WerkzeugResponse:
    from quizbank.services import standard_setting

    view = standard_setting.view(study_id, current_user.id)
    if request.method == "POST":
        try:
            mark = standard_setting.adopt(admin_id=current_user.id, study_id=study_id)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"{view.study.module.code} pass mark is now {mark}%. The study is kept.", "success")
        return redirect(url_for("instructor.study", study_id=study_id))
    return render_template("admin/adopt_cut.html", view=view)
