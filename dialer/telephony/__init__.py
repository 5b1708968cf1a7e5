"""Telephony: the provider interface, the Twilio adapter, webhooks and a carrier simulator."""
