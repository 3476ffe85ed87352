"""Reads a data directory (CSV/XLSX files or a download) into the canonical frames; bad input is an InputError."""
