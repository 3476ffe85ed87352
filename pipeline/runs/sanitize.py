"""The rules that rewrite volatile notebook output (memory addresses, figure sizes, absolute paths)
before a published output and its rerun are compared, in nbval's sanitize format.

The one definition is the package file `nbval_sanitize.cfg` next to this module: `make audit`
passes it to nbval (`--nbval-sanitize-with`), and `first_difference` applies the same rules
when it names the figure that differs. Tests and a reviewer's own `pytest --nbval` use it too.
"""

from __future__ import annotations

import re
from pathlib import Path

SANITIZE_CONFIG = Path(__file__).with_name("nbval_sanitize.cfg")


def sanitize_rules(path: Path = SANITIZE_CONFIG) -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of an nbval sanitize file, parsed as nbval parses them."""
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", Path(path).read_text(encoding="utf-8"), flags=re.MULTILINE)


def sanitize(text: str, rules: list[tuple[str, str]]) -> str:
    for regex, replace in rules:
        text = re.sub(regex, replace, text)
    return text
