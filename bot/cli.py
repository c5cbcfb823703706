"""The `meterbot` command line (docs/operators/commands.md). Each command lives in the module
that owns it; this file only parses arguments, loads the configuration and turns known failures
into one line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot.cli_help import EPILOGS
from bot.config import ConfigError, Settings, load_settings
from bot.database import NoDatabase
from bot.imports.files import add_csv_options
from bot.run_lock import AlreadyServing
from storage.base import StorageError

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


class _PrintVersion(argparse.Action):
    """`--version`: the version pip installed (pyproject.toml's). Looked up only when asked:
    importing importlib.metadata costs every other command 30 ms at start."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from bot.version import meterbot_version

        print(f"meterbot {meterbot_version()}")  # standard output, as argparse's own action
        parser.exit()


class _Help(argparse.RawDescriptionHelpFormatter):
    """Options as argparse lays them out; the example and exit codes below them as written."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meterbot",
        description="Electricity meter readings by chat: Telegram, Viber, console.",
    )
    parser.add_argument("--config", metavar="PATH", help="configuration file (TOML)")
    parser.add_argument("--version", action=_PrintVersion, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="serve every configured channel, the scheduler and HTTP",
        epilog=EPILOGS["run"],
        formatter_class=_Help,
    )
    run.add_argument(
        "--demo", action="store_true", help="seed demo accounts into an empty database"
    )

    chat = commands.add_parser(
        "chat",
        help="talk to the bot in this terminal",
        epilog=EPILOGS["chat"],
        formatter_class=_Help,
    )
    chat.add_argument("--user", default="console", metavar="ID", help="the console user id")
    chat.add_argument("--lang", choices=("ru", "en"), default=None, help="reply language")

    imp = commands.add_parser(
        "import-accounts",
        help="insert or update accounts from CSV",
        epilog=EPILOGS["import-accounts"],
        formatter_class=_Help,
    )
    imp.add_argument("file", metavar="FILE.csv")
    add_csv_options(imp)

    balances = commands.add_parser(
        "import-balances",
        help="balances and last payments from the billing system, from CSV",
        epilog=EPILOGS["import-balances"],
        formatter_class=_Help,
    )
    balances.add_argument("file", metavar="FILE.csv")
    add_csv_options(balances)

    exp = commands.add_parser(
        "export-readings",
        help="the period's current readings as CSV",
        epilog=EPILOGS["export-readings"],
        formatter_class=_Help,
    )
    exp.add_argument("--period", required=True, metavar="YYYY-MM")
    exp.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    exp.add_argument(
        "--excel",
        action="store_true",
        help="for spreadsheets in the Russian locale: ';', a UTF-8 BOM, decimal commas, "
        "account and serial kept as text",
    )

    close = commands.add_parser(
        "close-period",
        help="bill on estimates the accounts a past month has no reading for",
        epilog=EPILOGS["close-period"],
        formatter_class=_Help,
    )
    close.add_argument("--period", metavar="YYYY-MM", help="default: the month just ended")
    close.add_argument("--dry-run", action="store_true", help="only count them")

    remind = commands.add_parser(
        "remind",
        help="run a reminder campaign now",
        epilog=EPILOGS["remind"],
        formatter_class=_Help,
    )
    remind.add_argument("kind", choices=("opening", "last-call"))
    remind.add_argument("--dry-run", action="store_true", help="only print whom it would reach")

    outages = commands.add_parser(
        "outages",
        help="planned and emergency outages",
        epilog=EPILOGS["outages"],
        formatter_class=_Help,
    )
    outage_cmds = outages.add_subparsers(dest="outages_command", required=True, metavar="ACTION")
    outage_import = outage_cmds.add_parser(
        "import",
        help="create or update outages from CSV",
        epilog=EPILOGS["outages"],
        formatter_class=_Help,
    )
    outage_import.add_argument("file", metavar="FILE.csv")
    add_csv_options(outage_import)
    outage_list = outage_cmds.add_parser(
        "list",
        help="outages, buildings and chats told",
        epilog=EPILOGS["outages"],
        formatter_class=_Help,
    )
    outage_list.add_argument("--active", action="store_true", help="only those not yet over")
    outage_cancel = outage_cmds.add_parser(
        "cancel",
        help="cancel an outage; residents hear it",
        epilog=EPILOGS["outages"],
        formatter_class=_Help,
    )
    outage_cancel.add_argument("id", metavar="ID")

    viber = commands.add_parser(
        "viber", help="Viber operations", epilog=EPILOGS["viber"], formatter_class=_Help
    )
    viber_cmds = viber.add_subparsers(dest="viber_command", required=True, metavar="ACTION")
    viber_cmds.add_parser(
        "set-webhook",
        help="register [viber] webhook_url with Viber",
        epilog=EPILOGS["viber"],
        formatter_class=_Help,
    )

    max_ = commands.add_parser(
        "max", help="MAX operations", epilog=EPILOGS["max"], formatter_class=_Help
    )
    max_cmds = max_.add_subparsers(dest="max_command", required=True, metavar="ACTION")
    max_cmds.add_parser(
        "set-webhook",
        help="create the MAX subscription for [max] webhook_url",
        epilog=EPILOGS["max"],
        formatter_class=_Help,
    )
    max_cmds.add_parser(
        "delete-webhook",
        help="remove the MAX subscription (back to polling)",
        epilog=EPILOGS["max"],
        formatter_class=_Help,
    )

    db = commands.add_parser(
        "db", help="database operations", epilog=EPILOGS["db"], formatter_class=_Help
    )
    db_cmds = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_cmds.add_parser(
        "migrate", help="apply schema migrations", epilog=EPILOGS["db"], formatter_class=_Help
    )
    copy = db_cmds.add_parser(
        "copy",
        help="copy every row to another database",
        epilog=EPILOGS["db"],
        formatter_class=_Help,
    )
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://… target")
    return parser


def _command(args: argparse.Namespace) -> Command:
    # Imported lazily so that `meterbot chat` does not pay for aiogram and `--help` stays fast.
    name = args.command
    if name == "run":
        from bot.app import run_command

        return run_command
    if name == "chat":
        from bot.wiring import chat_command

        return chat_command
    if name == "import-accounts":
        from bot.operator import import_command

        return import_command
    if name == "import-balances":
        from bot.balances import import_balances_command

        return import_balances_command
    if name == "export-readings":
        from bot.operator import export_command

        return export_command
    if name == "close-period":
        from bot.closing import close_period_command

        return close_period_command
    if name == "remind":
        from bot.reminders.cli import remind_command

        return remind_command
    if name == "outages":
        from bot.outages.cli import outages_command

        return outages_command
    if name == "viber":
        from bot.viber.cli import set_webhook_command

        return set_webhook_command
    if name == "max":
        from bot.max.cli import max_command

        return max_command
    if name == "db" and args.db_command == "migrate":
        from bot.operator import migrate_command

        return migrate_command
    from bot.dbcopy import copy_command

    return copy_command


def _command_name(args: argparse.Namespace) -> str:
    action = getattr(args, f"{args.command}_command", None)
    return f"{args.command} {action}" if action else str(args.command)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (not on Windows), else asyncio's own loop (None).

    The same program runs on either. uvloop does the loop's own work and the sockets' in C:
    6 % fewer instructions per update through the webhook (bench/bench_peak.py --instructions).
    """
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    redact: Callable[[str], str] = str
    try:
        settings = load_settings(args.config)
        # Every command logs through the redacting handler: a database password, a token or a
        # phone number never reaches the terminal or the journal, whichever command ran.
        from bot.logs import Redactor, secrets_of, setup_logging

        redact = Redactor(secrets_of(settings))
        config = settings.logging
        if args.command != "run" and config.level in ("DEBUG", "INFO"):
            # An operator's command prints its own report; its log shows warnings and errors.
            config = config.model_copy(update={"level": "WARNING"})
        handler = setup_logging(config, secrets=secrets_of(settings))
        try:
            command = _command(args)
            with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                return runner.run(command(settings, args))
        finally:
            logging.getLogger().removeHandler(handler)
    except ConfigError as exc:
        print(f"meterbot: {redact(str(exc))}", file=sys.stderr)
        return 2
    except NoDatabase as exc:
        print(f"meterbot: {_command_name(args)}: {exc}", file=sys.stderr)
        return 2
    except AlreadyServing as exc:
        print(f"meterbot: run refused: {exc}", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(f"meterbot: storage: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()


# What a shell reports for a program stopped by SIGPIPE (128 + 13).
READER_GONE = 141


def _reader_gone() -> int:
    """Whoever read our output stopped (`meterbot export-readings … | head`): stop without a
    traceback, as a program in a pipeline does. What the command had committed stays
    committed (an import prints its report after its last batch). Python would fail once more
    flushing stdout at exit, so stdout is pointed at /dev/null (the `signal` module's notes on
    SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return READER_GONE
