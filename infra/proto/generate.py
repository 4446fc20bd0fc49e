"""Generate the Python code of every contract in protos/ (``make proto``).

Reproducible: the same grpcio-tools pin gives byte-identical output, and
tests/contract/test_proto_drift.py fails when gen/python is out of step with protos/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "protos"
DEFAULT_OUT = ROOT / "gen" / "python"


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    include = Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    # Regular packages, so that tools which do not follow namespace packages find them.
    for directory in sorted({p.parent for p in out_dir.rglob("*_pb2.py")}):
        while directory != out_dir:
            (directory / "__init__.py").touch()
            directory = directory.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    generate(args.out)
    print(f"generated {len(proto_files())} proto files into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
