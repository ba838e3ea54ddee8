"""Build the systems an eval run compares, from the settings (through build_services)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from assistant.eval.answerers import Answerer, PolicyQAAnswerer
from assistant.services import Services
from assistant.eval.baselines import (
    Bm25Answerer,
    NaiveAnswerer,
    NaiveIndex,
    loader_reader,
    naive_directory,
    store_chunks,
    store_files,
)


def _naive_progress(enabled: bool) -> Callable[[int, int], None] | None:
    """A small stderr progress line while the naive index is embedded (first run only)."""
    if not enabled:
        return None
    state = {"last": -1}

    def report(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct != state["last"]:
            state["last"] = pct
            end = "\n" if done >= total else ""
            print(f"\rnaive baseline: embedding {done}/{total} chunks ({pct}%)", end=end, file=sys.stderr, flush=True)

    return report


def build_answerers(services: Services, baselines: list[str], *, progress: bool = True) -> list[Answerer]:
    """PolicyQA first, then the requested baselines over the same store and embedder."""
    settings = services.settings
    qa = services.qa
    answerers: list[Answerer] = [PolicyQAAnswerer(qa, settings=settings)]
    store = services.store
    for name in baselines:
        if name == "naive":
            index = NaiveIndex(
                naive_directory(settings.home),
                store_files(store),
                services.embeddings,
                reader=loader_reader(settings.ingest),
            )
            index.ensure(progress=_naive_progress(progress))
            answerers.append(NaiveAnswerer(index))
        elif name == "bm25":
            answerers.append(Bm25Answerer(store_chunks(store)))
    return answerers
