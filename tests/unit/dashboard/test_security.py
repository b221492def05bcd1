"""The dashboard's API answers only its own page (decai.dashboard.security),
checked through Starlette's TestClient against a recording stand-in for the
service: every refused request leaves the service untouched."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from decai.dashboard.app import create_app
from decai.dashboard.security import MAX_BODY, TOKEN_HEADER, trusted_hosts

BASE = "http://127.0.0.1:8000"
ORIGIN = BASE
TOKEN = "session-token-for-the-tests"
DEV = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SEND = {"tx": {"from": DEV, "to": "0x" + "ab" * 20, "value": hex(100 * 10**18)}}


class RecordingService:
    """Answers like the service and remembers every call that reached it."""

    def __init__(self):
        self.calls: list[tuple[str, object]] = []

    def node_problem(self, cached=False):
        return None  # the node always answers here

    def network(self):
        self.calls.append(("network", None))
        return {"network": "local", "chain_id": 31337, "dev_accounts": [{"address": SEND["tx"]["from"]}]}

    def send_dev(self, tx):
        self.calls.append(("send_dev", tx))
        return "0x" + "11" * 32

    def record_deployment(self, body):
        self.calls.append(("record_deployment", body))
        return {"address": "0x" + "cd" * 20, "name": body.get("name")}


@pytest.fixture
def service():
    return RecordingService()


@pytest.fixture
def client(service):
    app = create_app(service, hosts=trusted_hosts("127.0.0.1", 8000), token=TOKEN)
    with TestClient(app, base_url=BASE) as client:
        yield client


def post(client, path, body, **headers):
    sent = {"Origin": ORIGIN, "Content-Type": "application/json", TOKEN_HEADER: TOKEN}
    sent.update(headers)
    sent = {k: v for k, v in sent.items() if v is not None}
    return client.post(path, content=json.dumps(body).encode(), headers=sent)


def test_post__from_the_page__is_answered(client, service):
    response = post(client, "/api/send", SEND)
    assert response.status_code == 200
    assert service.calls == [("send_dev", SEND["tx"])]


def test_index__carries_the_session_token(client):
    response = client.get("/")
    assert response.status_code == 200
    assert f'<meta name="decai-token" content="{TOKEN}">' in response.text
    assert response.headers["cache-control"] == "no-store"


def test_trusted_hosts__loopback_names_with_the_port():
    assert trusted_hosts("127.0.0.1", 8000) == ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"]
    everywhere = trusted_hosts("0.0.0.0", 9000, ["box.lan"])
    assert everywhere == ["127.0.0.1:9000", "localhost:9000", "[::1]:9000", "box.lan:9000"]
    assert trusted_hosts("192.168.1.5", 8000) == ["192.168.1.5:8000"]


@pytest.mark.parametrize("host", ["attacker.example:8000", "127.0.0.1:9999", "localhost", ""])
def test_foreign_host__refused_for_reads_and_posts(client, service, host):
    read = client.get("/api/network", headers={"Host": host})
    assert read.status_code == 403
    assert "this server answers only as" in read.json()["error"]
    assert "dev_accounts" not in read.text
    sent = post(client, "/api/send", SEND, Host=host)
    assert sent.status_code == 403
    assert service.calls == []


@pytest.mark.parametrize("origin", ["http://attacker.example", "http://127.0.0.1:9999", "null", None])
def test_foreign_or_missing_origin__refused(client, service, origin):
    response = post(client, "/api/send", SEND, Origin=origin)
    assert response.status_code == 403
    assert "only the dashboard's own page may post" in response.json()["error"]
    assert service.calls == []


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8", "multipart/form-data"])
def test_not_json__refused(client, service, content_type):
    response = post(client, "/api/send", SEND, **{"Content-Type": content_type})
    assert response.status_code == 415
    assert response.json()["error"].startswith("the request must be application/json")
    assert service.calls == []


@pytest.mark.parametrize("token", [None, "", "guess", TOKEN + "x"])
def test_missing_or_wrong_token__refused(client, service, token):
    response = post(client, "/api/deploy/record", {"name": "bc"}, **{TOKEN_HEADER: token})
    assert response.status_code == 403
    assert response.json()["error"] == "the session token is missing or wrong: reload the dashboard's page"
    assert service.calls == []


def test_each_server_start__makes_its_own_token(service):
    tokens = {create_app(service, hosts=["testserver"]).state.token for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 40 for t in tokens)


def test_body_over_the_cap__refused_with_413(client, service):
    body = {"tx": SEND["tx"], "padding": "x" * (20 << 20)}
    response = post(client, "/api/send", body)
    assert response.status_code == 413
    assert response.json()["error"] == f"the request is {len(json.dumps(body))} bytes; the limit is {MAX_BODY}"
    assert service.calls == []


def test_body_at_the_cap__is_read(client, service):
    body = {"tx": SEND["tx"], "padding": ""}
    body["padding"] = "x" * (MAX_BODY - len(json.dumps(body)))
    assert len(json.dumps(body)) == MAX_BODY
    assert post(client, "/api/send", body).status_code == 200
    assert [name for name, _ in service.calls] == ["send_dev"]


def test_body_without_a_length__refused_with_411(client, service):
    def chunks():
        yield json.dumps(SEND).encode()

    headers = {"Origin": ORIGIN, "Content-Type": "application/json", TOKEN_HEADER: TOKEN}
    response = client.post("/api/send", content=chunks(), headers=headers)
    assert response.status_code == 411
    assert service.calls == []
