"""``python -m iso20022.camt053 --parse PATH|- MAX_BYTES validate|no-validate``: the child of
:class:`~iso20022.camt053.process.ParseProcess`."""

import sys

from iso20022.camt053.process import _parse_main

if sys.argv[1:2] == ["--parse"]:
    sys.exit(_parse_main(sys.argv[2:]))
sys.exit(
    f"usage: python -m iso20022.camt053 --parse PATH|- MAX_BYTES validate|no-validate, not {sys.argv[1:]}"
)
