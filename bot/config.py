"""Configuration: TOML file, then environment variables, validated into typed settings.

Resolution (docs/operators/configuration.md): `--config PATH`, else `$METERBOT_CONFIG`, else
`./config.toml` when it exists, else the built-in defaults in `bot/defaults.toml` (the same values
as `config.example.toml`). `METERBOT_<SECTION>__<KEY>` overrides any key. pydantic-settings does
the merging; this module turns its errors into one line that names the key and the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from billing_core.bills import DEFAULT_ZONE_SHARES, BillingRules
from billing_core.models import MeterKind, Register, Stove
from billing_core.payment import Payee, PayeeError
from billing_core.readings import ValidationRules
from billing_core.tariffs import Tariff, TariffBook
from billing_core.window import SubmissionWindow

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")


class ConfigError(Exception):
    """A configuration problem, told in one line that names the key and the file."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSettings(_Section):
    url: str = "sqlite:///data/meterbot.sqlite3"
    pseudonym_key: SecretStr = SecretStr("")


class HttpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    unhealthy_after_seconds: float = Field(default=60, gt=0)


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    api_base: str = ""
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr = SecretStr("")
    messages_per_second: float = Field(default=30, gt=0)
    allow_paid_broadcast: bool = False


# What each platform accepts as the secret it sends back with every update: Telegram's
# setWebhook secret_token, 1–256 characters; MAX's POST /subscriptions secret, 5–256.
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_SECRET = re.compile(r"[A-Za-z0-9_-]{5,256}")


def require_webhook_secret(section: str, secret: str, form: re.Pattern[str]) -> None:
    """ConfigError unless `secret` is one the platform takes: webhook mode does not start
    without it, or anyone who learns the URL could post updates as any resident."""
    if form.fullmatch(secret):
        return
    low, high = form.pattern.rpartition("{")[2].rstrip("}").split(",")
    env = f"METERBOT_{section.upper()}__WEBHOOK_SECRET"
    raise ConfigError(
        f'[{section}] mode = "webhook" needs [{section}] webhook_secret: {low} to {high} '
        f"characters of A-Z, a-z, 0-9, _ and -; set {env} (e.g. openssl rand -hex 32)"
    )


class ViberSettings(_Section):
    auth_token: SecretStr = SecretStr("")
    name: str = Field(default="Мосэнергосбыт", max_length=28)
    avatar: str = ""
    api_base: str = "https://chatapi.viber.com/pa"
    webhook_url: str = ""
    webhook_path: str = "/viber/webhook"
    messages_per_second: float = Field(default=20, gt=0)


