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
    candidates: int = Field(20, ge=1, le=200, description="Chunks scored for answer sentences")
    max_answer_chars: int = Field(400, ge=50, le=2000)
    api_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
