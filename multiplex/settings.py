"""The one Settings object. Every field is an environment variable with the prefix MULTIPLEX_.

Read once at start-up (`get_settings()`); a bad value fails there with the variable named.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from multiplex.errors import ConfigError

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MULTIPLEX_", extra="ignore", validate_default=True)

    # Models
    model: str = Field("local/smollm2", description="litellm model string used by every agent")
    synthesizer_model: str | None = Field(None, description="model of the synthesizer (default: MODEL)")
    judge: str = Field("lexicon", description="`lexicon`, or a litellm model string for an LLM judge")
    planner: Literal["auto", "on", "off"] = Field(
        "auto", description="mas planner node; auto = on for remote providers, off for local/ and fake/"
    )
    quorum: float = Field(0.5, gt=0, le=1, description="share of perspective agents that must answer")
    max_tokens: int = Field(512, ge=1, description="default max tokens of one agent call")
    timeout_s: float = Field(120.0, gt=0, description="timeout of one LLM call, in seconds")
    retries: int = Field(1, ge=0, le=5, description="retries of one failed LLM call (timeouts, 5xx)")

    # Data
    agents_dir: Path | None = Field(None, description="folder of perspective cards (default: shipped)")
    prompts_dir: Path | None = Field(None, description="folder of prompt templates (default: shipped)")

    # Embedded model
    local_model_path: Path | None = Field(None, description="GGUF file of local/ (default: SmolLM2-135M)")
    local_n_ctx: int = Field(2048, ge=256, description="context window of the embedded model")
    local_threads: int | None = Field(None, ge=1, description="llama.cpp threads (default: all cores)")

    # Fake provider (tests)
    fake_latency_ms: float = Field(0.0, ge=0, description="latency of each fake/ call, in ms")
    fake_fail: CommaList = Field(default_factory=list, description="perspective ids whose fake calls fail")

    # Server
    host: str = Field("127.0.0.1", description="address `multiplex serve` binds")
    port: int = Field(8000, ge=0, le=65535, description="port `multiplex serve` binds")
    api_keys: CommaList = Field(default_factory=list, description="accepted API keys; empty = no auth")
    cors_origins: CommaList = Field(default_factory=list, description="allowed CORS origins")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body accepted")
    max_concurrent_runs: int = Field(4, ge=1, description="graph runs executing at once")
    max_queued_runs: int = Field(16, ge=0, description="runs waiting for a slot before 503")
    rate_limit_rpm: int = Field(0, ge=0, description="requests per minute per API key; 0 = off")
    ping_interval_s: float = Field(10.0, gt=0, description="SSE keep-alive comment interval")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="log level")

    @field_validator("fake_fail", "api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("agents_dir", "prompts_dir")
    @classmethod
    def _existing_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value

    @field_validator("local_model_path")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file")
        return value

    @model_validator(mode="after")
    def _model_strings(self) -> Settings:
        for name in ("model", "synthesizer_model"):
            value = getattr(self, name)
            if value is not None and "/" not in value:
                raise ValueError(f"{name}: '{value}' is not a litellm model string like 'openai/gpt-4o-mini'")
        return self

    @property
    def synthesizer(self) -> str:
        return self.synthesizer_model or self.model

    def planner_enabled(self) -> bool:
        if self.planner == "auto":
            return not self.model.startswith(("local/", "fake/"))
        return self.planner == "on"


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"MULTIPLEX_{'_'.join(str(p) for p in err['loc']).upper() or 'SETTINGS'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
