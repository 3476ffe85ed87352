"""Presentation only: selects and formats published tables for notebooks, HTML, PDF, workbooks and pages."""
