"""Every write to service orders, online-bank applications and RgB orders, one module per job:

- ``orders``: checking, creating and sending service orders ("Koble til tjeneste");
- ``order_results``: what the bank's change feed says about them, and the approval rights after;
- ``applications``: online-bank applications, and ordering RgB later.

Callers import from the module that does the job.
"""
