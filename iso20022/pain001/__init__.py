"""pain.001, the payment file the portal sends to the bank: its data, its checks, its writers.

* :mod:`.model`: the data of a file (:class:`Pain001Message`, :class:`Pain001Batch`,
  :class:`Pain001Payment`), the same for every version of the message;
* :mod:`.fields`: the checks on that data before any XML is written, and the text rules
  (:func:`bank_text`, :func:`is_valid_kid`), also the same for every version;
* :mod:`.v03`: pain.001.001.03, the version DNB takes today: its writer and its validator;
* :mod:`.v09`: pain.001.001.09 (2019), beside it on the same model and checks, which also
  writes payments abroad and in currency, whose own rules are in :mod:`.abroad`.
"""

from .fields import bank_text, is_valid_kid
from .model import (
    BBAN_SCHEME,
    DNB_BIC,
    MAX_AMOUNT,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    ORG_ID_SCHEME,
    Pain001Batch,
    Pain001Message,
    Pain001Payment,
    PostalAddress,
    RegulatoryReport,
)
from .v03 import build_pain001, validate_pain001
from .v09 import build_pain001_v09, validate_pain001_v09

__all__ = [
    "BBAN_SCHEME",
    "DNB_BIC",
    "MAX_AMOUNT",
    "MAX_MESSAGE_LENGTH",
    "MAX_NAME_LENGTH",
    "ORG_ID_SCHEME",
    "Pain001Batch",
    "Pain001Message",
    "Pain001Payment",
    "PostalAddress",
    "RegulatoryReport",
    "bank_text",
    "build_pain001",
    "build_pain001_v09",
    "is_valid_kid",
    "validate_pain001",
    "validate_pain001_v09",
]