class MaxSettings(_Section):
    token: SecretStr = SecretStr("")
    api_base: str = ""  # empty: the platform's official API
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_path: str = "/max/webhook"
    webhook_secret: SecretStr = SecretStr("")
    # The platform allows about 30 requests a second per bot; replies share that budget.
    messages_per_second: float = Field(default=20, gt=0, le=30)

    @field_validator("webhook_secret")
    @classmethod
    def _secret_as_max_takes_it(cls, value: SecretStr) -> SecretStr:
        # POST /subscriptions takes 5 to 256 of A–Z, a–z, 0–9, "_" and "-" (MAX Bot API).
        secret = value.get_secret_value()
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{5,256}", secret):
            raise ValueError("give 5 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class BillingSettings(_Section):
    timezone: str = "Europe/Moscow"
    window_start_day: int = Field(default=15, ge=1, le=31)
    window_end_day: int = Field(default=26, ge=1, le=31)
    due_day: int = Field(default=10, ge=1, le=28)
    estimate_max_periods: int = Field(default=3, ge=0)
    max_missed_months_online: int = Field(default=2, ge=0)
    implausible_factor: Decimal = Field(default=Decimal(3), gt=0)
    penalty_key_rate: Decimal = Field(default=Decimal("0.095"), ge=0)
    rollover_max_kwh: Decimal = Field(default=Decimal(3900), gt=0)
    implausible_max_kwh: Decimal = Field(default=Decimal(3900), gt=0)
    max_monthly_kwh: Decimal = Field(default=Decimal(20000), gt=0)
    overpayment_on_estimates: bool = False
    normatives: dict[Stove, list[Decimal]] = Field(default_factory=dict)
    # weights of T1, T2[, T3] that split a normative across a zone meter's registers when the
    # account's own readings give no shares: each zone's hours a day in Moscow's tariff tables
    zone_shares: dict[str, list[Decimal]] = Field(
        default_factory=lambda: {
            "two_zone": [Decimal(16), Decimal(8)],
            "three_zone": [Decimal(7), Decimal(8), Decimal(9)],
        }
    )

    @model_validator(mode="after")
    def _cap_above_questions(self) -> BillingSettings:
        # Below it, consumption that should be asked about would be refused instead.
        if self.max_monthly_kwh <= self.implausible_max_kwh:
            raise ValueError("max_monthly_kwh must be above implausible_max_kwh")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def submission_window(self) -> SubmissionWindow:
        return SubmissionWindow(self.window_start_day, self.window_end_day, self.tz)

    def validation_rules(self) -> ValidationRules:
        return ValidationRules(
            implausible_factor=self.implausible_factor,
            max_missed_months_online=self.max_missed_months_online,
            rollover_max_kwh=self.rollover_max_kwh,
            implausible_max_kwh=self.implausible_max_kwh,
            max_monthly_kwh=self.max_monthly_kwh,
        )

    def billing_rules(self) -> BillingRules:
        return BillingRules(
            due_day=self.due_day,
            estimate_max_periods=self.estimate_max_periods,
            normatives={stove: tuple(values) for stove, values in self.normatives.items()},
            validation=self.validation_rules(),
            overpayment_on_estimates=self.overpayment_on_estimates,
            zone_shares={
                **DEFAULT_ZONE_SHARES,
                **{
                    kind: tuple(self.zone_shares[kind.config_key])
                    for kind in (MeterKind.TWO_ZONE, MeterKind.THREE_ZONE)
                    if kind.config_key in self.zone_shares
                },
            },
        )


class RemindersSettings(_Section):
    opening_time: time = time(10, 0)
    last_call_time: time = time(18, 0)
    # Whether this process may run the scheduler. On PostgreSQL the processes that may elect
    # one leader among them (bot/leadership.py); false opts a process out for good.
    scheduler: bool = True


class OutagesSettings(_Section):
    planned_notice_time: time = time(18, 0)  # planned outages are announced then, the day before
    planned_reminder_minutes: int = Field(default=60, ge=0, le=24 * 60)  # 0: no reminder


class ContactsSettings(_Section):
    phone: str = "+7 (499) 550-9-550"
    phone_operators: str = "+7 (499) 550-88-99"
    hours: str = "08:30–20:00"
    website: str = "https://my.mosenergosbyt.ru"
    supplier: str = "АО «Мосэнергосбыт»"


class PaymentSettings(_Section):
    """The payee on the ГОСТ Р 56042-2014 payment QR and the payment page. An empty name: no QR
    and no link; a name with a requisite missing or malformed is refused, so a resident never
    gets a half-filled code."""

    name: str = ""
    inn: str = ""
    kpp: str = ""
    account: str = ""
    bank: str = ""
    bic: str = ""
    corr_account: str = ""
    purpose: str = "Оплата электроэнергии, л/с {account}, {period}"
    pay_url: str = ""

    @model_validator(mode="after")
    def _whole_or_nothing(self) -> PaymentSettings:
        payee = self.payee()
        if payee is None:
            if self.pay_url:
                raise ValueError("pay_url is set but name is empty: set the payee or clear both")
            return self
        try:
            payee.check()
        except PayeeError as exc:
            raise ValueError(str(exc)) from None
        if self.pay_url:
            if not self.pay_url.startswith(("https://", "http://")):
                raise ValueError("pay_url must be an http(s) address")
            try:
                self.pay_url.format(account="", amount="", period="")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(
                    f"pay_url: {{account}}, {{amount}} and {{period}} only ({exc})"
                ) from None
        return self

    def payee(self) -> Payee | None:
        if not self.name.strip():
            return None
        return Payee(
            name=self.name.strip(),
            inn=self.inn.strip(),
            kpp=self.kpp.strip(),
            account=self.account.strip(),
            bank=self.bank.strip(),
            bic=self.bic.strip(),
            corr_account=self.corr_account.strip(),
            purpose=self.purpose,
        )


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class TariffTable(_Section):
    """One `[[tariffs]]` table: the rates for one stove type from one date on."""

    from_: date = Field(alias="from")
    stove: Stove
    single: dict[Register, Decimal]
    two_zone: dict[Register, Decimal]
    three_zone: dict[Register, Decimal]
    provisional: list[Literal["single", "two_zone", "three_zone"]] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def rates(self, kind: MeterKind) -> dict[Register, Decimal]:
        rates: dict[Register, Decimal] = getattr(self, kind.config_key)
        return rates

    def tariffs(self) -> list[Tariff]:
        return [
            Tariff(
                effective_from=self.from_,
                stove=self.stove,
                kind=kind,
                rates=self.rates(kind),
                provisional=kind.config_key in self.provisional,
            )
            for kind in MeterKind
        ]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="METERBOT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    storage: StorageSettings = StorageSettings()
    http: HttpSettings = HttpSettings()
    telegram: TelegramSettings = TelegramSettings()
    viber: ViberSettings = ViberSettings()
    max: MaxSettings = MaxSettings()
    billing: BillingSettings = BillingSettings()
    reminders: RemindersSettings = RemindersSettings()
    outages: OutagesSettings = OutagesSettings()
    contacts: ContactsSettings = ContactsSettings()
    payment: PaymentSettings = PaymentSettings()
    logging: LoggingSettings = LoggingSettings()
    tariffs: list[TariffTable] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file arrives through init (see load_settings); the environment wins over it.
        return (env_settings, init_settings)

    def tariff_book(self) -> TariffBook:
        """Every `[[tariffs]]` table as one book (load_settings has checked them already)."""
        return TariffBook(tariff for table in self.tariffs for tariff in table.tariffs())


def resolve_config_path(cli_path: str | os.PathLike[str] | None = None) -> Path:
    if cli_path:
        return Path(cli_path)
    if env_path := os.environ.get("METERBOT_CONFIG"):
        return Path(env_path)
    local = Path("config.toml")
    return local if local.exists() else DEFAULTS_FILE


def load_settings(cli_path: str | os.PathLike[str] | None = None) -> Settings:
    """Read, merge and validate the configuration; raise ConfigError with one clear line."""
    path = resolve_config_path(cli_path)
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:  # a folder, no permission
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        settings = Settings(**raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_first_problem(exc)}") from None
    problem = check_consistency(settings)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    return settings


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = error["loc"]
    if len(loc) >= 2 and loc[-1] == "[key]":  # a table key failed, e.g. a zone "t4"
        return f"unknown key {_dotted(loc[:-1])} ({error['msg']})"
    key = _dotted(loc)
    if error["type"] == "extra_forbidden":
        env_name = _env_name(loc)
        origin = f" (from environment variable {env_name})" if env_name else ""
        return f"unknown key {key}{origin}"
    if error["type"] == "missing":
        return f"missing key {key}"
    env_name = _env_name(loc)
    if env_name:
        # The value came from the environment, not the file: say where to look.
        key = f"{key} (from environment variable {env_name})"
    return f"{key}: {error['msg']}"


def _env_name(loc: tuple[int | str, ...]) -> str | None:
    """The METERBOT_<SECTION>__<KEY> variable that set this key, when one is set."""
    if len(loc) != 2 or not all(isinstance(part, str) for part in loc):
        return None
    wanted = f"METERBOT_{loc[0]}__{loc[1]}".upper()
    return next((name for name in os.environ if name.upper() == wanted), None)


def _dotted(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item + 1}]")  # tables count from 1 for people
        else:
            parts.append(("." if parts else "") + ("from" if item == "from_" else str(item)))
    return "".join(parts)


