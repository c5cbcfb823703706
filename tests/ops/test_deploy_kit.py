"""The deploy kit passes its own checks: nginx's configuration with `nginx -t` and in a real
nginx in front of loopback stand-ins for the bot, the alert rules with `promtool`, and every
query of the alert rules and the dashboard against the metric names the bot really exports.

nginx and promtool are checked where they are installed (.ci/run installs nginx) and skipped,
saying so, elsewhere; the structure checks run everywhere."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from prometheus_client.metrics_core import Metric

from bot.observability import Metrics
from tests.tls import self_signed

DEPLOY = Path(__file__).parents[2] / "deploy"
NGINX_CONF = DEPLOY / "nginx.conf"
ALERTS = DEPLOY / "prometheus-alerts.yml"
DASHBOARD = DEPLOY / "grafana-dashboard.json"
PUBLISHED = {
    "= /telegram/webhook",
    "= /viber/webhook",
    "= /max/webhook",
    "^~ /viber/media/",
}
# Series Prometheus makes itself, not the bot.
PROMETHEUS_OWN = {"up"}
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed here")


# -- nginx ----------------------------------------------------------------------------------------
def test_nginx_publishes_only_the_webhooks_and_vibers_pictures() -> None:
    text = NGINX_CONF.read_text(encoding="utf-8")
    locations = re.findall(r"^\s*location\s+([^{]+?)\s*\{", text, flags=re.MULTILINE)

    assert set(locations) - {"/"} == PUBLISHED
    assert locations.count("/") == 1
    catch_all = text.split("location / {", 1)[1].split("}", 1)[0]
    assert catch_all.split() == ["return", "404;"]
    assert "healthz" not in "".join(locations)
    assert "metrics" not in "".join(locations)


def nginx_setup(folder: Path, conf: str, *, master: bool = True) -> Path:
    """A main configuration in `folder` that includes `conf` inside http { }, as a host's
    /etc/nginx/nginx.conf includes the site, with every path nginx writes in `folder`."""
    (folder / "meterbot.conf").write_text(
        conf.replace("/etc/letsencrypt/live/bot.example.org/", f"{folder}/").replace(
            "/var/log/nginx/", f"{folder}/"
        ),
        encoding="utf-8",
    )
    temp = "\n".join(
        f"    {name}_temp_path {folder}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        + ("" if master else "daemon off;\nmaster_process off;\n")
        + f"events {{}}\nhttp {{\n{temp}\n    include {folder}/meterbot.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


@needs_nginx
def test_nginx_conf_passes_nginx_t(tmp_path: Path) -> None:
    assert NGINX is not None
    self_signed(tmp_path, "bot.example.org")
    main = nginx_setup(tmp_path, NGINX_CONF.read_text(encoding="utf-8"))

    checked = subprocess.run(  # noqa: S603 - the installed nginx on our own file
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def stand_in(name: str, media: set[str]) -> tuple[web.AppRunner, int, list[str]]:
    """A loopback stand-in for one bot process: every route it serves answers with its name,
    the pictures it holds (`media`) and nothing else under /viber/media/."""
    seen: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        if request.path.startswith("/viber/media/") and request.path not in media:
            return web.Response(status=404)
        return web.Response(text=name)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, port, seen


@pytest.fixture
async def behind_nginx(tmp_path: Path) -> AsyncIterator[tuple[str, list[str], list[str]]]:
    """deploy/nginx.conf running in front of two stand-ins (its listen and upstream servers
    moved to loopback ports): its base URL and what each stand-in was asked."""
    if NGINX is None:
        pytest.skip("nginx is not installed here")
    self_signed(tmp_path, "bot.example.org")
    first, first_port, first_seen = await stand_in("first", set())
    second, second_port, second_seen = await stand_in("second", {"/viber/media/abc.png"})
    port = free_port()
    conf = NGINX_CONF.read_text(encoding="utf-8")
    conf = re.sub(r"^\s*listen \[::\]:443 .*$", "", conf, flags=re.MULTILINE)
    conf = conf.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl;")
    conf = re.sub(r"server 127\.0\.0\.1:8083 [^;]*;", "", conf)
    conf = conf.replace("127.0.0.1:8081", f"127.0.0.1:{first_port}")
    conf = conf.replace("127.0.0.1:8082", f"127.0.0.1:{second_port}")
    conf = conf.replace("least_conn;", "")  # round robin, first to second: a known order
    main = nginx_setup(tmp_path, conf, master=False)
    process = await asyncio.create_subprocess_exec(
        NGINX, "-p", str(tmp_path), "-c", str(main), stderr=asyncio.subprocess.PIPE
    )
    try:
        for _ in range(100):
            if process.returncode is not None:
                assert process.stderr is not None
                pytest.fail(f"nginx did not start: {(await process.stderr.read()).decode()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            break
        yield f"https://127.0.0.1:{port}", first_seen, second_seen
    finally:
        process.terminate()
        await process.wait()
        await first.cleanup()
        await second.cleanup()


async def test_nginx_forwards_webhooks_and_pictures_and_nothing_else(
    behind_nginx: tuple[str, list[str], list[str]],
) -> None:
    base, first_seen, second_seen = behind_nginx
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as http:
        answers: dict[str, tuple[int, str]] = {}
        for method, path in [
            ("POST", "/telegram/webhook"),
            ("POST", "/viber/webhook"),
            ("POST", "/max/webhook"),
            ("GET", "/viber/media/abc.png"),
            ("GET", "/metrics"),
            ("GET", "/healthz"),
            ("POST", "/telegram/webhook/extra"),
            ("GET", "/"),
        ]:
            async with http.request(method, base + path, data=b"{}") as response:
                answers[f"{method} {path}"] = (response.status, await response.text())

    assert {k: v[0] for k, v in answers.items()} == {
        "POST /telegram/webhook": 200,
        "POST /viber/webhook": 200,
        "POST /max/webhook": 200,
        "GET /viber/media/abc.png": 200,
        "GET /metrics": 404,
        "GET /healthz": 404,
        "POST /telegram/webhook/extra": 404,
        "GET /": 404,
    }
    # The picture is found on the process that holds it, whichever was asked first.
    assert answers["GET /viber/media/abc.png"][1] == "second"
    asked = {line.split()[1] for line in first_seen + second_seen}
    assert asked == {"/telegram/webhook", "/viber/webhook", "/max/webhook", "/viber/media/abc.png"}


# -- metric names the bot exports -----------------------------------------------------------------
def exported_names() -> set[str]:
    """Every series name a scrape of the bot can show, suffixes included."""
    names: set[str] = set()
    family: Metric
    for family in Metrics().registry.collect():
        if family.type == "counter":
            names |= {f"{family.name}_total", f"{family.name}_created"}
        elif family.type == "histogram":
            names |= {f"{family.name}{s}" for s in ("_bucket", "_sum", "_count", "_created")}
        elif family.type == "info":
            names.add(f"{family.name}_info")
        else:
            names.add(family.name)
    return names


# PromQL words that look like metric names but are functions, keywords or label names.
_PROMQL_WORDS = {
    "sum", "by", "rate", "increase", "delta", "histogram_quantile", "count", "max", "min",
    "avg", "and", "or", "unless", "without", "on", "ignoring", "le", "instance", "job",
    "channel", "reason", "basis", "status", "campaign", "kind", "period", "version", "offset",
    "task",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}", "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    without_strings = re.sub(r'"[^"]*"', "", without_ranges)
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", without_strings))
    return {w for w in words if w not in _PROMQL_WORDS}


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    rules: list[dict[str, Any]] = []
    for group in document["groups"]:
        rules.extend(group["rules"])
    return rules


def test_alert_rules_are_well_formed() -> None:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    for group in document["groups"]:
        assert set(group) == {"name", "rules"}
        for rule in group["rules"]:
            assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"Meterbot[A-Za-z]+", rule["alert"])
            assert rule["labels"]["severity"] in {"critical", "warning", "info"}
            assert rule["annotations"]["summary"]
            assert re.fullmatch(r"\d+[smh]", rule["for"])


def test_alert_rules_and_dashboard_query_only_what_the_bot_exports() -> None:
    exported = exported_names() | PROMETHEUS_OWN
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queries = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    queries += [rule["expr"] for rule in alert_rules()]

    used = set().union(*(metric_names(q) for q in queries))

    assert used - exported == set()
    # Every metric the bot exports is watched somewhere: a new one needs a panel or an alert.
    families = {n.removesuffix("_total").removesuffix("_bucket") for n in used}
    unwatched = {f.name for f in Metrics().registry.collect()} - families
    assert not unwatched, f"add a panel to {DASHBOARD.name} for {sorted(unwatched)}"


def test_dashboard_is_importable_grafana_json() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] == "meterbot"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["targets"]
        assert all(t["expr"] for t in panel["targets"])


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed here")
def test_alert_rules_pass_promtool() -> None:
    checked = subprocess.run(  # noqa: S603 - the installed promtool on our own file
        [str(shutil.which("promtool")), "check", "rules", str(ALERTS)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
