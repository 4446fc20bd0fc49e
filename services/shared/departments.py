"""A department's identity (部门): its unified social credit code (统一社会信用代码, GB 32100).

Names are for people: they change with reorganisations, are abbreviated (区发展和改革局,
区发改局) and repeat in every county. Everything that decides who may act — the catalogue's
items, steps and branches, the token's ``department`` claim, case step instances, queues and
events — names a department by its 18-character credit code, checked by its check character.
Names travel beside the code, for display only.

- **A code is a credit code.** A 9-character organisation code (组织机构代码, GB 11714) is not
  accepted as a department's identity: since 2017 every government body has a credit code, and
  the organisation code lives on inside it as characters 9–17 (主体标识码). The refusal says so.
  Old data still has them (the Sichuan export's ``dept_code`` column): the importer replaces one
  by the credit code of the item's implementation code when that credit code contains it, and
  otherwise flags the row (``services.catalogue.domain.import_rows``).
- **Unknown is empty.** Where no code is known the code is ``""`` — shown as unknown (未知),
  never guessed — and nobody acts for that department but administrators (and, for acceptance,
  the service centre's window staff).
- **The implementation code names one.** The body segment of a national implementation code
  (实施编码, ``…-511602000000-000-<body>-1-00``) is the implementing body's code; when it is
  a valid credit code it is the item's department code unless the item states another
  (:func:`code_in_implementation_code`).

Pure functions, no I/O.
"""

from __future__ import annotations

import functools

from services.shared.codes import (
    CREDIT,
    ORGANISATION_LENGTH,
    check_credit_code,
    check_organisation_code,
    parse_implementation_code,
)
from services.shared.errors import InvalidArgument

#: The stable error code of a department code that is not a credit code.
INVALID_DEPARTMENT_CODE = "INVALID_DEPARTMENT_CODE"
#: How an unknown department code is shown to people.
UNKNOWN = "未知"
#: Longest text a department code field takes before it is checked (a credit code has 18
#: characters; an organisation code written with its hyphen 10).
MAX_CODE_INPUT = 20


def department_code_problem(code: str) -> str | None:
    """What is wrong with ``code`` as a department's code, in words a person can act on;
    None when it is a valid credit code. An empty code is not judged here (callers decide
    whether one is required)."""
    text = code.strip()
    if len(text) > MAX_CODE_INPUT:
        return (f"a department code is the 18-character unified social credit code "
                f"(统一社会信用代码, GB 32100); this one has {len(text)} characters")
    check = check_credit_code(text)
    if check.ok:
        return None
    bare = text.replace("-", "") if len(text) == ORGANISATION_LENGTH + 1 else text
    if len(bare) == ORGANISATION_LENGTH and check_organisation_code(text).ok:
        return (f"{text!r} is an organisation code (组织机构代码, GB 11714), not a unified "
                "social credit code: a department is named by its 18-character credit code "
                "(统一社会信用代码, GB 32100), whose characters 9–17 are this organisation code")
    return check.errors[0]


def normalized_department_code(code: str, field: str = "department_code", *,
                               required: bool = False) -> str:
    """``code`` upper-cased and stripped, or InvalidArgument (code
    ``INVALID_DEPARTMENT_CODE``) naming ``field``; ``""`` when empty and not required."""
    text = code.strip().upper()
    if not text:
        if required:
            raise InvalidArgument.of_field(
                field, "required: the department's unified social credit code (统一社会信用代码)",
                code=INVALID_DEPARTMENT_CODE)
        return ""
    problem = department_code_problem(text)
    if problem is not None:
        raise InvalidArgument.of_field(field, problem, code=INVALID_DEPARTMENT_CODE)
    return text


@functools.lru_cache(maxsize=65_536)
def code_in_implementation_code(implementation_code: str) -> str:
    """The credit code in the body segment of a national implementation code
    (``511A0064100152-511602000000-000-<body>-1-00``: the third segment from the right, as
    the basic code may hold hyphens), when the code parses and that segment is a valid credit
    code; else ``""`` (unknown: a 9-character organisation code there names no department by
    itself)."""
    if not implementation_code:
        return ""
    parsed = parse_implementation_code(implementation_code)
    if parsed.body_code_kind == CREDIT and parsed.body_code and not parsed.errors:
        return parsed.body_code
    return ""


def upgraded_organisation_code(organisation_code: str, credit_code: str) -> bool:
    """True when ``credit_code`` contains ``organisation_code`` (with or without its hyphen)
    as its characters 9–17: the same body, named the new way."""
    bare = organisation_code.strip().upper().replace("-", "")
    return (len(bare) == ORGANISATION_LENGTH and len(credit_code) == 18
            and credit_code[8:17] == bare)


def shown(code: str, name: str = "") -> str:
    """A department as people read it: ``name (code)``, the name alone, the code alone, or
    未知 when neither is known."""
    if name and code:
        return f"{name} ({code})"
    return name or code or UNKNOWN
