"""Files uploaded in the browser: size check, then a copy under ``<home>/uploads/`` to ingest.

Gradio keeps uploads in its temp folder under a random sub-folder that it may clean up. Ingest
identifies a document by its path, so we copy each upload to a stable place in the store: a
changed file uploaded again under the same name then *replaces* its earlier version instead of
becoming a second document. The uploads folder lives in the store, which the app never serves.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

UPLOADS_DIR = "uploads"


@dataclass(frozen=True)
class FileProblem:
    """A file that was not ingested, with why and what to do; shown per file in the UI."""

    name: str
    reason: str
    hint: str = ""


def safe_name(name: str) -> str:
    """The base name of an upload, without path parts or characters that upset file systems."""
    base = Path(str(name).replace("\\", "/")).name
    base = re.sub(r'[\x00-\x1f<>:"|?*]', "_", base).strip(" .")
    return base or "upload"


def uploads_dir(home: Path) -> Path:
    return Path(home) / UPLOADS_DIR


def stage_uploads(
    files: list[str | Path], home: Path, max_mb: float
) -> tuple[list[Path], list[FileProblem]]:
    """Copy acceptable uploads into ``<home>/uploads/``; refuse files over ``max_mb``.

    Returns the staged paths (in upload order) and the refused files with a reason and a hint.
    """
    dest = uploads_dir(home)
    staged: list[Path] = []
    problems: list[FileProblem] = []
    limit = int(max_mb * 1024 * 1024)
    for f in files:
        src = Path(f)
        name = safe_name(src.name)
        try:
            size = src.stat().st_size
        except OSError as exc:
            problems.append(FileProblem(name, f"无法读取上传的文件：{exc.strerror or exc}", "请重新上传"))
            continue
        if size > limit:
            problems.append(
                FileProblem(
                    name,
                    f"文件太大：{size / 1024 / 1024:.1f} MB，超过上传上限 {max_mb:g} MB",
                    "请拆分文件，或由管理员调高 POLICYQA_SERVER__MAX_UPLOAD_MB",
                )
            )
            continue
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / name
        shutil.copyfile(src, target)
        staged.append(target)
    return staged, problems
