"""The package version, written by capgen (reading the installed metadata at import costs ~20 ms)."""

VERSION = "0.1.0"
