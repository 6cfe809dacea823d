"""ecei-watch: watch the ECEI Bronze Label database and keep its full history in DuckDB."""

__version__ = "0.1.0"
