"""Telegram bot for paying state-service payment codes of the Kyrgyz Republic."""
