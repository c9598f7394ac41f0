"""Freedom Pay (formerly PayBox) merchant API: hosted payment page, result callback, status.

What was taken from which page of the documentation, and every assumption, is in
docs/freedompay.md. In short: every message both ways carries ``pg_salt`` and ``pg_sig``, the
MD5 of ``script;value;value;...;secret_key`` with the values in the order of their (flattened)
parameter names; ``init_payment.php`` answers XML with the URL of the payment page; Freedom Pay
POSTs the outcome to our result URL and reads a signed XML answer; ``get_status3.php`` tells the
state of a payment when a callback went missing.

The wire format is in ``signature`` and ``messages``, what Freedom Pay states is read in
``notices``, and ``acquirer`` speaks to it.
"""

from payments.acquirers.freedompay.acquirer import FreedomPayAcquirer

__all__ = ["FreedomPayAcquirer"]
