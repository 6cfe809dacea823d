"""Prefect flows: scheduled refreshes and label-expiry alerts.

The flows are imported when asked for (`from flows import refresh_flow`), not with the package:
`flows.schedules` answers `ecei status` without Prefect when no server is configured, and Prefect
takes seconds to import.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"expiry_alerts_flow": "flows.alerts", "refresh_flow": "flows.refresh"}

__all__ = ["expiry_alerts_flow", "refresh_flow"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'flows' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
