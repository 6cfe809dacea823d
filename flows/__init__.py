"""Prefect flows: scheduled refreshes and label-expiry alerts."""

from flows.alerts import expiry_alerts_flow
from flows.refresh import refresh_flow

__all__ = ["expiry_alerts_flow", "refresh_flow"]