def require_tariffs(settings: Settings, day: date) -> None:
    """Raise ConfigError unless a tariff is in force on `day` for every stove and meter kind:
    a resident's bill could not be computed otherwise. A configuration file replaces the
    built-in defaults whole, so a file that leaves `[[tariffs]]` out has none."""
    missing = settings.tariff_book().missing_on(day)
    if missing:
        names = ", ".join(f"{stove.value} {kind.config_key}" for stove, kind in missing)
        raise ConfigError(
            f"no [[tariffs]] in force on {day.isoformat()} for {names}: residents' bills "
            "cannot be computed (config.example.toml has the tables)"
        )


def check_consistency(settings: Settings) -> str | None:
    """Rules across keys that field validation cannot see; the first broken one, or None."""
    seen: dict[tuple[date, Stove], int] = {}
    for index, table in enumerate(settings.tariffs, start=1):
        for kind in MeterKind:
            rates = table.rates(kind)
            expected = set(kind.registers)
            missing = sorted(expected - rates.keys())
            extra = sorted(rates.keys() - expected)
            if missing:
                names = ", ".join(r.value for r in missing)
                return f"tariffs[{index}].{kind.config_key}: missing zone {names}"
            if extra:
                names = ", ".join(r.value for r in extra)
                return f"tariffs[{index}].{kind.config_key}: zone {names} does not exist here"
            for register, rate in rates.items():
                if rate <= 0:
                    return f"tariffs[{index}].{kind.config_key}.{register.value}: must be > 0"
        key = (table.from_, table.stove)
        if key in seen:
            return (
                f"tariffs[{index}]: overlaps tariffs[{seen[key]}]: both start on "
                f"{table.from_.isoformat()} for stove {table.stove.value}"
            )
        seen[key] = index
    billing = settings.billing
    if billing.window_start_day > billing.window_end_day:
        return (
            f"billing.window_start_day: {billing.window_start_day} is after "
            f"billing.window_end_day {billing.window_end_day}"
        )
    for stove, values in settings.billing.normatives.items():
        if len(values) != 5:
            return f"billing.normatives.{stove.value}: give 5 values (1, 2, 3, 4, 5+ residents)"
    for name, weights in settings.billing.zone_shares.items():
        zones = {k.config_key: k.value for k in (MeterKind.TWO_ZONE, MeterKind.THREE_ZONE)}
        if name not in zones:
            return f"billing.zone_shares.{name}: only two_zone and three_zone are split"
        if len(weights) != zones[name] or any(w < 0 for w in weights) or sum(weights) <= 0:
            return (
                f"billing.zone_shares.{name}: give {zones[name]} weights (T1, T2"
                f"{', T3' if zones[name] == 3 else ''}), none negative, not all zero"
            )
    return None
