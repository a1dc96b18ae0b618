from __future__ import annotations

from tests.conftest import PASSWORD


def test_posts_without_a_csrf_token_are_refused(app, client, make_user):
    user = make_user("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_login_form_with_its_token_works(app, client, make_user):
    user = make_user("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
