"""The pure format and rule modules validate with exceptions, never ``assert``: ``python -O``
strips asserts, and a bank file must be refused the same way in production (``docs/FAULTS.md``)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORMAT_MODULES = [
    *sorted(
        str(p.relative_to(settings.BASE_DIR))
        for package in ("iso20022", "ocr/parsing")
        for p in (Path(settings.BASE_DIR) / package).rglob("*.py")
    ),
    "reconciliation/matching.py",
    "reconciliation/banking_days.py",
    "ledger/kid.py",
]


@pytest.mark.parametrize("module", FORMAT_MODULES)
def test_no_assert_statements(module):
    tree = ast.parse((Path(settings.BASE_DIR) / module).read_text(encoding="utf-8"))
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert lines == [], f"{module}: assert on line(s) {lines}"
