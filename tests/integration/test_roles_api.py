"""Reader and admin through the HTTP API: the app's document endpoints are not among its named
API endpoints, and calling the delete handler directly over Gradio's queue protocol (as the page
does) is refused without the admin password and works with it; with a reader login, the chat
API needs the login. Real app, real store copy."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from tests.integration.app_harness import app_settings, session_temp, start_app

pytestmark = [pytest.mark.slow, pytest.mark.server]


def _dependency(url: str, elem_id: str) -> int:
    cfg = json.load(urllib.request.urlopen(url + "config"))
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in cfg["components"]}
    return next(d["id"] for d in cfg["dependencies"] if any(ids.get(t[0]) == elem_id for t in d["targets"]))


def _call(url: str, fn_index: int, data: list) -> list:
    """One event through Gradio's queue (POST queue/join, then its server-sent events)."""
    session = uuid.uuid4().hex[:10]
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session,
                       "event_data": None, "trigger_id": None}).encode()
    urllib.request.urlopen(urllib.request.Request(url + "gradio_api/queue/join", data=body,
                                                  headers={"Content-Type": "application/json"}))
    with urllib.request.urlopen(url + f"gradio_api/queue/data?session_hash={session}", timeout=120) as resp:
        for raw in resp:
            line = raw.decode("utf-8").strip()
            if line.startswith("data:") and "process_completed" in line:
                return json.loads(line[5:])["output"]["data"]
    raise AssertionError("no result")


@pytest.fixture
def admin_app(writable_reports_store, tmp_path_factory):
    settings = app_settings(writable_reports_store.settings, session_temp(tmp_path_factory),
                            admin_password="adm1n-pw")
    app = start_app(settings)
    yield app
    app.close()


def test_a_reader_cannot_delete_through_the_api_an_admin_can(admin_app):
    from gradio_client import Client

    url = admin_app.url
    named = Client(url, verbose=False).view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert set(named) == {"/ask", "/documents", "/commitments", "/subsidies"}  # nothing that writes
    store = admin_app.services.store
    doc_id = sorted(d["doc_id"] for d in store.list_documents())[0]
    before = len(store.list_documents())
    delete = _dependency(url, "pq-delete")
    for password in ("", "wrong"):
        out = _call(url, delete, [doc_id, True, password])
        assert "需要管理员权限" in out[0]
        assert len(store.list_documents()) == before
    upload = _dependency(url, "pq-ingest")
    out = _call(url, upload, [None, ""])
    assert "需要管理员权限" in out[0]
    out = _call(url, delete, [doc_id, True, "adm1n-pw"])
    assert "已删除" in out[0] and len(store.list_documents()) == before - 1


def test_with_a_reader_login_the_app_api_needs_it(writable_reports_store, tmp_path_factory):
    from gradio_client import Client

    settings = app_settings(writable_reports_store.settings, session_temp(tmp_path_factory),
                            username="reader", password="r3ad", admin_password="adm1n-pw")
    app = start_app(settings)
    try:
        with pytest.raises(Exception):
            Client(app.url, verbose=False).predict("阳江建几个省级孵化器？", "", "", "", 5, api_name="/ask")
        reader = Client(app.url, auth=("reader", "r3ad"), verbose=False)
        got = reader.predict("阳江2016年承诺到2017年底建几个省级孵化器？", "", "", "", 5, api_name="/ask")
        assert "省级孵化器3个" in json.dumps(got, ensure_ascii=False)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(app.url + "config")  # nothing of the app without the login
    finally:
        app.close()
