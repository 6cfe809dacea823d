"""Alerts to subscribers: raising them, who hears which, the channels, the digest's wording, the delivery record."""
