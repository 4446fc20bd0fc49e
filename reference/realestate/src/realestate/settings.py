"""The office's settings, from the environment (``REALESTATE_…``), checked when read."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingsError(ValueError):
    """A setting missing or wrong: the message names it and says what it takes."""


@dataclass(frozen=True)
class Settings:
    #: the office's database (its registrations and the adapter's outbox): any SQLAlchemy URL
    database_url: str = "sqlite:///realestate.db"
    #: the platform item the office submits for (its catalogue id) and its region
    item_id: str = ""
    region: str = "511602"
    #: the node's gateway and the office's token (role department_system), or a file holding
    #: the token, read before every call (replace the file to rotate it)
    sunlight_url: str = ""
    token: str = ""
    token_file: str = ""
    #: the node's broker and the office's own queue on cases.events
    amqp_url: str = ""
    queue: str = ""
    #: seconds for each call to the gateway
    timeout_s: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        region = env.get("REALESTATE_REGION", "511602").strip()
        if not re.fullmatch(r"[0-9]{6}", region):
            raise SettingsError(f"REALESTATE_REGION: 6 digits (GB/T 2260), not {region!r}")
        try:
            timeout_s = float(env.get("REALESTATE_TIMEOUT_S", "10"))
        except ValueError:
            raise SettingsError("REALESTATE_TIMEOUT_S: seconds, e.g. 10") from None
        if not 0 < timeout_s <= 300:
            raise SettingsError("REALESTATE_TIMEOUT_S: more than 0, at most 300 seconds")
        return cls(
            database_url=env.get("REALESTATE_DATABASE_URL", cls.database_url).strip(),
            item_id=env.get("REALESTATE_ITEM_ID", "").strip(), region=region,
            sunlight_url=env.get("REALESTATE_SUNLIGHT_URL", "").strip(),
            token=env.get("REALESTATE_TOKEN", "").strip(),
            token_file=env.get("REALESTATE_TOKEN_FILE", "").strip(),
            amqp_url=env.get("REALESTATE_AMQP_URL", "").strip(),
            queue=env.get("REALESTATE_QUEUE", "").strip() or f"realestate-{region}",
            timeout_s=timeout_s)

    def need_item(self) -> str:
        if not self.item_id:
            raise SettingsError("REALESTATE_ITEM_ID: the catalogue id of the platform item "
                                "the office submits for (docs/integrators/attach-a-system.md)")
        return self.item_id

    def need_node(self) -> tuple[str, Callable[[], str] | str, str]:
        """(gateway URL, token source, AMQP URL) for ``realestate run``."""
        missing = [name for name, value in (
            ("REALESTATE_SUNLIGHT_URL", self.sunlight_url),
            ("REALESTATE_TOKEN or REALESTATE_TOKEN_FILE", self.token or self.token_file),
            ("REALESTATE_AMQP_URL", self.amqp_url)) if not value]
        if missing:
            raise SettingsError(f"{', '.join(missing)}: needed to reach the node")
        if not self.sunlight_url.startswith(("http://", "https://")):
            raise SettingsError("REALESTATE_SUNLIGHT_URL: the gateway's http(s) URL, e.g. "
                                "http://127.0.0.1:8080")
        if not self.amqp_url.startswith(("amqp://", "amqps://")):
            raise SettingsError("REALESTATE_AMQP_URL: amqp://user:password@host:5672/vhost")
        if self.token_file:
            path = Path(self.token_file)

            def token() -> str:
                return path.read_text("utf-8").strip()

            if not path.is_file():
                raise SettingsError(f"REALESTATE_TOKEN_FILE: no file {path}")
            return self.sunlight_url, token, self.amqp_url
        return self.sunlight_url, self.token, self.amqp_url
