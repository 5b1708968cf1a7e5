"""Warm leads: handing a customer's interest from the centre to the branch that owns them."""
