"""Generate the Python code of every contract in protos/ (``make proto``).

Reproducible: the same grpcio-tools and protovalidate pins give byte-identical output, and
tests/contract/test_proto_drift.py fails when gen/python is out of step with protos/.

The contracts state the limits of their fields with protovalidate's ``buf.validate`` options.
The protovalidate package ships no ``.proto`` source, only the compiled descriptor of
``buf/validate/validate.proto`` inside its generated module: it is read from there (a bytes
literal, parsed without running that module) and handed to protoc as a descriptor set,
together with the well-known files it imports, so that ``gen/python/buf/validate`` is
generated next to our own code.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tempfile
from pathlib import Path

import grpc_tools
import protovalidate
from google.protobuf import descriptor_pb2, duration_pb2, field_mask_pb2, timestamp_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "protos"
DEFAULT_OUT = ROOT / "gen" / "python"
VALIDATE_PROTO = "buf/validate/validate.proto"
_VALIDATE_MODULE = Path(protovalidate.__file__).parent / "_gen" / "buf" / "validate" / (
    "validate_pb.py")


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def validate_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """``buf/validate/validate.proto`` as protovalidate compiled it (its serialized
    FileDescriptorProto, the one bytes literal of its module that starts with the name)."""
    prefix = b"\n" + bytes([len(VALIDATE_PROTO)]) + VALIDATE_PROTO.encode()
    tree = ast.parse(_VALIDATE_MODULE.read_text(encoding="utf-8"))
    found = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
             and isinstance(node.value, bytes) and node.value.startswith(prefix)]
    if len(found) != 1:
        raise SystemExit(f"cannot find the descriptor of {VALIDATE_PROTO} in {_VALIDATE_MODULE}")
    return descriptor_pb2.FileDescriptorProto.FromString(found[0])


def descriptor_set() -> bytes:
    """validate.proto and the well-known files it imports, as one FileDescriptorSet."""
    files = descriptor_pb2.FileDescriptorSet()
    for module in (descriptor_pb2, duration_pb2, field_mask_pb2, timestamp_pb2):
        module.DESCRIPTOR.CopyToProto(files.file.add())
    files.file.append(validate_descriptor())
    return files.SerializeToString(deterministic=True)


def generate(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    include = Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    with tempfile.TemporaryDirectory() as scratch:
        descriptors = Path(scratch) / "validate.binpb"
        descriptors.write_bytes(descriptor_set())
        args = [
            "grpc_tools.protoc",
            f"--descriptor_set_in={descriptors}",
            f"-I{PROTO_ROOT}",
            f"-I{include}",
            f"--python_out={out_dir}",
            f"--pyi_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            VALIDATE_PROTO,
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
    print(f"generated {len(proto_files()) + 1} proto files into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
