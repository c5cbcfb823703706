"""Channels, scheduler, wiring and the `meterbot` command line."""
