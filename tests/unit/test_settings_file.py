"""Where a node's settings come from: the environment, then the settings file (``.env``, or
the file SUNLIGHT_ENV_FILE names), then var/node.env; and the broker a node uses by default."""

from __future__ import annotations

import pytest

from services.shared.config import Settings, load_settings


def test_the_settings_file_can_be_named_and_the_vhost_follows_the_region(
        tmp_path, monkeypatch) -> None:
    for name in ("AMQP_URI", "SUNLIGHT_NODE_REGION"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / "511600.env"
    env_file.write_text("SUNLIGHT_NODE_REGION=511600\nSUNLIGHT_NODE_NAME=广安市\n")
    monkeypatch.setenv("SUNLIGHT_ENV_FILE", str(env_file))
    settings = load_settings()
    assert (settings.node_region, settings.node_name) == ("511600", "广安市")
    assert settings.amqp_uri == "amqp://guest:guest@127.0.0.1:5672/sunlight-511600"
    env_file.write_text("AMQP_URI=amqp://u:p@mq.example:5672/elsewhere\n")
    assert Settings().amqp_uri == "amqp://u:p@mq.example:5672/elsewhere"
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/from-the-environment")
    assert Settings().amqp_uri.endswith("/from-the-environment")  # the environment first


def test_a_named_settings_file_that_is_missing_stops_the_step(tmp_path, monkeypatch,
                                                              capsys) -> None:
    monkeypatch.setenv("SUNLIGHT_ENV_FILE", str(tmp_path / "typo.env"))
    with pytest.raises(SystemExit):
        load_settings()
    assert "SUNLIGHT_ENV_FILE: no such file" in capsys.readouterr().err

