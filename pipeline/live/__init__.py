"""Live monitoring during a task's window: `python -m pipeline watch` (see watch.py).

state.py turns frames into page models with the contract's rules (rules/, figures/compute.py),
pages.py renders them from templates/, tokens.py keeps the unguessable page paths, serve.py
serves an output folder without directory listings."""

# Seconds between two reads of the source, and how long after `batas` the watch goes on.
DEFAULT_EVERY = 60
DEFAULT_GRACE = 3600
