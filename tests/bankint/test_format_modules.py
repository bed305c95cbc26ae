"""The pure format and rule modules validate with exceptions, never ``assert``: ``python -O``
strips asserts, and a bank file must be refused the same way in production (RELIABILITY row 5)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORMAT_MODULES = [
    "ocr/parsing/__init__.py",
    "ocr/parsing/errors.py",
    "ocr/parsing/fields.py",
    "ocr/parsing/layouts.py",
    "ocr/parsing/lines.py",
    "ocr/parsing/machine.py",
    "ocr/parsing/records.py",
    "ocr/parsing/totals.py",
    "remittance/pain001.py",
    "remittance/pain002.py",
    "remittance/camt054.py",
    "remittance/xsd.py",
    "reconciliation/camt053.py",
    "reconciliation/matching.py",
    "ledger/kid.py",
]


@pytest.mark.parametrize("module", FORMAT_MODULES)
def test_no_assert_statements(module):
    tree = ast.parse((Path(settings.BASE_DIR) / module).read_text(encoding="utf-8"))
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert lines == [], f"{module}: assert on line(s) {lines}"
