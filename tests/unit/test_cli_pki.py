"""``sunlight pki``: the commands an operator of the province node runs, on its own files."""

from __future__ import annotations

import json
import stat

from click.testing import CliRunner

from cli.main import main
from services.shared.node_registry import NodeRegistry
from services.shared.pki import PkiPaths, load_cert, region_of
from services.shared.token_keys import TokenKey


def run(var, *args: str, region: str = "510000"):
    return CliRunner().invoke(main, ["pki", *args], env={
        "SUNLIGHT_VAR_DIR": str(var), "SUNLIGHT_NODE_REGION": region})


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_province_sets_up_its_ca_issues_allows_and_revokes(tmp_path) -> None:
    var = tmp_path / "var"
    paths = PkiPaths.under(var)
    result = run(var, "init-ca")
    assert result.exit_code == 0, result.output
    assert mode(paths.ca_key) == 0o600 and mode(paths.ca_key.parent) == 0o700
    assert run(var, "init-ca").exit_code == 1  # never replaced

    own = run(var, "issue-node", "--region", "510000", "--gateway-host", "127.0.0.1")
    assert own.exit_code == 0, own.output
    published = json.loads(run(var, "token-key").output)["keys"][0]
    assert "d" not in published and published["kty"] == "OKP"
    assert region_of(load_cert(paths.node_cert)) == "510000" and mode(paths.node_key) == 0o600
    other = run(var, "issue-node", "--region", "511602", "--gateway-host", "127.0.0.1",
                "--gateway-port", "18160")
    assert other.exit_code == 0, other.output
    handed = paths.issued("511602")
    assert {p.name for p in handed.iterdir()} == {"node.key", "node.crt", "ca.crt"}

    key = TokenKey.generate()
    (tmp_path / "key.json").write_text(json.dumps({"keys": [key.jwk]}))
    registered = run(var, "register-node", "--region", "511602",
                     "--token-key", str(tmp_path / "key.json"))
    assert registered.exit_code == 0, registered.output
    allowed = run(var, "allow", "--caller", "510000", "--callee", "511602",
                  "--method", "/sunlight.gateway.v1.FederationService/Hello")
    assert allowed.exit_code == 0, allowed.output
    assert run(var, "revoke", "--region", "511602", "--reason", "key lost").exit_code == 0

    registry = NodeRegistry.verified(paths.registry.read_bytes(), load_cert(paths.ca_cert))
    assert registry.token_key(published["kid"])[0] == "510000"  # registered with its cert
    district = registry.node("511602")
    assert district.gateway == "127.0.0.1:18160" and district.revoked.reason == "key lost"
    assert registry.token_key(key.kid) is None  # revoked with its node
    assert [r.method for r in registry.calls] == ["/sunlight.gateway.v1.FederationService/Hello"]
    shown = run(var, "show")
    assert shown.exit_code == 0, shown.output
    assert "511602 广安区" in shown.output and "REVOKED" in shown.output
    assert json.loads(run(var, "show", "--json").output)["serial"] == registry.serial


def test_regions_are_checked_against_the_division_codes(tmp_path) -> None:
    var = tmp_path / "var"
    assert run(var, "init-ca").exit_code == 0
    unknown = run(var, "issue-node", "--region", "519999", "--gateway-host", "127.0.0.1")
    assert unknown.exit_code == 2 and "519999" in unknown.output
    elsewhere = run(var, "issue-node", "--region", "500000", "--gateway-host", "127.0.0.1")
    assert elsewhere.exit_code == 2 and "not in province 510000" in elsewhere.output
    bad_rule = run(var, "allow", "--caller", "510000", "--callee", "511602",
                   "--method", "GetCase")
    assert bad_rule.exit_code == 1 and "not a gRPC method" in bad_rule.output


