"""`ecei status`: how the watcher stands (last refresh, staleness, pending alerts, next scheduled runs,
the warehouse file), with an exit code a monitor can act on. Its options and help, for typer; the
answer is ecei.cli.status_answer's (its usual forms answered there without typer: ecei.cli.fast)."""

from __future__ import annotations

from ecei.cli.kit import DbOption, JsonOption, LiveOption
from ecei.cli.status_answer import answer


def status_command(db: DbOption = None, as_json: JsonOption = False, live: LiveOption = False) -> None:
    """Show the last refresh, whether the data is stale, the alerts pending per channel, the next
    scheduled runs (when a Prefect server is configured) and the warehouse file.

    Exits 0 when healthy, 1 when the data is stale (the last refresh failed or was partial, or none
    completed for ECEI_STALE_DAYS days), 5 when a channel did not take its pending alerts, 4 when the
    warehouse stayed busy for ECEI_BUSY_TIMEOUT seconds, 2 when there is no warehouse.
    """
    answer(db, as_json, live)
