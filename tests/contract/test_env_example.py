"""``.env.example`` names every setting the node reads (README "Configuration" says so):
a setting added to ``Settings`` without a line there is one nobody finds."""

from __future__ import annotations

import re
from pathlib import Path

from services.shared.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_every_setting_has_a_line_in_the_example() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    missing = []
    for name, field in Settings.model_fields.items():
        env = (field.validation_alias if isinstance(field.validation_alias, str)
               else f"SUNLIGHT_{name.upper()}")
        if not re.search(rf"^(# ?)?{re.escape(env)}=", text, re.MULTILINE):
            missing.append(env)
    assert not missing, f"not in .env.example: {', '.join(missing)}"
