"""Login, profile, password, language, and the admin's people pages."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import hooks
from app.accounts import anonymise as anonymisation
from app.accounts import personal_data, queries, services, sessions, sso
from app.accounts.forms import (
    ROLE_LABELS,
    USER_TYPE_LABELS,
    ChangePasswordForm,
    ConfirmForm,
    LocaleForm,
    LoginForm,
    NewPersonForm,
    PersonForm,
    ProfileForm,
)
from app.accounts.models import LOCALES, ROLES, User
from app.accounts.personal_data_forms import AnonymiseForm
from app.audit import services as audit
from app.audit.actions import ACTION_LABELS
from app.common.access import role_required
from app.common.forms import show_domain_error
from app.common.tables import download
from app.common.time import local_today
from app.common.transaction import form_page, form_status, run_change, transaction
from app.common.urls import external_url, safe_next_url
from app.errors import DomainError
from app.extensions import db, limiter
from app.stars import services as stars

bp = Blueprint("accounts", __name__)

# Endpoints a person who must change their password may still reach.
OPEN_WHILE_PASSWORD_EXPIRED = {
    "accounts.change_password",
    "accounts.logout",
    "accounts.set_locale",
    "static",
}


def login_limit_key() -> str:
    """Per client address and account, so one campus NAT address does not lock out everyone
    and nobody elsewhere can lock a named account out. The account is counted whichever
    identifier is typed (student number or email, any case): its id when it exists."""
    identifier = (request.form.get("identifier") or "").strip().lower()
    user = None
    if len(identifier) <= 254 and identifier.isprintable():
        user = services.find_by_login(identifier)
    account = f"user:{user.id}" if user is not None else f"text:{identifier}"
    return f"{request.remote_addr}|{account}"


@bp.before_app_request
def require_password_change():
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in OPEN_WHILE_PASSWORD_EXPIRED
        and not request.path.startswith("/api/")
    ):
        flash(_("Please choose a new password before you continue."), "warning")
        return redirect(url_for("accounts.change_password"))
    return None


@bp.before_app_request
def note_login_day():
    """A remembered phone rarely logs in again: the first page a logged-in person opens on
    a day counts that day for engagement (once a day, noted in the session)."""
    if not current_user.is_authenticated or request.path.startswith(("/static/", "/api/")):
        return
    today = local_today().isoformat()
    if session.get("login_day") == today:
        return
    with transaction():
        services.record_login_day(current_user.id)
    session["login_day"] = today


@bp.before_app_request
def note_device_seen():
    """Note when this device's login was last used, for the profile's device list (written
    at most every few minutes)."""
    if current_user.is_authenticated and sessions.touch(current_user.login_session):
        db.session.commit()


def start_login(user: User, *, remember: bool) -> None:
    """A new login session for this device, committed, then the cookies that carry it."""
    with transaction():
        sessions.start_session(user, user_agent=request.headers.get("User-Agent"))
        for finish in hooks.LOGGED_IN.providers:
            finish(user)
    session.permanent = True
    login_user(user, remember=remember)
    session["locale"] = user.locale


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=login_limit_key, methods=["POST"]
)
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"])
def login():
    next_url = safe_next_url(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    form = LoginForm(next=next_url or "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.identifier.data, form.password.data)
        except DomainError as error:
            flash(str(error.message), "danger")
        else:
            chosen = session.pop("locale_chosen", None)
            if chosen:
                services.set_locale(user, chosen)
            start_login(user, remember=form.remember.data)
            target = safe_next_url(form.next.data)
            if user.must_change_password and target:
                # The new password first, then on to the page the person came for (a
                # campaign poster's QR code, a kiosk's check-in link).
                return redirect(url_for("accounts.change_password", next=target))
            return redirect(target or url_for("home.index"))
    return render_template(
        "accounts/login.html",
        form=form,
        cas_enabled=sso.cas_enabled(),
        oidc_enabled=sso.oidc_enabled(),
        sso_only=sso.sso_only(),
    ), form_status(form)


@bp.route("/logout", methods=["POST"])
def logout():
    if ConfirmForm().validate_on_submit():
        provider = session.pop("sso", None)
        if current_user.is_authenticated:
            with transaction():
                sessions.end_session(current_user.login_session)
        logout_user()
        flash(_("You have logged out."), "info")
        # End the campus login too, or the next "campus login" would be silent. A page that
        # moves on by itself, not a redirect: the CSP's form-action would stop this form's
        # redirect to another site.
        ended = sso.provider_logout_url(provider, external_url("accounts.login"))
        if ended:
            return render_template("accounts/logged_out.html", provider_logout_url=ended)
    return redirect(url_for("accounts.login"))


@bp.route("/locale", methods=["POST"])
def set_locale():
    form = LocaleForm()
    locale = form.locale.data if form.validate_on_submit() else None
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            with transaction():
                services.set_locale(current_user, locale)
        else:
            # Chosen before logging in: becomes the person's choice at login.
            session["locale_chosen"] = locale
    return redirect(safe_next_url(form.next.data) or url_for("home.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.set_affiliation_choices(services.colleges(), services.majors())
    if form.validate_on_submit():
        data = services.ProfileFields(
            nickname=form.nickname.data,
            phone=form.phone.data,
            email=form.email.data,
            college_id=form.college_id.data,
            major_id=form.major_id.data,
            enrolment_year=form.enrolment_year.data,
            hide_from_boards=form.hide_from_boards.data,
        )
        if run_change(
            lambda: services.update_profile(current_user, data),
            _("Your profile has been saved."),
            form=form,
        ):
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html",
        form=form,
        role_labels=ROLE_LABELS,
        devices=sessions.live_sessions(current_user.id),
        this_device=current_user.login_session,
        logout_all_form=ConfirmForm(),
        stars=stars.stars_of(current_user.id),
    ), form_status(form)


@bp.route("/profile/devices/logout", methods=["POST"])
@login_required
def logout_everywhere():
    """End the login on every device of the person, this one included."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.profile"))
    with transaction():
        sessions.log_out_everywhere(current_user)
    session.pop("sso", None)
    logout_user()
    flash(_("You have been logged out on all your devices."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            # Every login ended, this one too: log in again on this device only.
            start_login(current_user._get_current_object(), remember=True)
            flash(_("Your password has been changed."), "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/change_password.html", form=form), form_status(form)


@bp.route("/admin/people")
@role_required("admin")
def people():
    filters = queries.PeopleFilter(
        text=request.args.get("q", ""),
        role=request.args.get("role", "") if request.args.get("role") in ROLES else "",
        college_id=request.args.get("college", type=int),
        status=request.args.get("status", ""),
    )
    page = db.paginate(
        queries.people_query(filters), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render_template(
        "accounts/people.html",
        page=page,
        filters=filters,
        colleges=services.colleges(),
        role_labels=ROLE_LABELS,
        user_type_labels=USER_TYPE_LABELS,
    )


def _person_fields(form: PersonForm) -> services.PersonFields:
    return services.PersonFields(
        student_number=form.student_number.data,
        name=form.name.data,
        email=form.email.data,
        nickname=form.nickname.data,
        phone=form.phone.data,
        user_type=form.user_type.data,
        college_id=form.college_id.data,
        major_id=form.major_id.data,
        enrolment_year=form.enrolment_year.data,
    )


@bp.route("/admin/people/new", methods=["GET", "POST"])
@role_required("admin")
def new_person():
    form = NewPersonForm()
    form.set_affiliation_choices(services.colleges(), services.majors())
    return form_page(
        form,
        lambda: services.create_person(
            _person_fields(form),
            password=form.password.data,
            roles=form.roles.data,
            actor=current_user,
        ),
        lambda person: _("%(name)s has been created.", name=person.name),
        then=lambda person: url_for("accounts.person", user_id=person.id),
        template="accounts/person_form.html",
        person=None,
    )


@bp.route("/admin/people/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def person(user_id: int):
    person = db.get_or_404(User, user_id)
    form = PersonForm(obj=person)
    form.set_affiliation_choices(services.colleges(), services.majors())
    if request.method == "GET":
        form.roles.data = sorted(person.role_names)
    if form.validate_on_submit():

        def save() -> None:
            services.update_person(person, _person_fields(form), actor=current_user)
            services.set_roles(person, form.roles.data, actor=current_user)

        if run_change(save, _("The changes have been saved."), form=form):
            return redirect(url_for("accounts.person", user_id=person.id))
    return render_template(
        "accounts/person_form.html",
        form=form,
        person=person,
        action_form=ConfirmForm(),
        history=audit.entries_for("user", person.id),
        audit_labels=ACTION_LABELS,
        can_anonymise=anonymisation.can_anonymise(person, current_user),
    ), form_status(form)


@bp.route("/admin/people/<int:user_id>/reset-password", methods=["POST"])
@role_required("admin")
def reset_password(user_id: int):
    person = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.person", user_id=user_id))
    with transaction():
        temporary = services.reset_password(person, actor=current_user)
    return render_template("accounts/password_reset.html", person=person, temporary=temporary)


@bp.route("/admin/people/<int:user_id>/active", methods=["POST"])
@role_required("admin")
def set_active(user_id: int):
    person = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        run_change(
            lambda: services.set_active(person, active, actor=current_user),
            _("The account is active again.") if active else _("The account has been deactivated."),
        )
    return redirect(url_for("accounts.person", user_id=user_id))


@bp.route("/profile/data")
@login_required
def personal_data_page():
    with transaction():
        data = personal_data.export_personal_data(current_user, fmt="page")
    return render_template(
        "accounts/personal_data.html",
        data=personal_data.for_display(data),
        sections=personal_data.sections(),
        labels=personal_data.field_labels(),
        role_labels=ROLE_LABELS,
        user_type_labels=USER_TYPE_LABELS,
    )


@bp.route("/profile/data.json")
@login_required
def personal_data_json():
    with transaction():
        data = personal_data.export_personal_data(current_user, fmt="json")
    number = re.sub(r"[^A-Za-z0-9_-]", "", current_user.student_number) or str(current_user.id)
    filename = f"gongchuang-{number}-{data['generated_at']:%Y%m%d}.json"
    response = download(personal_data.to_json(data), filename, "application/json; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/people/<int:user_id>/anonymise", methods=["GET", "POST"])
@role_required("admin")
def anonymise(user_id: int):
    person = db.get_or_404(User, user_id)
    form = AnonymiseForm()
    return form_page(
        form,
        lambda: anonymisation.anonymise_person(
            person,
            actor=current_user,
            confirmation=form.confirmation.data,
            reason=form.reason.data,
        ),
        _("The person has been anonymised."),
        then=url_for("accounts.person", user_id=person.id),
        template="accounts/anonymise.html",
        person=person,
        can_anonymise=anonymisation.can_anonymise(person, current_user),
    )
