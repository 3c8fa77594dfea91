"""One Settings object, read from ``BRIEFQA_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIEFQA_", extra="forbid")

    index_dir: Path = Path("index")
    corpus_dir: Path = Path("seeds")
    chunk_words: int = Field(90, ge=20, le=400, description="Target words per chunk")
    batch_size: int = Field(32, ge=1, le=1024)
    onnx_threads: int = Field(2, ge=1, le=64, description="onnxruntime threads for a query embedded alone; overlapping queries use one each")
    candidates: int = Field(12, ge=1, le=200, description="Top chunks whose sentences are scored as answers")
    max_answer_chars: int = Field(400, ge=50, le=2000)
    min_confidence: float | None = Field(
        None, ge=0, le=1,
        description="Answer only at this calibrated confidence or above (default: the verifier's threshold, chosen on held-out articles)",
    )
    verifier_dir: Path | None = Field(None, description="Trained answer verifier that ingest copies into the index (default: the repository's models/verifier)")
    encoder_dir: Path | None = Field(
        None, description="Sentence encoder (a sentence-transformers folder) that ingest exports and embeds with (default: the repository's models/encoder)",
    )
    api_key: str | None = Field(None, description="When set, every endpoint but /health and the docs needs X-API-Key")
    cors_origins: list[str] = Field(default_factory=list, description='Allowed browser origins, e.g. ["https://example.org"]')
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Larger request bodies get 413")
    max_article_bytes: int = Field(50 * 1024 * 1024, ge=1024, description="Larger files are skipped by a folder ingest")
    max_upload_mb: int = Field(50, ge=1, le=2048, description="Largest upload through POST /documents, in MB (all files of one request together)")
    read_only: bool = Field(False, description="Refuse document uploads and deletions with 403")
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
