"""A self-signed certificate for the tests that speak TLS on loopback."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """The key and certificate for `name`, as `privkey.pem` and `fullchain.pem` in `folder`
    (the names certbot gives them); skips the test where openssl is not installed."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed here: no certificate to test TLS with")
    key, cert = folder / "privkey.pem", folder / "fullchain.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out",
         str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert
