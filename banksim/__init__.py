"""banksim: a simulated DNB + Nets + BankID, run as its own process with its own database.

The portal never talks to a real bank in this project; it talks HTTP to this service
(through ``bankclient``), so the simulator must behave like the bank in everything the
portal depends on: service orders processed after a delay, pain.001 validated and
deduplicated on MsgId, pain.002 statuses, camt.054/camt.053 bookings whose balances add up,
Nets OCR files for data receiver 00105625, and faults switched on at will. It writes every
format with its own code so that a format bug in the portal is caught here, not mirrored.
It imports no part of the portal (an import-linter contract enforces it).
"""
