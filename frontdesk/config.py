"""Configuration from environment variables (and a `.env` file), each with a local default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from frontdesk.payloads import LOCAL_DEMO_KEY

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
DEMO_REGISTRY_SECRET = "local-demo-secret-change-me"


class Settings(BaseSettings):
    """Validated settings of every front-desk process."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR / 'frontdesk.db'}",
        description="SQLAlchemy URL of the front desk's database.",
    )
    rasa_port: int = Field(default=5005, ge=1, le=65535)
    rasa_url: str | None = Field(
        default=None, description="Base URL of the Rasa server; default http://127.0.0.1:RASA_PORT."
    )
    rasa_token: SecretStr | None = Field(
        default=None,
        description="Token of Rasa's HTTP API; unset: the launcher generates one per run (none when open "
        "for evaluation).",
    )
    rasa_channel_secret: SecretStr | None = Field(
        default=None,
        description="Shared secret of Rasa's REST channel and the action server (X-Frontdesk-Secret); "
        "unset: the launcher generates one per run.",
    )
    rasa_open_for_evaluation: bool | None = Field(
        default=None,
        description="The contract's endpoints as Rasa defines them, for evaluators on this machine: "
        "/model/parse without a token and the REST channel without the secret from bare sender ids; "
        "unset: on in the local demo, off otherwise.",
    )
    tracker_store_url: str = Field(
        default=f"sqlite:///{VAR_DIR / 'rasa-tracker.db'}",
        description="Rasa's SQL tracker store (conversations, slots, pending forms; Rasa's SQLAlchemy 1.4 "
        "URL, e.g. postgresql://user@host/rasa: a database of its own, not the front desk's).",
    )
    lock_store_url: str | None = Field(
        default=None,
        pattern=r"^redis://[^/\s]+(:\d{1,5})?(/\d{1,2})?$",
        description="Rasa's Redis lock store (e.g. redis://127.0.0.1:6379/1): of several Rasa instances, "
        "never two processing one talent's messages at once; unset: Rasa's in-memory lock (one instance).",
    )
    rasa_timeout_seconds: float = Field(default=10.0, gt=0)
    actions_port: int = Field(default=5055, ge=1, le=65535)
    backoffice_port: int = Field(default=8080, ge=1, le=65535, description="The back office, on 127.0.0.1.")
    backoffice_secure_cookies: bool | None = Field(
        default=None,
        description="Session cookies only over HTTPS (__Host- prefix, HSTS); unset: off in the local demo "
        "(plain http://127.0.0.1), on otherwise (behind the HTTPS proxy).",
    )
    webchat_port: int = Field(default=8082, ge=1, le=65535, description="The web chat, on 127.0.0.1.")
    webchat_embed_origins: str = Field(
        default="'self'",
        description="Sources allowed to embed the web chat in a frame (CSP frame-ancestors, separated by "
        "spaces), e.g. 'self' https://www.example.gov.cn",
    )
    webchat_session_limit: str = Field(
        default="60/minute",
        description="API requests one web-chat session may make, polling included (limits notation).",
    )
    webchat_message_limit: str = Field(
        default="20/minute", description="Messages one web-chat session may send."
    )
    webchat_address_limit: str = Field(
        default="600/minute",
        description="API requests from one client address (a kiosk, an office behind one address).",
    )
    webchat_status_limit: str = Field(
        default="10/hour", description="Ticket-status checks per session and per client address."
    )
    webchat_ratelimit_storage: str = Field(
        default="memory://",
        description="Where the web chat counts requests: memory:// (one process) or a limits storage URI "
        "such as redis://127.0.0.1:6379 (several processes).",
    )
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL Telegram posts updates to; unset: the bot polls (the default).",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret token Telegram sends with every webhook call (required with a URL)."
    )
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    staff_chat_id: int | None = None
    office_hours: str = Field(
        default="10:00-14:00,16:00-20:00", description="Office periods of a working day, Asia/Shanghai time."
    )
    sla_first_response_hours: float = Field(default=4, gt=0, description="Working hours to a first response.")
    sla_urgent_first_response_hours: float = Field(default=1, gt=0)
    sla_resolution_hours: float = Field(default=24, gt=0, description="Working hours to resolution.")
    sla_warning_share: float = Field(default=0.75, gt=0, lt=1, description="Warn when this share has passed.")
    registry_secret: SecretStr = Field(
        default=SecretStr(DEMO_REGISTRY_SECRET),
        description="Key of the hashes that stand for talents' phone numbers; set a long random value.",
    )
    button_secret: SecretStr = Field(
        default=SecretStr(LOCAL_DEMO_KEY),
        description="Key that signs the payloads of the assistant's buttons; set a long random value.",
    )
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_poll_seconds: float = Field(
        default=1.0, gt=0, description="Seconds between the bot's rounds of sending due notifications."
    )
    contact_reminder_days: int = Field(
        default=90,
        ge=1,
        description="A contact leader is reminded of a talent they look after with no contact for this many "
        "days (since the latest contact, or the pairing); a follow-up day they set reminds them too.",
    )
    window_phone: str = Field(
        default="0909-2222000", description="Phone number of the service window, quoted in replies."
    )
    max_message_chars: int = Field(default=1000, ge=50, description="Text beyond this is not sent to NLU.")
    spool_dir: Path = Field(
        default=VAR_DIR / "spool",
        description="Where talents' messages wait on local disk while the database is down.",
    )
    unanswered_after_seconds: float = Field(
        default=120,
        gt=0,
        description="A message nothing has answered after this long becomes a ticket (a process died).",
    )
    nlu_confident_threshold: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Intent confidence from which the assistant acts; below it (down to the "
        "FallbackClassifier's threshold in config.yml) it asks which of the two likeliest topics is meant.",
    )

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> Settings:
        if self.telegram_webhook_url and self.telegram_webhook_secret is None:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (A-Z, a-z, 0-9, _ and -)")
        return self

    @property
    def local_demo(self) -> bool:
        """The embedded default: an SQLite database and no Telegram bot."""
        return self.database_url.startswith("sqlite") and self.telegram_bot_token is None

    @property
    def secure_cookies(self) -> bool:
        return (
            not self.local_demo if self.backoffice_secure_cookies is None else self.backoffice_secure_cookies
        )

    @property
    def open_for_evaluation(self) -> bool:
        return self.local_demo if self.rasa_open_for_evaluation is None else self.rasa_open_for_evaluation

    def check_secrets(self) -> None:
        """Outside the local demo, refuse (ValueError) secrets still at their published demo values: with
        the demo's REGISTRY_SECRET the phone numbers in a copy of the database are recovered in seconds."""
        defaults = {
            "REGISTRY_SECRET": (self.registry_secret, DEMO_REGISTRY_SECRET),
            "BUTTON_SECRET": (self.button_secret, LOCAL_DEMO_KEY),
        }
        unset = [name for name, (value, demo) in defaults.items() if value.get_secret_value() == demo]
        if unset and not self.local_demo:
            raise ValueError(
                f"{' and '.join(unset)} still have the local demo's published values, which are only for "
                "the demo (SQLite, no Telegram bot). Set each in .env or the environment to a long random "
                "value, e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )

    @property
    def rasa_base_url(self) -> str:
        return (self.rasa_url or f"http://127.0.0.1:{self.rasa_port}").rstrip("/")

    @property
    def actions_webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
