"""One module per area: `run(stack) -> list[Row]`, called by `make bench` (tools/bench.py)."""
