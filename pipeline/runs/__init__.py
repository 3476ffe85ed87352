"""Wiring: the commands that run the stages, publish atomically, audit, bundle and generate the sample."""
