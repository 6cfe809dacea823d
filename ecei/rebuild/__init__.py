"""Rebuilding the history: the page archive, replay with today's code, backfill from web archives."""
