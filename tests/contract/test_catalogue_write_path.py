"""The catalogue has one write path: every transaction that writes — the use cases, the
obligation sweep, the importer's bulk path — is a unit of work (services/catalogue/
unit_of_work.py), and the importer reaches the service only through what it offers to all."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "services" / "catalogue"
#: what opens a writing transaction, or writes the outbox or idempotency keys, by itself
WRITE_PATHS = {"transaction", "begin", "driver_connection", "raw_connection"}
WRITERS = {"Outbox", "IdempotencyStore"}


def modules() -> list[Path]:
    return [p for p in CATALOGUE.rglob("*.py") if "migrations" not in p.parts]


def test_only_the_unit_of_work_opens_writing_transactions() -> None:
    found = []
    for path in modules():
        if path.name == "unit_of_work.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITE_PATHS and not (
                    isinstance(func.value, ast.Attribute) and func.value.attr == "work"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{func.attr}()")
            if isinstance(func, ast.Name) and func.id in WRITERS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {func.id}()")
    assert not found, found


def test_the_importer_uses_no_private_part_of_another_object() -> None:
    path = CATALOGUE / "importer.py"
    private = [f"importer.py:{node.lineno} .{node.attr}"
               for node in ast.walk(ast.parse(path.read_text("utf-8")))
               if isinstance(node, ast.Attribute) and node.attr.startswith("_")
               and not node.attr.startswith("__")
               and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))]
    assert not private, private
