from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing_core import MeterKind, Period, Register, Stove
from bot.config import (
    DEFAULTS_FILE,
    ConfigError,
    load_settings,
    require_tariffs,
    resolve_config_path,
)

ROOT = Path(__file__).resolve().parents[1]
GAS_2026 = """
[[tariffs]]
from = 2026-01-01
stove = "gas"
single = { t1 = "8.00" }
two_zone = { t1 = "9.61", t2 = "4.15" }
three_zone = { t1 = "11.43", t2 = "4.15", t3 = "8.00" }
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("METERBOT_"):
            monkeypatch.delenv(name)


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("colour = 1\n", "unknown key colour", id="unknown-top-level-key"),
        pytest.param("[http]\nprot = 80\n", "unknown key http.prot", id="unknown-key-in-section"),
        pytest.param("[htp]\nport = 80\n", "unknown key htp", id="unknown-section"),
        pytest.param('[http]\nport = "eighty"\n', "http.port: Input should be a valid integer",
                     id="wrong-type"),
        pytest.param("[billing]\nwindow_start_day = 40\n", "billing.window_start_day:",
                     id="day-out-of-range"),
        pytest.param('[billing]\ntimezone = "Mars/Olympus"\n',
                     "billing.timezone: Value error, unknown time zone 'Mars/Olympus'",
                     id="unknown-timezone"),
        pytest.param("[billing]\nwindow_start_day = 27\n",
                     "billing.window_start_day: 27 is after billing.window_end_day 26",
                     id="window-reversed"),
        pytest.param(GAS_2026.replace('t1 = "9.61", t2 = "4.15"', 't1 = "9.61"'),
                     "tariffs[1].two_zone: missing zone t2", id="tariff-missing-zone"),
        pytest.param(GAS_2026.replace('two_zone = { t1 = "9.61", t2 = "4.15" }\n', ""),
                     "missing key tariffs[1].two_zone", id="tariff-missing-kind"),
        pytest.param(GAS_2026.replace('{ t1 = "8.00" }', '{ t1 = "8", t2 = "1" }'),
                     "tariffs[1].single: zone t2 does not exist here", id="tariff-extra-zone"),
        pytest.param(GAS_2026.replace('t3 = "8.00"', 't4 = "8.00"'),
                     "unknown key tariffs[1].three_zone.t4", id="tariff-unknown-zone-name"),
        pytest.param(GAS_2026.replace('"8.00" }', '"free" }', 1),
                     "tariffs[1].single.t1: Input should be a valid decimal",
                     id="tariff-not-a-number"),
        pytest.param(GAS_2026.replace('"8.00" }', '"0" }', 1), "tariffs[1].single.t1: must be > 0",
                     id="tariff-zero"),
        pytest.param(GAS_2026 + GAS_2026.replace('"8.00" }', '"8.10" }', 1),
                     "tariffs[2]: overlaps tariffs[1]: both start on 2026-01-01 for stove gas",
                     id="tariff-overlapping-dates"),
        pytest.param(GAS_2026.replace('"gas"', '"coal"'), "tariffs[1].stove: Input should be",
                     id="tariff-unknown-stove"),
        pytest.param('[billing.normatives]\ngas = ["75", "46"]\n',
                     "billing.normatives.gas: give 5 values", id="normatives-short"),
        pytest.param('[billing.zone_shares]\ntwo_zone = ["16", "8", "1"]\n',
                     "billing.zone_shares.two_zone: give 2 weights (T1, T2)", id="shares-count"),
        pytest.param('[billing.zone_shares]\nthree_zone = ["0", "0", "0"]\n',
                     "billing.zone_shares.three_zone: give 3 weights", id="shares-all-zero"),
        pytest.param('[billing.zone_shares]\nsingle = ["1"]\n',
                     "billing.zone_shares.single: only two_zone and three_zone",
                     id="shares-single"),
        pytest.param("[billing\n", "not valid TOML", id="broken-toml"),
    ],
)  # fmt: skip
def test_bad_file_gives_one_line_naming_key_and_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert "\n" not in line
    assert line.startswith(f"{path}: ")
    assert message in line


def test_missing_file_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.toml: configuration file not found"):
        load_settings(tmp_path / "nowhere.toml")


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[billing]\nwindow_end_day = 25\n[http]\nport = 9000\n")
    monkeypatch.setenv("METERBOT_BILLING__WINDOW_END_DAY", "24")
    monkeypatch.setenv("METERBOT_TELEGRAM__TOKEN", "123:secret")
    settings = load_settings(path)
    assert settings.billing.window_end_day == 24
    assert settings.http.port == 9000  # the file's other keys stay
    assert settings.billing.window_start_day == 15  # and defaults fill the rest
    assert settings.telegram.token.get_secret_value() == "123:secret"
    assert "123:secret" not in repr(settings)


def test_environment_lowercase_name_also_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("meterbot_http__port", "8181")
    assert load_settings(write(tmp_path, "")).http.port == 8181


def test_bad_environment_value_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "")
    monkeypatch.setenv("METERBOT_HTTP__PORT", "eighty")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(
        f"{path}: http.port (from environment variable METERBOT_HTTP__PORT): "
    )


def test_unknown_environment_key_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "")
    monkeypatch.setenv("METERBOT_HTTP__FOO", "1")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: unknown key http.foo (from environment variable METERBOT_HTTP__FOO)"
    )


def test_a_folder_for_a_configuration_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r": cannot read: Is a directory"):
        load_settings(tmp_path)


def test_environment_cannot_break_cross_key_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METERBOT_BILLING__WINDOW_START_DAY", "28")
    with pytest.raises(ConfigError, match="window_start_day: 28 is after"):
        load_settings(write(tmp_path, ""))


class TestResolutionOrder:
    @pytest.fixture
    def files(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
        monkeypatch.chdir(tmp_path)
        return {
            "cli": write(tmp_path, "[http]\nport = 1001\n", "cli.toml"),
            "env": write(tmp_path, "[http]\nport = 1002\n", "env.toml"),
            "local": write(tmp_path, "[http]\nport = 1003\n", "config.toml"),
        }

    def test_cli_path_first(self, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("METERBOT_CONFIG", str(files["env"]))
        assert resolve_config_path(files["cli"]) == files["cli"]
        assert load_settings(files["cli"]).http.port == 1001

    def test_then_environment(
        self, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("METERBOT_CONFIG", str(files["env"]))
        assert load_settings().http.port == 1002

    def test_then_local_config_toml(self, files: dict[str, Path]) -> None:
        assert resolve_config_path() == Path("config.toml")
        assert load_settings().http.port == 1003

    def test_then_built_in_defaults(self, files: dict[str, Path]) -> None:
        files["local"].unlink()
        assert resolve_config_path() == DEFAULTS_FILE
        assert load_settings().http.port == 8080


def test_example_and_defaults_are_identical_and_load() -> None:
    example = ROOT / "config.example.toml"
    assert example.read_bytes() == DEFAULTS_FILE.read_bytes()
    for path in (example, DEFAULTS_FILE):
        settings = load_settings(path)
        assert settings.billing.window_start_day == 15
        assert settings.billing.window_end_day == 26


def test_tariff_book_from_configuration() -> None:
    tariffs = load_settings(DEFAULTS_FILE).tariff_book()
    gas = tariffs.for_period(Period(2025, 12), Stove.GAS, MeterKind.THREE_ZONE)
    assert gas.rates == {Register.T1: Decimal("11.24"), Register.T2: Decimal("4.08"),
                         Register.T3: Decimal("7.87")}  # fmt: skip
    assert not gas.provisional
    single_2026 = tariffs.for_period(Period(2026, 11), Stove.GAS, MeterKind.SINGLE)
    assert (single_2026.rate(Register.T1), single_2026.provisional) == (Decimal("8.00"), False)
    zoned_2026 = tariffs.for_period(Period(2026, 11), Stove.GAS, MeterKind.TWO_ZONE)
    assert zoned_2026.provisional
    electric = tariffs.for_period(Period(2025, 1), Stove.ELECTRIC, MeterKind.SINGLE)
    assert electric.rate(Register.T1) == Decimal("6.15")


def test_billing_rules_follow_configuration(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[billing]\n"
        'timezone = "Asia/Yekaterinburg"\nwindow_start_day = 20\nwindow_end_day = 25\n'
        "due_day = 15\nestimate_max_periods = 6\nmax_missed_months_online = 4\n"
        'implausible_factor = "2.5"\nrollover_max_kwh = 1000\n'
        '[billing.normatives]\ngas = ["75", "46", "36", "29", "25"]\n'
        '[billing.zone_shares]\ntwo_zone = ["3", "1"]\n',
    )
    billing = load_settings(path).billing
    window = billing.submission_window()
    assert (window.start_day, window.end_day, str(window.tz)) == (20, 25, "Asia/Yekaterinburg")
    rules = billing.billing_rules()
    assert (rules.due_day, rules.estimate_max_periods) == (15, 6)
    assert rules.normatives[Stove.GAS][2] == Decimal(36)
    assert rules.validation == billing.validation_rules()
    assert rules.validation.implausible_factor == Decimal("2.5")
    assert rules.validation.max_missed_months_online == 4
    assert rules.validation.rollover_max_kwh == Decimal(1000)
    assert rules.zone_shares[MeterKind.TWO_ZONE] == (Decimal(3), Decimal(1))
    assert rules.zone_shares[MeterKind.THREE_ZONE] == (Decimal(7), Decimal(8), Decimal(9))


def test_tariffs_needed_on_a_day_are_named(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GAS_2026))

    with pytest.raises(ConfigError) as caught:
        require_tariffs(settings, date(2026, 11, 1))
    assert "on 2026-11-01 for electric single, electric two_zone, electric three_zone:" in str(
        caught.value
    )
    assert "gas" not in str(caught.value).split(":")[0]
    with pytest.raises(ConfigError, match="for gas single, gas two_zone"):
        require_tariffs(settings, date(2025, 12, 1))  # before the gas table starts
    require_tariffs(load_settings(DEFAULTS_FILE), date(2026, 11, 1))  # the defaults cover it


PAYEE = """
[payment]
name = "ПАО «Мосэнергосбыт»"
inn = "7736520080"
kpp = "773601001"
account = "40702810038000011111"
bank = "ПАО Сбербанк"
bic = "044525225"
corr_account = "30101810400000000225"
"""


def test_the_payee_is_whole_or_absent(tmp_path: Path) -> None:
    assert load_settings(DEFAULTS_FILE).payment.payee() is None
    payee = load_settings(
        write(tmp_path, PAYEE + 'pay_url = "https://p.example.ru/?ls={account}"')
    )
    assert payee.payment.payee() is not None
    with pytest.raises(ConfigError, match="BIC must be 9 digits"):
        load_settings(write(tmp_path, PAYEE.replace('"044525225"', '"0445"')))
    with pytest.raises(ConfigError, match="BankName is empty"):
        load_settings(write(tmp_path, PAYEE.replace('"ПАО Сбербанк"', '""')))
    with pytest.raises(ConfigError, match="pay_url is set but name is empty"):
        load_settings(write(tmp_path, '[payment]\npay_url = "https://p.example.ru/"\n'))
    with pytest.raises(ConfigError, match="pay_url must be an http"):
        load_settings(write(tmp_path, PAYEE + 'pay_url = "p.example.ru/{account}"'))
