"""Who may reach the studio: this computer only, or token holders with --host; no cross-site writes."""

from __future__ import annotations

from a2i.studio import create_app
from a2i.studio.security import COOKIE, HEADER


def test_a_request_from_another_address_is_refused(client):
    refused = client.get("/api/projects", environ_base={"REMOTE_ADDR": "192.168.1.23"})
    assert refused.status_code == 403
    assert "only answers this computer" in refused.get_json()["error"]
    assert client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 403
    assert client.get("/api/projects", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/api/projects", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_a_foreign_host_name_is_refused_against_dns_rebinding(client):
    assert client.get("/api/projects", headers={"Host": "evil.example:8765"}).status_code == 403
    assert client.get("/api/projects", headers={"Host": "localhost:8765"}).status_code == 200
    assert client.get("/api/projects", headers={"Host": "127.0.0.1:8765"}).status_code == 200


def test_with_a_token_every_client_must_present_it(folder):
    app = create_app({"FOLDER": str(folder), "ACCESS_TOKEN": "s3cret-token"})
    client = app.test_client()
    remote = {"REMOTE_ADDR": "192.168.1.23"}
    assert client.get("/api/projects", environ_base=remote).status_code == 403
    assert client.get("/?token=wrong", environ_base=remote).status_code == 403
    entry = client.get("/?token=s3cret-token", environ_base=remote)
    assert entry.status_code == 302 and "?token" not in entry.headers["Location"]
    assert COOKIE in entry.headers["Set-Cookie"] and "HttpOnly" in entry.headers["Set-Cookie"]
    assert client.get("/api/projects", environ_base=remote).status_code == 200  # the cookie now opens it
    other = app.test_client()
    other.set_cookie(COOKIE, "guess")
    assert other.get("/api/projects", environ_base=remote).status_code == 403


def test_a_write_without_the_studio_header_is_refused(client, songs):
    with open(songs["short"], "rb") as f:
        forged = client.post("/api/projects", data={"file": (f, "short.wav")})
    assert forged.status_code == 403 and HEADER in forged.get_json()["error"]
    assert client.get("/api/projects").get_json() == {"projects": []}


def test_pages_carry_a_strict_content_security_policy(client):
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert b"cdn" not in page.data.lower() and b"https://" not in page.data


def test_the_command_line_defaults_to_this_computer_and_a_studio_folder():
    from a2i.cli import build_parser

    args = build_parser().parse_args(["studio"])
    assert (args.folder, args.port, args.host, args.browser) == ("studio", 8765, None, True)
    args = build_parser().parse_args(["studio", "songs", "--port", "9000", "--no-browser", "--host", "0.0.0.0"])
    assert (args.folder, args.port, args.host, args.browser) == ("songs", 9000, "0.0.0.0", False)