def test_only_a_province_node_holds_a_ca(tmp_path) -> None:
    result = run(tmp_path / "var", "init-ca", region="511602")
    assert result.exit_code == 1 and "province node" in result.output
    assert not PkiPaths.under(tmp_path / "var").ca_key.exists()
    assert run(tmp_path / "var", "show").exit_code == 1


def test_in_a_province_set_up_here_pki_acts_on_the_province_node_and_copies_the_registry(
        tmp_path) -> None:
    """`make run` lays the province out under var/<region>/: `sunlight pki` finds the CA in
    var/510000/pki, and a change (a revocation above all) reaches every node's copy."""
    from infra.province import Plan, PlannedNode  # noqa: PLC0415

    var = tmp_path / "var"
    Plan(var, [PlannedNode(r, r, {"SUNLIGHT_VAR_DIR": str(var / r)})
               for r in ("510000", "511602")]).write()
    assert run(var, "init-ca").exit_code == 0
    assert PkiPaths.under(var / "510000").ca_key.is_file()
    assert not (var / "pki").exists()  # never a second CA beside the province's
    for region in ("510000", "511602"):
        issued = run(var, "issue-node", "--region", region, "--gateway-host", "127.0.0.1")
        assert issued.exit_code == 0, issued.output
    revoked = run(var, "revoke", "--region", "511602", "--reason", "key lost")
    assert revoked.exit_code == 0 and "511602" in revoked.output
    ca_cert = load_cert(PkiPaths.under(var / "510000").ca_cert)
    copy = NodeRegistry.verified(PkiPaths.under(var / "511602").registry.read_bytes(), ca_cert)
    assert copy.node("511602").revoked.reason == "key lost"


def test_a_token_key_file_without_a_key_is_refused_in_words(tmp_path) -> None:
    var = tmp_path / "var"
    assert run(var, "init-ca").exit_code == 0
    for text, code in (('{"keys": []}', 1), ("[1, 2]", 2), ('"key"', 2)):
        (tmp_path / "key.json").write_text(text)
        refused = run(var, "register-node", "--region", "511602", "--token-key",
                      str(tmp_path / "key.json"))
        assert refused.exit_code == code, (text, refused.output)
        assert isinstance(refused.exception, SystemExit), text  # no stack trace
        assert "token" in refused.output.lower(), text


def test_a_node_deployed_elsewhere_gets_its_token_key_once_and_its_files_exported(
        tmp_path) -> None:
    """new-token-key writes the key once (0600) and prints its public half; export refuses a
    node that has no certificate yet, then writes its four files, private, never the CA's key."""
    env_file = tmp_path / "secrets" / "node.env"
    env_file.parent.mkdir()
    first = run(tmp_path / "var", "new-token-key", str(env_file))
    assert first.exit_code == 0, first.output
    again = run(tmp_path / "var", "new-token-key", str(env_file))
    assert again.output == first.output  # the key is kept
    assert mode(env_file) == 0o600
    (line,) = env_file.read_text().splitlines()
    kid = TokenKey.from_text(line.removeprefix("SUNLIGHT_TOKEN_KEY=")).kid
    assert json.loads(first.output)["keys"][0]["kid"] == kid

    var, out = tmp_path / "var", tmp_path / "secrets"
    assert run(var, "init-ca").exit_code == 0
    refused = run(var, "export", "--region", "511602", "--to", str(out))
    assert refused.exit_code == 1 and "issue-node --region 511602" in refused.output
    assert run(var, "issue-node", "--region", "511602", "--gateway-host",
               "gateway.sunlight-511602.svc.cluster.local").exit_code == 0
    done = run(var, "export", "--region", "511602", "--to", str(out))
    assert done.exit_code == 0, done.output
    assert {p.name for p in out.iterdir()} == {"node.env", "node.key", "node.crt", "ca.crt",
                                              "registry.json"}
    assert region_of(load_cert(out / "node.crt")) == "511602"
    assert all(mode(p) == 0o600 for p in out.iterdir())
