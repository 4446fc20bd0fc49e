"""The README's "Federation: node identity" commands, word for word: the province's operator
and the district's, each in their own checkout-like directory (its ``var/``), the hand-over
between them done as an operator would (copying files)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from services.shared.node_registry import NodeRegistry
from services.shared.pki import PkiPaths, load_cert, region_of
from services.shared.token_keys import TokenKey

ROOT = Path(__file__).resolve().parents[2]


def blocks() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("## Federation: node identity")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def operator(home: Path, region: str, key: TokenKey, script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUNLIGHT_")}
    env.update(SUNLIGHT_VAR_DIR="var", SUNLIGHT_NODE_REGION=region,
               SUNLIGHT_TOKEN_KEY=key.to_text())
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=home, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_sets_up_two_nodes_and_revokes_one(tmp_path) -> None:
    province_setup, district_setup, province_rules = blocks()
    province, district = tmp_path / "province", tmp_path / "district"
    for home in (province, district):
        home.mkdir()
        (home / ".venv").symlink_to(ROOT / ".venv")
    province_key, district_key = TokenKey.generate(), TokenKey.generate()

    operator(province, "510000", province_key, province_setup)
    handover = district / "handover"
    handover.mkdir()
    for name in ("node.key", "node.crt", "ca.crt"):
        shutil.copy(province / "var/pki/issued/511602" / name, handover)
    shutil.copy(province / "var/pki/registry.json", handover)
    operator(district, "511602", district_key, district_setup)
    shutil.copy(district / "511602-token-key.json", province)
    operator(province, "510000", province_key, province_rules)

    held = PkiPaths(district / "var/pki")
    assert held.has_identity and region_of(load_cert(held.node_cert)) == "511602"
    paths = PkiPaths(province / "var/pki")
    registry = NodeRegistry.verified(paths.registry.read_bytes(), load_cert(paths.ca_cert))
    assert registry.token_key(province_key.kid)[0] == "510000"
    assert registry.node("511602").token_keys[0]["kid"] == district_key.kid
    assert registry.node("511602").revoked.reason == "private key lost"
    assert [(r.caller, r.callee) for r in registry.calls] == [("510000", "511602")]
    assert all(path.stat().st_mode & 0o077 == 0 for path in paths.root.rglob("*"))
