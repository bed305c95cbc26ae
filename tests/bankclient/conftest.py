"""Clients for the contract tests; the server itself is ``tests.banksim_server``."""

import pytest

from bankclient import BankClient
from tests.banksim_server import KEY


@pytest.fixture
def client(banksim_url):
    bank = BankClient(banksim_url, KEY, timeout=5)
    yield bank
    bank.close()


@pytest.fixture
def fast_client(banksim_url):
    """A client with a short limit, for the timeout fault."""
    bank = BankClient(banksim_url, KEY, timeout=0.5)
    yield bank
    bank.close()
