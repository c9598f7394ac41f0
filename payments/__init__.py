"""Payment logic: billing look-up, acquirers, receipts and the outbox. No Telegram here."""
