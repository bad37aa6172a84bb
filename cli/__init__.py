"""The front door: one command (`python -m cli`, installed as `hrss`) with a subcommand per task; the Makefile
calls it. It sits above every layer (like bench/ and tests/) and only dispatches to each part's own `main`."""
