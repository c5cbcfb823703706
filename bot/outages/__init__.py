"""Outage notices: the operators' `meterbot outages …` commands (cli.py) and the service that
tells residents through the reminder campaigns' paced senders (notices.py)."""
