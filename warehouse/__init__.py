"""The DuckDB warehouse: schema migrations, the merge of a staged run, and read-only queries."""
