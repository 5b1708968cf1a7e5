"""The rep console: agent sessions, the customer pop, dispositions, wrap-up, preview, my day."""
