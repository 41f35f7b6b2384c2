"""The one Settings object. Every field is an environment variable with the prefix MULTIPLEX_.

Read once at start-up (`load_settings()`), then handed down: the app, the engine, the LLM layer
and the scorer each receive the Settings they run with. A bad value fails at start-up with the
variable named.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from multiplex.cpus import available_cpus
from multiplex.errors import ConfigError

CommaList = Annotated[list[str], NoDecode]
PERSPECTRUM_SOURCE = (
    "https://raw.githubusercontent.com/CogComp/perspectrum/b42c27b85f20f2a35c0a0895698fa242ccf160ab/data/dataset"
)
ARGKP_SOURCE = "https://raw.githubusercontent.com/IBM/KPA_2021_shared_task/2f5e2d5ad5a387fe731da2f00b423ce1d845c5d2"
WORLDVIEW_BENCH_SOURCE = (
    "https://raw.githubusercontent.com/GabHoo/cultural_sae_exploration/"
    "f19398d3eb69f77bceb8e9602e3a8ab64311bacc/data/WorldView-Bench%20Dataset.csv"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MULTIPLEX_", extra="ignore", validate_default=True)

    # Models
    model: str = Field("local/smollm2", description="litellm model string (or Router model name) of every agent")
    synthesizer_model: str | None = Field(None, description="model of the synthesizer (default: MODEL)")
    judge: str = Field("lexicon", description="`lexicon`, or a litellm model string for an LLM judge")
    planner: Literal["auto", "on", "off"] = Field(
        "auto", description="mas planner node; auto = on for remote providers, off for local/ and fake/"
    )
    synthesis: Literal["auto", "llm", "sections"] = Field(
        "auto", description="mas synthesis; auto = sections for local/ and fake/, llm otherwise"
    )
    quorum: float = Field(0.5, gt=0, le=1, description="share of perspective agents that must answer")
    straggler_grace_s: float | None = Field(
        15.0, ge=0, description="once the quorum has answered, how long the other agents may still take; empty = wait"
    )
    synthesizer_timeout_s: float | None = Field(
        None, gt=0, description="time the synthesizer's call may take (default: TIMEOUT_S)"
    )
    max_perspectives: int = Field(16, ge=1, description="perspectives one request may ask for")
    allowed_models: CommaList = Field(
        default_factory=list, description="models a request may choose (multiplex.models, synthesizer_model)"
    )
    expose_drafts: Literal["reasoning_content", "think", "none"] = Field(
        "reasoning_content", description="where a mas answer shows its drafts"
    )
    degraded_note: Literal["on", "off"] = Field(
        "on", description="a line in a mas answer naming the voices that did not answer"
    )
    answer_length: float = Field(
        2.0, ge=1.0, description="mas: most words of an answer, as a multiple of its considerations' (a plain answer)"
    )
    max_tokens: int = Field(512, ge=1, description="default max tokens of one agent call")
    context_window: int | None = Field(
        None, ge=1024, description="context window, in tokens, of a model litellm does not know (sizes the drafts)"
    )
    timeout_s: float = Field(120.0, gt=0, description="time one LLM call may take, retries included, in seconds")
    retries: int = Field(1, ge=0, le=5, description="retries of one failed LLM call (timeouts, 429, 5xx)")
    router_config: Path | None = Field(None, description="LiteLLM proxy-style YAML: every call through a Router")

    # Data
    agents_dir: Path | None = Field(None, description="folder of perspective cards (default: shipped)")
    prompts_dir: Path | None = Field(None, description="folder of prompt templates (default: shipped)")
    worldview_bench_url: str = Field(WORLDVIEW_BENCH_SOURCE, description="URL or path of the WorldView-Bench CSV")
    perspectrum_url: str = Field(PERSPECTRUM_SOURCE, description="URL or folder of Perspectrum's files")
    argkp_url: str = Field(ARGKP_SOURCE, description="URL or folder of ArgKP's files (kpm_data/...)")

    # Embedded model
    local_model_path: Path | None = Field(None, description="GGUF file of local/ (default: SmolLM2-135M)")
    local_n_ctx: int = Field(8192, ge=512, description="context of the embedded model, shared by parallel calls")
    local_threads: int | None = Field(
        None, ge=1, description="llama.cpp threads (default: the CPUs this process may use, affinity and quota)"
    )
    local_parallel: int = Field(8, ge=1, le=64, description="embedded model calls decoded together in one batch")

    # Fake provider (demos, load tests)
    fake_latency_ms: float = Field(0.0, ge=0, description="latency of each fake/ call, in ms")
    fake_fail: CommaList = Field(default_factory=list, description="perspective ids whose fake calls fail")

    # Chat clients
    client_tasks: Literal["on", "off"] = Field(
        "on", description="run chat clients' housekeeping requests (titles, tags) as one plain call"
    )
    client_task_patterns: list[str] = Field(
        default_factory=list, description="JSON list of more regular expressions that mark a client's task"
    )

    # Server
    host: str = Field("127.0.0.1", description="address `multiplex serve` binds")
    port: int = Field(8000, ge=0, le=65535, description="port `multiplex serve` binds")
    metrics_port: int | None = Field(None, ge=1, le=65535, description="also serve /metrics here, without a key")
    api_keys: CommaList = Field(default_factory=list, description="accepted API keys; empty = no auth")
    cors_origins: CommaList = Field(default_factory=list, description="allowed CORS origins")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body accepted")
    body_timeout_s: float = Field(30.0, gt=0, description="time a request's body may take to arrive (408 beyond)")
    header_timeout_s: float = Field(10.0, gt=0, description="time a connection may take to send a request's headers")
    max_connections: int | None = Field(
        None, ge=16, description="open connections at most (default: what the process's file limit leaves)"
    )
    drain_s: float = Field(
        20.0, ge=0, description="on SIGTERM, how long runs in flight may finish before open streams are ended"
    )
    redis_url: str | None = Field(None, description="Redis shared by every replica: rate limits and the answer cache")
    cache_ttl_s: int = Field(3600, ge=0, description="seconds an answer stays in the answer cache; 0 = no cache")
    cache_sampled: Literal["on", "off"] = Field(
        "off", description="also cache requests sampled at temperature > 0 with no seed"
    )
    max_concurrent_runs: int = Field(4, ge=1, description="graph runs executing at once")
    max_queued_runs: int = Field(16, ge=0, description="runs waiting for a slot before 503")
    rate_limit_rpm: int = Field(0, ge=0, description="requests per minute per API key; 0 = off")
    ping_interval_s: float = Field(10.0, gt=0, description="SSE keep-alive comment interval")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="log level")
    log_format: Literal["text", "json"] = Field("text", description="log lines as text, or one JSON object each")
    log_messages: Literal["on", "off"] = Field("off", description="debug logs show the messages' text too")

    @field_validator("fake_fail", "api_keys", "cors_origins", "allowed_models", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("straggler_grace_s", "synthesizer_timeout_s", "max_connections", "context_window", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # An empty variable means "not set": for the straggler grace, wait for every agent.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _keys_or_nothing(cls, value: object) -> object:
        # A value that names no key (" , ", spaces, a tab) is a mistake, not a wish to turn auth off:
        # that is an empty value.
        if isinstance(value, str) and value and not value.replace(",", "").strip():
            raise ValueError(f"{value!r} names no key; leave it empty to turn auth off")
        return value

    @field_validator("agents_dir", "prompts_dir")
    @classmethod
    def _existing_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value

    @field_validator("local_model_path", "router_config")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file")
        return value

    @field_validator("local_model_path")
    @classmethod
    def _gguf(cls, value: Path | None) -> Path | None:
        if value is not None:
            with value.open("rb") as handle:
                if handle.read(4) != b"GGUF":
                    raise ValueError(f"{value} is not a GGUF model file (it does not start with 'GGUF')")
        return value

    @field_validator("client_task_patterns")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"'{pattern}' is not a regular expression ({exc})") from None
        return patterns

    @model_validator(mode="after")
    def _model_strings(self) -> Settings:
        names = ["model", "synthesizer_model"] + (["judge"] if self.judge != "lexicon" else [])
        for name in names:
            value = getattr(self, name)
            if value is not None and "/" not in value and not self.router_config:
                hint = "'lexicon' or " if name == "judge" else ""
                raise ValueError(f"{name}: '{value}' is not {hint}a litellm model string like 'openai/gpt-4o-mini'")
        return self

    def dataset_sources(self) -> dict[str, str]:
        """Where the named question sets are read from."""
        return {
            "worldview-bench": self.worldview_bench_url,
            "perspectrum": self.perspectrum_url,
            "argkp": self.argkp_url,
        }

    @property
    def synthesizer(self) -> str:
        return self.synthesizer_model or self.model

    @property
    def threads(self) -> int:
        return self.local_threads or available_cpus()


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except SettingsError as exc:  # a value pydantic-settings could not even parse (JSON settings)
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"MULTIPLEX_{field.group(1).upper()}" if field else "a MULTIPLEX_ setting"
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        raise ConfigError(f"invalid settings: {name}: not valid JSON{cause}") from None
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from None


def _problem(err: Any) -> str:
    """One validation error as a line naming its variable (a check across fields names its own:
    "model: 'gpt4' is not ..." is MULTIPLEX_MODEL's)."""
    message = str(err["msg"]).replace("Value error, ", "")
    name = "_".join(str(p) for p in err["loc"])
    if not name and (named := re.match(r"(\w+): ", message)) and named.group(1) in Settings.model_fields:
        name, message = named.group(1), message[named.end() :]
    return f"MULTIPLEX_{name.upper() or 'SETTINGS'}: {message}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, for entry points only (CLI, `create_app()` without arguments)."""
    return load_settings()
