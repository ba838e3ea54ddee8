"""The running app over the real reports store: API through gradio_client, concurrency, safety.

One app (real e5, real Chroma, the five sample reports) serves every test here; it runs in a
background thread on a free loopback port.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.chroma_server import stop
from tests.integration.app_harness import ROOT, app_settings, close_shared, free_port, session_temp, shared_app, start_app

pytestmark = [pytest.mark.slow, pytest.mark.server]

# (question, figure the answer must quote, file it must cite); None figure: must abstain.
KNOWN = [
    ("阳江2016年承诺到2017年底建几个省级孵化器？", "省级孵化器3个", "000_6815dfeab2db1bf2.txt"),
    ("江门到2017年高新技术企业要达到多少家？", "250家以上", "001_36a689d0a3f137d4.txt"),
    ("赣榆区2015年发明专利授权多少件？", "发明专利授权39件", "003_9713f358d5aa3b1f.txt"),
    ("中山2018年下拨创新券兑现资金多少？", "2827.49万元", "004_4757f8428a5e4ec7.txt"),
    ("深圳2019年的创新券额度是多少？", None, None),
]


@pytest.fixture(scope="session")
def live(reports_store, tmp_path_factory):
    app = shared_app(reports_store, session_temp(tmp_path_factory))
    yield app
    close_shared()


@pytest.fixture(scope="module")
def client(live):
    from gradio_client import Client

    return Client(live.url, verbose=False, download_files=False)


def _check(result: dict, figure: str | None, source: str | None) -> None:
    if figure is None:
        assert result["abstained"] is True, result["answer"]
        return
    assert result["abstained"] is False, result["answer"]
    assert figure in result["answer"], result["answer"]
    assert source in {c["source"] for c in result["citations"]}, result["citations"]


def test_named_endpoints_are_documented(client):
    api = client.view_api(return_format="dict", print_info=False)
    assert {"/ask", "/documents", "/commitments", "/subsidies"} <= set(api["named_endpoints"])
    # the chat's internal events are not part of the API
    assert not [n for n in api["named_endpoints"] if "respond" in n or "ingest" in n]


def test_ask_returns_the_ask_json_contract(client):
    result = client.predict("阳江2016年承诺到2017年底建几个省级孵化器？", api_name="/ask")
    assert {"question", "answer", "abstained", "citations", "passages"} <= set(result)
    _check(result, "省级孵化器3个", "000_6815dfeab2db1bf2.txt")
    c = result["citations"][0]
    assert {"id", "source", "title", "region", "date", "year", "section", "text"} <= set(c)
    assert c["title"] == "阳江市科技创新工作情况" and c["region"] == "阳江市" and c["date"] == "2016-04-25"
    assert result["passages"] and {"source", "section", "text", "score"} <= set(result["passages"][0])


def test_ask_with_filters(client):
    result = client.predict("2017年高新技术企业要达到多少家？", region="江门市", api_name="/ask")
    assert not result["abstained"]
    assert {c["source"] for c in result["citations"]} == {"001_36a689d0a3f137d4.txt"}
    assert all(p["source"] == "001_36a689d0a3f137d4.txt" for p in result["passages"])


def test_ask_empty_question_is_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as err:
        client.predict("   ", api_name="/ask")
    assert "提示" in str(err.value) or "hint" in str(err.value).lower() or "empty" in str(err.value).lower()


def test_documents_lists_the_five_reports_with_chunk_counts(client):
    docs = client.predict(api_name="/documents")
    assert sorted(d["source"] for d in docs) == [
        "000_6815dfeab2db1bf2.txt",
        "001_36a689d0a3f137d4.txt",
        "002_a295750ddb2d6bca.txt",
        "003_9713f358d5aa3b1f.txt",
        "004_4757f8428a5e4ec7.txt",
    ]
    by = {d["source"]: d for d in docs}
    assert by["004_4757f8428a5e4ec7.txt"]["region"] == "中山市"
    assert by["003_9713f358d5aa3b1f.txt"]["region"] == "赣榆区"
    assert all(d["chunk_count"] > 5 for d in docs)


def test_commitments_and_subsidies_endpoints(client):
    rows = client.predict(region="江门", indicator="高企", api_name="/commitments")
    assert any(r["kind"] == "target" and "250" in r["value_text"] and r["year"] == 2017 for r in rows), rows
    assert all(r["source"] == "001_36a689d0a3f137d4.txt" for r in rows)
    measures = client.predict(region="中山", profile="科技型中小企业，有发明专利，想贷款", api_name="/subsidies")
    names = {m["measure"] for m in measures}
    assert "专利质押融资" in names, names
    top = measures[0]
    assert top["citation"]["source"] == "004_4757f8428a5e4ec7.txt" and top["reasons"]


def test_twenty_concurrent_questions_get_twenty_correct_answers(live, client, monkeypatch):
    """20 questions at once through the queue: every answer right, at most `concurrency` at a time."""
    import threading

    qa = live.services.qa
    real_ask = qa.ask
    lock = threading.Lock()
    state = {"running": 0, "peak": 0}

    def counting_ask(*args, **kwargs):
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
        try:
            time.sleep(0.2)  # hold the slot a little so overlapping requests really overlap
            return real_ask(*args, **kwargs)
        finally:
            with lock:
                state["running"] -= 1

    monkeypatch.setattr(qa, "ask", counting_ask)
    jobs = [KNOWN[i % len(KNOWN)] for i in range(20)]
    t0 = time.perf_counter()
    futures = [client.submit(q, api_name="/ask") for q, _, _ in jobs]
    results = [f.result(timeout=300) for f in futures]
    elapsed = time.perf_counter() - t0
    assert len(results) == 20
    for (question, figure, source), result in zip(jobs, results, strict=True):
        assert result["question"] == question
        _check(result, figure, source)
    limit = live.settings.server.concurrency
    assert 1 < state["peak"] <= limit, state
    print(f"\n20 concurrent /ask: {elapsed:.1f} s, peak {state['peak']} at once (limit {limit})")


def test_first_upload_into_an_empty_store(reports_dir, live, tmp_path):
    """A new user's app: no store yet; the first upload creates it and questions work."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from common.settings import Settings
    from webui.backend import Backend

    empty = Settings(home=tmp_path / "new-store")
    app = start_app(app_settings(empty, live.temp))
    try:
        client = Client(app.url, verbose=False)
        assert client.predict(api_name="/documents") == []
        with pytest.raises(AppError) as err:
            client.predict("江门到2017年高新技术企业要达到多少家？", api_name="/ask")
        assert "ingest" in str(err.value)
        report = Path(tmp_path / "jiangmen.txt")
        report.write_bytes((reports_dir / "001_36a689d0a3f137d4.txt").read_bytes())
        outcome = Backend(app.services).ingest_uploads([report])
        assert [r["status"] for r in outcome.rows] == ["added"], outcome.rows
        docs = client.predict(api_name="/documents")
        assert [d["source"] for d in docs] == ["jiangmen.txt"]
        result = client.predict("江门到2017年高新技术企业要达到多少家？", api_name="/ask")
        assert "250家以上" in result["answer"] and result["citations"][0]["source"] == "jiangmen.txt"
    finally:
        app.close()


