"""What `meterbot COMMAND --help` shows below the options: an example and the exit codes."""

from __future__ import annotations

_STORAGE = "  1  the database failed (the line says which and why)"
_NO_DB = (
    "  2  no meterbot database where the configuration points (`meterbot db migrate` creates "
    "one), or a configuration error"
)

EPILOGS: dict[str, str] = {
    "run": f"""\
example:
  meterbot --config /etc/meterbot/config.toml run

exit codes:
  0  stopped by SIGINT or SIGTERM
{_STORAGE}, or another `meterbot run` serves this SQLite file
  2  a configuration error; no channel token and no terminal for the console; --demo with a
     channel token""",
    "chat": """\
example:
  printf '/start\\n/bind 1234567890 0012345\\n' | meterbot chat --user alice --lang en

exit codes:
  0  end of input
  1  the database failed
  2  a configuration error""",
    "import-accounts": f"""\
example:
  meterbot import-accounts --encoding cp1251 --ignore-unknown-columns accounts.csv

exit codes:
  0  every row was taken
  1  the file was read but some rows were rejected (the others are applied; every reason is
     printed with its line), or the database failed midway (the counts committed are printed)
  2  the file cannot be read: missing, wrong encoding, wrong header; nothing was imported
{_NO_DB[1:]}""",
    "import-balances": f"""\
example:
  meterbot import-balances --encoding cp1251 balances.csv

exit codes:
  0  every row was taken (a row older than the stored one is skipped and counted)
  1  the file was read but some rows were rejected (the others are applied), or the database
     failed
  2  the file cannot be read: missing, wrong encoding, wrong header; nothing was imported
{_NO_DB[1:]}""",
    "export-readings": f"""\
example:
  meterbot export-readings --period 2026-11 --excel --output november.csv

exit codes:
  0  written (to --output whole, or to standard output)
{_STORAGE}
  2  a bad --period or --output
{_NO_DB[1:]}""",
    "close-period": f"""\
example:
  meterbot close-period --period 2026-10 --dry-run

exit codes:
  0  closed (or counted, with --dry-run)
{_STORAGE}
  2  a period that has not ended yet, or a bad --period
{_NO_DB[1:]}""",
    "remind": f"""\
example:
  meterbot remind last-call --dry-run

exit codes:
  0  sent (or listed, with --dry-run)
  1  the window is not open for this campaign, no channel token is set, or the database failed
{_NO_DB}""",
    "outages": f"""\
examples:
  meterbot outages import --encoding cp1251 outages.csv
  meterbot outages list --active
  meterbot outages cancel 2026-12-OTK-17

exit codes:
  0  every row was taken (import); done (list, cancel)
  1  the file was read but some rows were rejected (import); no such outage (cancel); or the
     database failed
  2  the file cannot be read: missing, wrong encoding, wrong header
{_NO_DB[1:]}""",
    "viber": """\
example:
  meterbot viber set-webhook

exit codes:
  0  Viber accepted the webhook
  1  Viber refused it or could not be reached
  2  a configuration error ([viber] auth_token or webhook_url missing)""",
    "max": """\
example:
  meterbot max set-webhook

exit codes:
  0  done
  1  MAX refused or could not be reached
  2  a configuration error ([max] token or webhook_url missing)""",
    "db": """\
examples:
  meterbot db migrate
  meterbot db copy --to postgresql://meterbot@db.internal:5432/meterbot

exit codes:
  0  done
  1  the database failed (a schema newer than this meterbot is refused too)
  2  a configuration error; for copy, no source database or a target that is not empty""",
}
