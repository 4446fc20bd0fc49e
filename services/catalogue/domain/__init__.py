"""Catalogue domain: pure rules about power items, no I/O."""
