"""absensi-medsos: audited reports of TPP social-media attendance (see docs/architecture.md)."""

import sys as _sys

__version__ = "0.1.0"

# jsonschema (imported by nbformat, papermill and Great Expectations) imports rfc3987_syntax when
# it is installed (jupyter-events requires it), and that module builds ~35 Earley parsers at
# import: ~0.85 s in every process of a batch (the CLI, each worker, the task kernel). It serves
# only the "iri" and "iri-reference" format checks, which no schema we validate uses (notebooks,
# Great Expectations configs), so our processes skip it (python-jsonschema/jsonschema#1428).
# A process that imported it before importing pipeline keeps it.
_sys.modules.setdefault("rfc3987_syntax", None)
