"""Fuzzers of the parsers that read outside input (atheris, coverage-guided libFuzzer).

Each target (``fuzz.targets.TARGETS``) feeds bytes to one parser — implementation codes,
unified social credit codes, resident ID numbers, catalogue CSV and XLSX files and their rows,
a column mapping, event envelopes as the relay and the supervision worker read them — and
lets through only the errors the parser documents (``InvalidArgument`` with a stable code);
anything else is a crash. ``python -m fuzz`` runs them (``make fuzz``); ``tests/fuzz`` runs
each for a bounded number of inputs in ``make test``.
"""
