"""Prefect flows: scheduled refreshes and label-expiry alerts."""