# --- safety ----------------------------------------------------------------------------------


def _get(live, path: str) -> httpx.Response:
    return httpx.get(live.url.rstrip("/") + path, timeout=30, follow_redirects=False)


def test_files_outside_the_app_temp_folder_cannot_be_read(live, reports_store):
    store_file = next(p for p in Path(reports_store.path).rglob("*") if p.is_file())
    targets = [
        "/etc/passwd",
        str(store_file),
        str(ROOT / "app.py"),
        str(ROOT / "pyproject.toml"),
        str(Path(live.temp) / ".." / ".." / "etc" / "passwd"),
        str(Path(live.temp) / "%2e%2e" / "%2e%2e" / "etc" / "passwd"),
        "../../../../etc/passwd",
    ]
    for target in targets:
        for route in ("/gradio_api/file=", "/file="):
            r = _get(live, route + quote(target, safe="/%"))
            assert r.status_code in (403, 404), (route, target, r.status_code)
            assert "root:" not in r.text and "[project]" not in r.text and "import" not in r.text[:200]


def test_an_uploaded_file_is_served_back_so_the_refusals_mean_something(live):
    r = httpx.post(
        live.url.rstrip("/") + "/gradio_api/upload",
        files={"files": ("note.txt", "阳江市科技局".encode(), "text/plain")},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    path = r.json()[0]
    assert Path(path).resolve().is_relative_to(Path(live.temp).resolve())
    got = _get(live, "/gradio_api/file=" + quote(path))
    assert got.status_code == 200 and got.content.decode() == "阳江市科技局"


def test_upload_over_the_size_limit_is_refused(live):
    limit = int(live.settings.server.max_upload_mb * 1024 * 1024)
    r = httpx.post(
        live.url.rstrip("/") + "/gradio_api/upload",
        files={"files": ("big.txt", b"x" * (limit + 1024), "text/plain")},
        timeout=60,
    )
    assert r.status_code == 413, (r.status_code, r.text[:200])
    assert "size" in r.text.lower()


def test_binds_to_loopback_only(live):
    assert live.blocks.server_name == "127.0.0.1"
    config = _get(live, "/config").json()
    assert config["max_file_size"] == int(live.settings.server.max_upload_mb * 1024 * 1024)


def test_login_required_when_configured(live, reports_store):
    from gradio_client import Client

    settings = app_settings(reports_store.settings, live.temp, username="staff", password="pw-123456")
    locked = start_app(settings, services=live.services)
    try:
        r = _get(locked, "/gradio_api/file=" + quote("/etc/passwd"))
        assert r.status_code == 401
        assert _get(locked, "/config").status_code == 401
        with pytest.raises(Exception):
            Client(locked.url, verbose=False)
        authed = Client(locked.url, auth=("staff", "pw-123456"), verbose=False)
        assert len(authed.predict(api_name="/documents")) == 5
        with pytest.raises(Exception):
            Client(locked.url, auth=("staff", "wrong"), verbose=False)
    finally:
        locked.close()


def test_policyqa_serve_starts_the_same_app(reports_store, cli_env, policyqa_bin):
    """The console script, as a user runs it: a real subprocess on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [policyqa_bin, "serve", "--port", str(port), "--store", str(reports_store.path)],
        cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 120
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"policyqa serve exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("policyqa serve did not answer within 120 s")
        from gradio_client import Client

        client = Client(url, verbose=False)
        result = client.predict("江门到2017年高新技术企业要达到多少家？", api_name="/ask")
        assert "250家以上" in result["answer"]
        page = httpx.get(url, timeout=10).text
        assert "PolicyQA" in page
    finally:
        stop(proc)
