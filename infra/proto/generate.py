"""Generate the Python code of every contract in protos/ (``make proto``).

Reproducible: the same grpcio-tools and protovalidate pins give byte-identical output, and
tests/contract/test_proto_drift.py fails when gen/python is out of step with protos/.

The contracts state the limits of their fields with protovalidate's ``buf.validate`` options.
The protovalidate package ships no ``.proto`` source, only the compiled descriptor of
``buf/validate/validate.proto`` inside its generated module: it is read from there (a bytes
literal, parsed without running that module) and handed to protoc as a descriptor set,
together with the well-known files it imports, so that ``gen/python/buf/validate`` is
generated next to our own code.

The contracts' comments become ``gen/python/sunlight/proto_comments.py`` (element's full name
→ its comment): the Python descriptors carry no comments, and the gateway's OpenAPI document
describes every field, message and enum value the contract describes.
"""

from __future__ import annotations

import argparse
import ast
import pprint
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
COMMENTS_MODULE = Path("sunlight") / "proto_comments.py"
#: SourceCodeInfo paths: field numbers of FileDescriptorProto and DescriptorProto
_MESSAGE, _ENUM, _FIELD, _NESTED, _NESTED_ENUM, _VALUE = 4, 5, 2, 3, 4, 2
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
        # one run: the code, and our files' descriptors with their comments (source info)
        described = Path(scratch) / "sources.binpb"
        if protoc.main([
            "grpc_tools.protoc",
            f"--descriptor_set_in={descriptors}",
            f"-I{PROTO_ROOT}",
            f"-I{include}",
            f"--python_out={out_dir}",
            f"--pyi_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            "--include_source_info",
            f"--descriptor_set_out={described}",
            VALIDATE_PROTO,
            *files,
        ]) != 0:
            raise SystemExit("protoc failed")
        write_comments(out_dir / COMMENTS_MODULE, comments_of(
            descriptor_pb2.FileDescriptorSet.FromString(described.read_bytes())))
    # Regular packages, so that tools which do not follow namespace packages find them.
    for directory in sorted({p.parent for p in out_dir.rglob("*_pb2.py")}):
        while directory != out_dir:
            (directory / "__init__.py").touch()
            directory = directory.parent


def _comment(location: descriptor_pb2.SourceCodeInfo.Location) -> str:
    text = (location.leading_comments or location.trailing_comments).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _message_names(names: dict[tuple[int, ...], str], path: tuple[int, ...],
                   proto: descriptor_pb2.DescriptorProto, scope: str) -> None:
    name = f"{scope}.{proto.name}"
    names[path] = name
    for i, f in enumerate(proto.field):
        names[(*path, _FIELD, i)] = f"{name}.{f.name}"
    for i, nested in enumerate(proto.nested_type):
        _message_names(names, (*path, _NESTED, i), nested, name)
    for i, e in enumerate(proto.enum_type):
        _enum_names(names, (*path, _NESTED_ENUM, i), e, name)


def _enum_names(names: dict[tuple[int, ...], str], path: tuple[int, ...],
                proto: descriptor_pb2.EnumDescriptorProto, scope: str) -> None:
    names[path] = f"{scope}.{proto.name}"
    for i, v in enumerate(proto.value):  # enum values live in the enum's scope
        names[(*path, _VALUE, i)] = f"{scope}.{v.name}"


def comments_of(files: descriptor_pb2.FileDescriptorSet) -> dict[str, str]:
    """Full name of each message, field, enum and enum value of our contracts → its comment
    (the leading one, else the trailing one), for those that have one."""
    found: dict[str, str] = {}
    for file in files.file:
        if not file.package.startswith("sunlight."):
            continue
        names: dict[tuple[int, ...], str] = {}
        for i, m in enumerate(file.message_type):
            _message_names(names, (_MESSAGE, i), m, file.package)
        for i, e in enumerate(file.enum_type):
            _enum_names(names, (_ENUM, i), e, file.package)
        for location in file.source_code_info.location:
            name = names.get(tuple(location.path))
            text = _comment(location)
            if name and text:
                found[name] = text
    return dict(sorted(found.items()))


def write_comments(path: Path, comments: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '"""Generated by infra/proto/generate.py from the comments of protos/: do not edit."""'
        "\n\nCOMMENTS: dict[str, str] = " + pprint.pformat(comments, width=100,
                                                          sort_dicts=True) + "\n",
        encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    generate(args.out)
    print(f"generated {len(proto_files()) + 1} proto files into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
