"""Two processes on one embedded store: a long-running reader (the web app, an `ask` loop) and
a `policyqa ingest` in another process. The reader must see the new documents in dense search,
not fail on vectors its in-memory index has not loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common.settings import Settings
from tests.fakes import HashEmbeddings, commit, make_meta
from vectorstore.chroma_store import open_store
from vectorstore.lexical import LexicalIndex

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from common.settings import Settings
from tests.fakes import HashEmbeddings, commit, make_meta
from vectorstore.chroma_store import open_store
emb = HashEmbeddings()
store = open_store(Settings(home=sys.argv[1]), emb, create=True)
texts = [sys.argv[3] + f"第{i}句。" for i in range(6)]
if sys.argv[2] == "delete":
    store.delete_document("yj")
else:
    commit(store, emb, make_meta(sys.argv[2], "".join(texts)), texts)
"""


def write_in_another_process(home: Path, doc_id: str, words: str = "") -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(home), doc_id, words],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_reader_follows_writes_from_another_process(tmp_path: Path):
    home = tmp_path / "store"
    emb = HashEmbeddings()
    reader = open_store(Settings(home=home), emb, create=True)
    texts = ["阳江孵化器第1句。", "阳江孵化器第2句。"]
    commit(reader, emb, make_meta("yj", "".join(texts)), texts)
    query = emb.embed_query("中山创新券第1句。")
    assert {c.metadata["doc_id"] for c, _ in reader.dense_search(query, 3)} == {"yj"}
    lexical = LexicalIndex(reader)
    assert lexical.search("创新券", k=3) == []

    write_in_another_process(home, "zs", "中山创新券")
    hits = reader.dense_search(query, 3)
    assert hits[0][0].metadata["doc_id"] == "zs" and hits[0][1] > 0.9
    assert lexical.search("创新券", k=3)  # the lexical index follows the generation too

    write_in_another_process(home, "delete")
    assert {c.metadata["doc_id"] for c, _ in reader.dense_search(query, 10)} == {"zs"}
    assert [d["doc_id"] for d in reader.list_documents()] == ["zs"]
    assert reader.verify() == []
