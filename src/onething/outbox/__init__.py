"""The notification outbox: rows written in the transaction that has something to say, delivered
afterwards by a pluggable sender (log, webhook, SMTP)."""
