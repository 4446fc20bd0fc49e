"""Supervision domain: pure rules, no I/O."""
