"""Autofixes: edits as data (edits.py), applied atomically (apply.py)."""
