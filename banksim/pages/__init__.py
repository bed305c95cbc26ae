"""The bank's own pages the user is sent to, one module per flow: the order wizard
(bestillingsveileder) and kontofullmakt (``orders``), "Opprett nettbankavtale"
(``online_bank``), RgB ordering (``rgb``), BankID signing (``bankid``) and post-approval of
payments in the online bank (``netbank``).

They are plain Norwegian forms with the validations DNB's pages have, because the portal's
flows end here and a demo must show the user what the bank would ask. State lives in the
database behind the URL token, not in a session (the simulator keeps no signed sessions).
"""
