"""The app over a small Services-shaped object: composition, handlers, launch options, serve.

These build the Blocks (no server, no model) and call the event handlers directly; the same app
over the real services is exercised through a browser and gradio_client in tests/integration.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest

import app as app_module
from assistant.commands import serve_cmd
from assistant.models import Answer
from common.errors import ConfigError
from webui.chat_tab import ChatSession, ChatTab
from webui.backend import Backend
from webui.documents_tab import DocumentsTab, documents_frame
from tests.unit.webui_fakes import fake_services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def services(tmp_path):
    return fake_services(tmp_path / "home")


def _run(gen):
    return list(gen)


def test_build_app_names_the_api_endpoints_and_hides_ui_events(services):
    blocks = app_module.build_app(services)
    deps = blocks.config["dependencies"]
    public = {d["api_name"] for d in deps if d["api_visibility"] == "public" and d["backend_fn"]}
    assert {"ask", "documents"} <= public
    # UI plumbing (streamed chat, citation clicks, uploads) is not part of the public API
    assert not public & {"respond", "open_citation", "ingest_files", "delete_doc", "rate"}
    assert blocks._queue.default_concurrency_limit == services.settings.server.concurrency


def test_chat_streams_then_shows_cited_answer_and_passes_history(services):
    with gr.Blocks():
        tab = ChatTab(Backend(services))
        tab.render()
    session = ChatSession()
    steps = _run(tab.respond("阳江2016年承诺到2017年底建几个省级孵化器？", "阳江市", "2016", "", session))
    assert len(steps) >= 3  # the user turn, streamed pieces, the final answer
    streamed = [s[0][-1]["content"] for s in steps[1:-1]]
    assert all("pq-streaming" in c for c in streamed)
    final_chat, final_session, radio, _passage, copy_text, _ = steps[-1]
    assert 'href="#pq-cite-0-1"' in final_chat[-1]["content"]
    assert radio.choices == [("[1] 《阳江市科技创新工作情况》 · 阳江市 · 2016-04-25 · （四）建立孵化服务体系", "0:1")]
    assert "省级孵化器3个" in copy_text and "<" not in copy_text
    assert services.qa.calls[0]["region"] == "阳江市" and services.qa.calls[0]["year"] == 2016
    # a follow-up carries the previous answer as history
    _run(tab.respond("那中山呢？", "", "", "", final_session))
    history = services.qa.calls[1]["history"]
    assert [q for q, _ in history] == ["阳江2016年承诺到2017年底建几个省级孵化器？"]
    assert isinstance(history[0][1], Answer) and "省级孵化器3个" in history[0][1].answer


def test_opening_a_citation_shows_passage_with_mark(services):
    with gr.Blocks():
        tab = ChatTab(Backend(services))
        tab.render()
    session = ChatSession()
    _run(tab.respond("阳江建几个省级孵化器？", "", "", "", session))
    _run(tab.respond("深圳2019年的创新券额度是多少？", "", "", "", session))
    radio, passage, copy_text, _ = tab.open_citation("0:1", session)
    assert radio.value == "0:1" and session.current == 0
    assert "<mark" in passage and "2016-04-25" in passage and "阳江市科技创新工作情况" in passage
    # the not-found turn's nearest passage opens too, labelled as such
    radio, passage, _, _ = tab.open_citation("#pq-cite-1-1", session)
    assert "最接近的段落" in passage
    # an unknown key changes nothing
    assert tab.open_citation("9:9", session)[0] == gr.skip()


def test_question_errors_show_as_error_bubbles(services):
    with gr.Blocks():
        tab = ChatTab(Backend(services))
        tab.render()
    session = ChatSession()
    services.qa.ask = lambda q, **kw: (_ for _ in ()).throw(ConfigError("store missing", hint="run policyqa ingest"))
    steps = _run(tab.respond("有问题吗", "", "", "", session))
    content = steps[-1][0][-1]["content"]
    assert "pq-error" in content and "store missing" in content and "run policyqa ingest" in content


def test_thumbs_are_saved_to_feedback_jsonl(services):
    with gr.Blocks():
        tab = ChatTab(Backend(services))
        tab.render()
    session = ChatSession()
    _run(tab.respond("阳江建几个省级孵化器？", "阳江市", "", "", session))
    tab.rate(session, gr.LikeData(None, {"index": 1, "value": "", "liked": False}))
    log = tab.backend.feedback.read()
    assert log[-1]["rating"] == "down" and log[-1]["question"] == "阳江建几个省级孵化器？"
    assert log[-1]["filters"] == {"region": "阳江市"}
    assert (services.settings.home / "feedback.jsonl").exists()


def test_documents_table_and_delete_need_confirmation(services):
    with gr.Blocks():
        tab = DocumentsTab(Backend(services))
        tab.render()
    frame = documents_frame(services.store.list_documents())
    assert list(frame["文件"]) == ["000_yangjiang.txt", "003_ganyu.txt"]
    assert list(frame["块数"]) == [42, 30]
    assert frame.loc[1, "地区"] == "赣榆区（连云港市）"
    tab.delete_doc("d-yj", False)
    assert len(services.store.docs) == 2  # not confirmed: nothing deleted
    msg, table, _, confirm = tab.delete_doc("d-yj", True)
    assert "已删除" in msg and list(table["文件"]) == ["003_ganyu.txt"] and confirm is False


def test_filter_choices_come_from_the_store(services):
    opts = Backend(services).filter_options()
    assert opts.regions == ["赣榆区", "连云港市", "阳江市"]
    assert opts.years == [2015, 2016]
    assert ("《阳江市科技创新工作情况》 000_yangjiang.txt", "000_yangjiang.txt") in opts.documents


def test_launch_options_bind_loopback_limit_uploads_and_block_store_and_project(services, tmp_path):
    temp = tmp_path / "gradio-tmp"
    opts = app_module.launch_options(services.settings, temp)
    assert opts["server_name"] == "127.0.0.1"
    assert opts["auth"] is None
    assert opts["max_file_size"] == 20 * 1024 * 1024
    assert opts["allowed_paths"] == []
    assert str(Path(services.settings.home).resolve()) in opts["blocked_paths"]
    assert str(ROOT) in opts["blocked_paths"]
    assert opts["share"] is False and opts["enable_monitoring"] is False and opts["mcp_server"] is False


def test_login_from_settings_and_half_configured_login_refused(tmp_path):
    s = fake_services(tmp_path, username="staff", password="s3cret").settings
    assert app_module.launch_options(s, tmp_path / "t")["auth"] == [("staff", "s3cret")]
    half = fake_services(tmp_path, username="staff").settings
    with pytest.raises(ConfigError) as err:
        app_module.launch_options(half, tmp_path / "t")
    assert "POLICYQA_SERVER__PASSWORD" in err.value.hint


def test_login_read_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYQA_SERVER__USERNAME", "u")
    monkeypatch.setenv("POLICYQA_SERVER__PASSWORD", "p")
    args = app_module.parse_args(["--port", "7999", "--store", str(tmp_path)])
    settings = app_module.settings_from_args(args)
    assert settings.server.port == 7999 and settings.server.host == "127.0.0.1"
    assert settings.home == tmp_path
    assert app_module.launch_options(settings, tmp_path / "t")["auth"] == [("u", "p")]


def test_temp_dir_is_private_and_not_inside_a_blocked_folder(services, monkeypatch):
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    temp = app_module.prepare_runtime(services.settings)
    try:
        assert temp.is_dir() and (temp.stat().st_mode & 0o077) == 0
        import os

        assert os.environ["GRADIO_TEMP_DIR"] == str(temp)
        for blocked in app_module.blocked_paths(services.settings, temp):
            assert not str(temp).startswith(blocked)
    finally:
        temp.rmdir()


def test_serve_command_runs_app_py_with_the_same_options():
    args = argparse.Namespace(host="0.0.0.0", port=8000, store="/data/pq")
    argv = serve_cmd.app_argv(args)
    assert argv[1:] == ["-m", "app", "--host", "0.0.0.0", "--port", "8000", "--store", "/data/pq"]
    assert argv[0] == sys.executable
    assert serve_cmd.app_argv(argparse.Namespace(host=None, port=None, store=None))[1:] == ["-m", "app"]


def test_library_packages_never_import_gradio_or_app():
    offenders = []
    for pkg in ("assistant", "ingest", "vectorstore", "common", "prompts"):
        for path in (ROOT / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n.split(".")[0] in ("gradio", "app", "webui") for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}: {names}")
    assert offenders == []


def test_cli_start_up_does_not_load_gradio():
    code = "import sys, assistant.cli as c; c.build_parser(); print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_roles_from_settings(tmp_path):
    from webui.roles import Roles

    open_app = Roles.from_settings(fake_services(tmp_path).settings)
    assert open_app.gradio_auth() is None and open_app.is_admin(None, None)  # as before: one user
    admin_only = Roles.from_settings(fake_services(tmp_path, admin_password="adm1n").settings)
    assert admin_only.gradio_auth() is None  # chat stays open
    assert not admin_only.is_admin(None, None) and not admin_only.is_admin(None, "guess")
    assert admin_only.is_admin(None, "adm1n")
    assert not admin_only.is_admin("admin", None)  # no login: a user name proves nothing
    both = Roles.from_settings(fake_services(tmp_path, username="staff", password="s3cret",
                                             admin_password="adm1n").settings)
    assert both.gradio_auth() == [("staff", "s3cret"), ("admin", "adm1n")]
    assert both.is_admin("admin", None) and not both.is_admin("staff", None)
    assert both.is_admin("staff", "adm1n")
    with pytest.raises(ConfigError) as err:
        Roles.from_settings(fake_services(tmp_path, username="admin", password="x",
                                          admin_password="y").settings)
    assert "ADMIN_USERNAME" in err.value.hint


def test_a_reader_cannot_delete_or_upload_the_admin_can(tmp_path):
    services = fake_services(tmp_path, admin_password="adm1n")
    with gr.Blocks():
        tab = DocumentsTab(Backend(services))
        tab.render()
    before = len(services.store.docs)
    msg, *_ = tab.delete_doc("d-yj", True, "", None)
    assert "需要管理员权限" in msg and len(services.store.docs) == before
    msg, *_ = tab.delete_doc("d-yj", True, "wrong", None)
    assert "需要管理员权限" in msg and len(services.store.docs) == before
    upload = tmp_path / "new.txt"
    upload.write_text("某市科技局2024年工作要点\n全年新增高新技术企业40家。", "utf-8")
    msg, *_ = tab.ingest_files([str(upload)], "", None)
    assert "需要管理员权限" in msg and len(services.store.docs) == before
    msg, *_ = tab.delete_doc("d-yj", True, "adm1n", None)
    assert "已删除" in msg and len(services.store.docs) == before - 1
