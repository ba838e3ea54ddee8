"""Running the real web app in tests: on a free loopback port, in a background thread.

The app is built exactly as ``app.py`` builds it (``build_services`` -> ``build_app`` ->
``launch_options``) over H2's shared ``reports_store`` (real e5, five reports), with one temp
folder for the whole test session (Gradio reads it from the environment, so two apps in one
process must agree on it). Several test modules use the same app: :func:`shared_app` starts it
once per process and later calls get the same one.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# A small limit so the size test uploads little; the browser test's files are a few KB.
TEST_UPLOAD_MB = 1.0


@dataclass
class LiveApp:
    url: str
    port: int
    blocks: Any
    services: Any
    settings: Any
    temp: Path

    def close(self) -> None:
        self.blocks.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_settings(store_settings: Any, temp: Path, **server: Any) -> Any:
    """The store's settings with the test server options (loopback, free port, small limit)."""
    base = store_settings.server.model_dump()
    base.update(port=free_port(), temp_dir=temp, max_upload_mb=TEST_UPLOAD_MB)
    base.update(server)
    server_settings = type(store_settings.server).model_validate(base)
    return store_settings.model_copy(update={"server": server_settings})


def start_app(settings: Any, services: Any | None = None) -> LiveApp:
    """Build (or reuse) services, build the app and launch it without blocking."""
    import app as app_module
    from assistant.services import build_services

    temp = app_module.prepare_runtime(settings)
    services = services or build_services(settings)
    blocks = app_module.build_app(services)
    options = app_module.launch_options(settings, temp, blocks)
    blocks.launch(prevent_thread_lock=True, quiet=True, **options)
    url = f"http://127.0.0.1:{settings.server.port}/"
    return LiveApp(url, settings.server.port, blocks, services, settings, temp)


_lock = threading.Lock()
_shared: dict[str, LiveApp] = {}


def shared_app(reports_store: Any, temp: Path) -> LiveApp:
    """The session's app over ``reports_store``; started on first use."""
    with _lock:
        if "app" not in _shared:
            _shared["app"] = start_app(app_settings(reports_store.settings, temp))
        return _shared["app"]


def close_shared() -> None:
    with _lock:
        live = _shared.pop("app", None)
    if live is not None:
        live.close()


def chromium_executable() -> str:
    """Debian's Chromium; skip locally when it is missing, fail in CI (CI=true)."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing in CI; scripts/test.sh installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser tests skipped")
    raise AssertionError  # unreachable


def session_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Gradio temp folder for every app this test process starts."""
    with _lock:
        if "temp" not in _shared:
            _shared["temp"] = tmp_path_factory.mktemp("gradio-app")  # type: ignore[assignment]
        return _shared["temp"]  # type: ignore[return-value]
