"""PolicyQA web app: builds the services once and hands them to the UI.

``python app.py [--host H] [--port P] [--store DIR]`` and ``policyqa serve`` start this same app
(the CLI command runs this module). The composition is :func:`assistant.services.build_services`;
the tabs get the services through their constructors (via :class:`webui.backend.Backend`).

Safety defaults: binds to ``settings.server.host`` (127.0.0.1), optional login from settings or
``POLICYQA_SERVER__USERNAME`` / ``__PASSWORD``, an upload size limit, and Gradio serves files only
from the app's own temp folder (uploads and downloads): the store and the project folder are on
Gradio's block list as well, so nothing else can be read through ``/gradio_api/file=``.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.services import Services, build_services
from common.errors import PolicyQAError, print_error
from common.settings import Settings, load_settings
from webui.api import ApiEndpoints
from webui.backend import Backend
from webui.chat_tab import ChatTab
from webui.commitments_tab import CommitmentsTab
from webui.documents_tab import DocumentsTab
from webui.eval_tab import EvalTab
from webui.openai_api import OpenAIChatAPI
from webui.roles import Roles
from webui.style import CSS, PAGE_JS
from webui.subsidies_tab import SubsidiesTab

log = logging.getLogger("policyqa.app")

PROJECT_DIR = Path(__file__).resolve().parent
TITLE = "PolicyQA · 科技政策问答"


def build_app(services: Services) -> gr.Blocks:
    """The Gradio Blocks of the whole app over already-built services (not launched)."""
    backend = Backend(services)
    chat = ChatTab(backend)
    documents = DocumentsTab(backend)
    api = ApiEndpoints(backend)
    openai_api = OpenAIChatAPI(backend)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as blocks:
        gr.Markdown(
            "# PolicyQA · 科技政策问答\n"
            "基于已收录的科技局工作总结、计划与方案回答问题；每个回答都引用原文 [n]，"
            "点击即可查看出处。找不到依据时会明确说明“未找到”。",
            elem_id="pq-header",
        )
        with gr.Tabs(elem_id="pq-tabs"):
            with gr.Tab("问答", id="chat", elem_id="pq-tab-chat"):
                chat.render()
            with gr.Tab("文件", id="documents", elem_id="pq-tab-documents"):
                documents.render()
            for tab in (EvalTab(backend), CommitmentsTab(backend), SubsidiesTab(backend)):
                with gr.Tab(tab.TITLE, id=tab.TAB_ID, elem_id=f"pq-tab-{tab.TAB_ID}"):
                    tab.render()
        api.register()
        # New or deleted documents change what the chat can filter on.
        for event in (documents.ingest_event, documents.delete_event):
            event.then(chat.refresh_filters, None, chat.filter_components, api_visibility="private", queue=False)
        blocks.load(chat.refresh_filters, None, chat.filter_components, api_visibility="private", queue=False)

    blocks.queue(default_concurrency_limit=backend.settings.server.concurrency)
    # /v1/models and /v1/chat/completions on the same port, registered before Gradio's own
    # routes (launch_options hands them to the FastAPI app Gradio creates).
    blocks.policyqa_routes = openai_api.routes()
    return blocks


# --- serving -------------------------------------------------------------------------------


def prepare_runtime(settings: Settings) -> Path:
    """Give Gradio the app's own temp folder and switch off its phone-home features.

    Must run before components are built: Gradio reads ``GRADIO_TEMP_DIR`` when a component is
    created (its upload/download cache) and when the server starts (the upload folder).
    """
    if settings.server.temp_dir is not None:
        temp = Path(settings.server.temp_dir).expanduser().resolve()
        temp.mkdir(parents=True, exist_ok=True)
    else:
        temp = Path(tempfile.mkdtemp(prefix="policyqa-web-")).resolve()
        # Ours alone, so ours to remove: uploads and downloads do not outlive the process.
        atexit.register(shutil.rmtree, temp, ignore_errors=True)
    os.environ["GRADIO_TEMP_DIR"] = str(temp)
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    return temp


def _auth(settings: Settings) -> list[tuple[str, str]] | None:
    return Roles.from_settings(settings).gradio_auth()


def blocked_paths(settings: Settings, temp: Path) -> list[str]:
    """Folders Gradio must never serve, even by mistake: the store and the project itself."""
    out = []
    for p in (Path(settings.home).expanduser().resolve(), PROJECT_DIR):
        if temp != p and p not in temp.parents:
            out.append(str(p))
    return out


def launch_options(settings: Settings, temp: Path, blocks: gr.Blocks | None = None) -> dict[str, Any]:
    """Everything ``Blocks.launch`` gets, derived from settings (tests launch with these too);
    with ``blocks`` from :func:`build_app`, its OpenAI-compatible routes."""
    return {
        "server_name": settings.server.host,
        "server_port": settings.server.port,
        "auth": _auth(settings),
        "auth_message": "PolicyQA：请登录",
        "max_file_size": int(settings.server.max_upload_mb * 1024 * 1024),
        "allowed_paths": [],
        "blocked_paths": blocked_paths(settings, temp),
        "css": CSS,
        "js": PAGE_JS,
        "theme": gr.themes.Default(
            # System fonts only: the default theme would fetch Google Fonts, and there is no network.
            font=["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"],
            font_mono=["ui-monospace", "monospace"],
        ),
        "ssr_mode": False,
        "show_error": False,
        "footer_links": ["api"],
        "enable_monitoring": False,
        "run_history": False,
        "mcp_server": False,
        "share": False,
        "app_kwargs": {"routes": list(getattr(blocks, "policyqa_routes", []))},
    }


def create_app(settings: Settings) -> tuple[gr.Blocks, dict[str, Any]]:
    """Build the services and the app; return it with its launch options."""
    temp = prepare_runtime(settings)
    services = build_services(settings)
    blocks = build_app(services)
    return blocks, launch_options(settings, temp, blocks)


def serve(settings: Settings, *, block: bool = True) -> gr.Blocks:
    """Start the app. With ``block=False`` return once the server is up (tests)."""
    blocks, options = create_app(settings)
    blocks.launch(prevent_thread_lock=not block, **options)
    return blocks


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="app.py", description="Start the PolicyQA web app.")
    parser.add_argument("--host", default=None, help="interface to bind (default: settings.server.host, 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: settings.server.port, 7860)")
    parser.add_argument("--store", metavar="DIR", default=None, help="store directory (default: $POLICYQA_HOME, else ./.policyqa)")
    return parser.parse_args(argv)


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = load_settings(store=args.store)
    server = settings.server.model_copy(
        update={k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    )
    return settings.model_copy(update={"server": server})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from_args(args)
        print(f"PolicyQA: store {Path(settings.home).resolve()}, http://{settings.server.host}:{settings.server.port}")
        serve(settings, block=True)
    except PolicyQAError as exc:
        print_error(exc)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
