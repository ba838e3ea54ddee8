"""The OpenAI-compatible API on the app's port, through the official ``openai`` client
(streaming included) and plain HTTP, over the shared five-report store (real e5)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from common.textnorm import contains
from tests.integration.app_harness import app_settings, session_temp, shared_app, start_app

pytestmark = [pytest.mark.slow, pytest.mark.server]

QUESTION = "阳江2016年承诺到2017年底建几个省级孵化器？"


@pytest.fixture(scope="module")
def live(reports_store, tmp_path_factory):
    return shared_app(reports_store, session_temp(tmp_path_factory))


@pytest.fixture(scope="module")
def client(live):
    from openai import OpenAI

    return OpenAI(base_url=live.url + "v1", api_key="unused", max_retries=0, timeout=120)


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_models_lists_policyqa(client):
    assert [m.id for m in client.models.list().data] == ["policyqa"]


def test_a_cited_answer_with_references(client):
    r = client.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": QUESTION}])
    text = r.choices[0].message.content
    assert "省级孵化器3个" in text and "[1]" in text and r.choices[0].finish_reason == "stop"
    refs = r.model_extra["references"]
    assert r.model_extra["abstained"] is False
    first = next(x for x in refs if x["id"] == 1)
    assert first["source"] == "000_6815dfeab2db1bf2.txt" and first["title"] == "阳江市科技创新工作情况"
    assert "省级孵化器3个" in first["quote"] and contains(first["text"], first["quote"])  # verbatim
    assert first["page"] is None and first["region"] == "阳江市" and first["section"]
    # every marker in the text has its reference
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} <= {x["id"] for x in refs}


def test_streaming_gives_the_same_answer_and_references_at_the_end(client):
    whole = client.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": QUESTION}])
    pieces, chunks = [], []
    for chunk in client.chat.completions.create(
        model="policyqa", messages=[{"role": "user", "content": QUESTION}], stream=True
    ):
        chunks.append(chunk)
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    assert len(pieces) > 1  # streamed, not one block
    assert "".join(pieces) == whole.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["references"] == whole.model_extra["references"]
    assert all("references" not in (c.model_extra or {}) for c in chunks[:-1])


def test_a_follow_up_uses_the_earlier_messages(client):
    first = client.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": QUESTION}])
    r = client.chat.completions.create(model="policyqa", messages=[
        {"role": "system", "content": "你是助手"},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "那江门呢？"},
    ])
    refs = r.model_extra["references"]
    assert refs and all(x["region"] == "江门市" for x in refs), refs
    assert "孵化器" in r.choices[0].message.content


def test_filters_in_the_extra_field(client):
    r = client.chat.completions.create(
        model="policyqa", messages=[{"role": "user", "content": "高新技术企业有多少家？"}],
        extra_body={"policyqa": {"region": "中山市"}},
    )
    refs = r.model_extra["references"]
    assert refs and {x["region"] for x in refs} == {"中山市"}


def test_an_unanswerable_question_abstains(client):
    r = client.chat.completions.create(model="policyqa", messages=[
        {"role": "user", "content": "深圳2019年的创新券额度是多少？"}])
    assert r.model_extra["abstained"] is True and r.model_extra["references"] == []


@pytest.mark.parametrize("body, status, param", [
    (b"{not json", 400, None),
    (json.dumps({"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}).encode(), 404, "model"),
    (json.dumps({"model": "policyqa", "messages": []}).encode(), 400, "messages"),
    (json.dumps({"model": "policyqa", "messages": [{"role": "user", "content": "x"}],
                 "policyqa": {"year": "soon"}}).encode(), 400, "policyqa.year"),
    (json.dumps({"model": "policyqa", "messages": [{"role": "user", "content": "x"}],
                 "policyqa": {"city": "阳江"}}).encode(), 400, "policyqa"),
])
def test_errors_in_openai_shape(live, body, status, param):
    code, got = post(live.url + "v1/chat/completions", body)
    assert code == status
    err = got["error"]
    assert err["message"] and err["type"] and err["param"] == param


def test_the_api_key_when_configured(reports_store, live, tmp_path_factory):
    from openai import AuthenticationError, OpenAI

    settings = app_settings(reports_store.settings, live.temp, api_key="s3cret-key")
    app = start_app(settings)
    try:
        base = app.url + "v1"
        with pytest.raises(AuthenticationError):
            OpenAI(base_url=base, api_key="wrong", max_retries=0).models.list()
        code, got = post(app.url + "v1/chat/completions", json.dumps(
            {"model": "policyqa", "messages": [{"role": "user", "content": QUESTION}]}).encode())
        assert code == 401 and got["error"]["code"] == "invalid_api_key"
        ok = OpenAI(base_url=base, api_key="s3cret-key", max_retries=0, timeout=120)
        r = ok.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": QUESTION}])
        assert "省级孵化器3个" in r.choices[0].message.content
    finally:
        app.close()


LOAD = [
    ("阳江2016年承诺到2017年底建几个省级孵化器？", "省级孵化器3个"),
    ("江门到2017年高新技术企业要达到多少家？", "250家"),
    ("阳江市本级2015年的科技三项经费有多少？", "3065万元"),
    ("阳江2015年的专利申请量有多少件，比上一年增长了多少？", "1724件"),
    ("阳江现在一共有多少个省级、市级工程中心？", "21家"),
]


def _streamed(client, question: str) -> tuple[str, list]:
    text, refs = [], []
    for chunk in client.chat.completions.create(
        model="policyqa", messages=[{"role": "user", "content": question}], stream=True
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            text.append(chunk.choices[0].delta.content)
        refs = (chunk.model_extra or {}).get("references", refs)
    return "".join(text), refs


def test_fifty_concurrent_streams_all_complete_correctly(client):
    import time
    from concurrent.futures import ThreadPoolExecutor

    jobs = [LOAD[i % len(LOAD)] for i in range(50)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda job: _streamed(client, job[0]), jobs))
    elapsed = time.perf_counter() - t0
    for (question, figure), (text, refs) in zip(jobs, results, strict=True):
        assert figure in text and refs, (question, text[:200])
    assert elapsed < 180, elapsed


def test_beyond_the_queue_requests_get_a_busy_error_not_a_hang(reports_store, live):
    import time
    from concurrent.futures import ThreadPoolExecutor

    settings = app_settings(reports_store.settings, live.temp, concurrency=1, api_queue=1,
                            api_queue_timeout_s=0.5)
    app = start_app(settings)
    try:
        body = json.dumps({"model": "policyqa", "messages": [{"role": "user", "content": LOAD[0][0]}]}).encode()
        post(app.url + "v1/chat/completions", body)  # warm the model
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda _: post(app.url + "v1/chat/completions", body), range(8)))
        elapsed = time.perf_counter() - t0
        codes = [code for code, _ in outcomes]
        assert 200 in codes and ({429, 503} & set(codes)), codes
        for code, got in outcomes:
            if code == 200:
                assert LOAD[0][1] in got["choices"][0]["message"]["content"]
            else:
                assert got["error"]["code"] == "busy" and "busy" in got["error"]["message"]
        assert elapsed < 60, elapsed
        # once the crowd is gone, the next request is answered
        assert post(app.url + "v1/chat/completions", body)[0] == 200
    finally:
        app.close()
