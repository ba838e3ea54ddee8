"""Every quoted title is the document's own: over all corpora, every 《…》 in every answer (and in
every document label the app and the CLI show) occurs in the cited document's text or is its
file name's stem.

The store is real (ingest pipeline, the store on its memory backend, which the store contract
suite holds to embedded Chroma's behaviour, the BM25 index, the answer path); the embedder is
the deterministic hash one, because which passage is retrieved does not change what a citation
may call its document, and embedding ~2,000 chunks with e5 would cost minutes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.citing import document_name, lead_line, meta_text
from assistant.pipeline import QAService
from common.settings import Settings, StoreSettings
from common.textnorm import normalize
from ingest.pipeline import ingest_paths
from tests.conftest import SHARED
from tests.fakes import HashEmbeddings
from vectorstore import memory_chroma
from vectorstore.chroma_store import open_store
from vectorstore.lexical import LexicalIndex

ROOT = Path(__file__).resolve().parents[2]
CORPORA = [SHARED / "corpus", SHARED / "policies2020" / "docs"]
QUESTION_FILES = [
    ROOT / "evals" / "questions.jsonl", ROOT / "evals" / "dev.jsonl", ROOT / "evals" / "fresh.jsonl",
    ROOT / "evals" / "policies2020_unanswerable.jsonl", SHARED / "policies2020" / "questions.jsonl",
]
_QUOTED = re.compile(r"《([^《》]+)》")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> Iterator[tuple[QAService, dict[str, str]]]:
    home = tmp_path_factory.mktemp("all_corpora")
    settings = Settings(home=home, store=StoreSettings(backend="memory"))
    emb = HashEmbeddings()
    store = open_store(settings, emb, create=True)
    report = ingest_paths(CORPORA, settings, store, emb)
    assert not report.failed and len(report.added) == 137
    texts = {p.name: normalize(p.read_text(encoding="utf-8")) for c in CORPORA for p in c.rglob("*.txt")}
    yield QAService(settings, store, emb, LexicalIndex(store)), texts
    memory_chroma.forget(str(home))


def _own_words(title: str, source: str, texts: dict[str, str]) -> bool:
    t = normalize(title)
    return t == normalize(Path(source).stem) or t in texts[source]


def test_document_labels_quote_only_stated_titles(corpora) -> None:
    qa, texts = corpora
    bad = []
    for doc in qa.store.list_documents():
        shown = [document_name(doc), lead_line(doc), meta_text(doc)]
        for title in (t for s in shown for t in _QUOTED.findall(s)):
            if not _own_words(title, doc["source"], texts):
                bad.append((doc["source"], title))
    assert bad == []


def test_every_quoted_title_in_every_answer_is_the_documents_own(corpora) -> None:
    qa, texts = corpora
    questions = [json.loads(line)["question"] for f in QUESTION_FILES for line in f.read_text("utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    assert len(questions) > 450
    bad = []
    for q in questions:
        a = qa.ask(q)
        sources = {c.passage.source for c in a.citations} | {p.source for p in a.passages}
        for title in _QUOTED.findall(a.answer):
            if normalize(title) in normalize(q):
                continue  # the question's own words, echoed
            if not any(_own_words(title, s, texts) for s in sources if s in texts):
                # a 《…》 inside a verbatim quote is the document's words too
                if not any(normalize(title) in normalize(c.passage.text) for c in a.citations):
                    bad.append((q, title))
    assert bad == []
