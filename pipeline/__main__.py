"""Entry point for `python -m pipeline`."""

import signal
import sys

from pipeline.runs.cli import main

if __name__ == "__main__":  # not when a spawned worker process imports it
    code = main()
    # A Ctrl-C once the run is over (while the interpreter stops the worker processes) changes nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
