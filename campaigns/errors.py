"""The campaign engine's root exception."""


class CampaignError(Exception):
    """Something in the campaign engine went wrong; the message says what to fix."""
