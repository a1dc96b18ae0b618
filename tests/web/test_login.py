from __future__ import annotations

import re

from tests.conftest import PASSWORD


def test_admin_creates_a_trainee_who_can_then_sign_in_and_see_the_dashboard(client, login_as, login):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "name": "Ada Trainee", "email": "ada@example.org", "role": "trainee",
        "password": "a long enough passphrase",
    })
    assert response.status_code == 302
    client.post("/logout")
    response = client.post("/login", data={"email": "ADA@example.org", "password": "a long enough passphrase"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/trainee/")
    page = client.get("/trainee/").get_data(as_text=True)
    assert "Your modules" in page and "Ada Trainee" in page


def test_wrong_password_and_unknown_account_get_the_same_message(client, make_user):
    user = make_user()
    wrong = client.post("/login", data={"email": user.email, "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 200
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)
    assert "Email or password is incorrect." in unknown.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)


def test_next_redirect_stays_on_site(client, make_user):
    user = make_user("admin")
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]:
        response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/admin/", target
        client.post("/logout")
    response = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_a_cookie_copied_before_logout_stops_working(app, client, login_as):
    login_as("trainee")
    copied = client.get_cookie("quizbank_session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("quizbank_session", copied)
    assert thief.get("/trainee/").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user, login):
    user = make_user()
    other = app.test_client()
    login(user, c=other)
    login(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "another fine passphrase",
        "confirm": "another fine passphrase"})
    assert response.status_code == 302
    assert client.get("/trainee/").status_code == 200
    assert other.get("/trainee/").status_code == 302


def test_deactivation_ends_the_trainees_session_at_once(app, client, make_user, login):
    trainee = make_user()
    trainee_client = app.test_client()
    login(trainee, c=trainee_client)
    assert trainee_client.get("/trainee/").status_code == 200
    login(make_user("admin"))
    assert client.post(f"/admin/users/{trainee.id}/active", data={"active": "0"}).status_code == 302
    assert trainee_client.get("/trainee/").status_code == 302


def test_common_and_short_passwords_are_refused_with_a_reason(client, login_as):
    login_as("admin")
    for password, reason in [("password123", "most common"), ("short", "at least 10")]:
        page = client.post("/admin/users/new", data={"name": "X Y", "email": "xy@example.org", "role": "trainee",
                                                     "password": password}).get_data(as_text=True)
        assert reason in page


def test_sixty_four_character_password_is_accepted(client, login_as):
    login_as("admin")
    long_password = "horse-battery-staple-" * 3 + "x"
    assert len(long_password) == 64
    response = client.post("/admin/users/new", data={"name": "Long Pass", "email": "lp@example.org",
                                                     "role": "trainee", "password": long_password})
    assert response.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": "lp@example.org", "password": long_password}).status_code == 302


def test_invitation_link_sets_a_password_once(client, login_as):
    login_as("admin")
    page = client.post("/admin/users/new", data={"name": "Invited Person", "email": "inv@example.org",
                                                 "role": "instructor", "password": ""}).get_data(as_text=True)
    match = re.search(r'id="link" readonly value="[^"]*(/invite/[^"]+)"', page)
    assert match, page
    path = match.group(1)
    client.post("/logout")
    response = client.post(path, data={"new_password": "my own passphrase", "confirm": "my own passphrase"})
    assert response.status_code == 302
    assert client.get(path).status_code == 404
    assert client.post("/login", data={"email": "inv@example.org", "password": "my own passphrase"}).status_code == 302
