"""gen/python must be exactly what `make proto` produces from protos/."""

import filecmp
from pathlib import Path

from infra.proto.generate import DEFAULT_OUT, generate, proto_files


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
            and "__pycache__" not in p.parts}


def test_generated_code_is_in_step_with_the_protos(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh, committed = _tree(tmp_path), _tree(DEFAULT_OUT)
    assert fresh == committed, f"files differ: {sorted(fresh ^ committed)}; run `make proto`"
    stale = [name for name in sorted(fresh)
             if not filecmp.cmp(tmp_path / name, DEFAULT_OUT / name, shallow=False)]
    assert not stale, f"out of date: {stale}; run `make proto`"


def test_every_service_has_its_own_versioned_package() -> None:
    root = Path(__file__).resolve().parents[2] / "protos"
    packages = {p.parent.relative_to(root).as_posix() for p in proto_files()}
    assert packages == {"sunlight/common/v1", "sunlight/catalogue/v1", "sunlight/cases/v1",
                        "sunlight/monitoring/v1", "sunlight/gateway/v1"}
