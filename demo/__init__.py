"""Demo data for a first run and for demos (``manage.py seed_demo``).

An app of its own at the top of the layers: the seed reaches into every domain app (companies,
accounts, the ledger, and each app's ``<app>/demo.py``), which no domain app may do.
"""
