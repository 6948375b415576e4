"""The deployment of docs/deploy.md, run for real: nginx with HTTPS in front of two uvicorn
workers, media sent by nginx (static mount, then X-Accel-Redirect), the systemd unit's command
line and the backup script with its restore."""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from parcours.cli import build_parser, main
from parcours.settings import BUNDLED_ROOT
from tests.e2e.conftest import Server, free_port, start_server, stop

DEPLOY = BUNDLED_ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
needs_nginx = pytest.mark.skipif(
    not Path(NGINX).exists() or shutil.which("openssl") is None,
    reason="needs Debian's nginx and openssl (scripts/test installs nginx-light)",
)


def wait_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Server]]:
    from parcours.build import build_all
    from parcours.settings import settings_from_env

    settings = settings_from_env()
    build_all(settings)
    os.environ["PARCOURS_ACCEL_REDIRECT"] = "/_blobs/"
    try:
        app = start_server("--workers", "2", "--no-watch", wait=90)
    finally:
        del os.environ["PARCOURS_ACCEL_REDIRECT"]
    prefix = tmp_path_factory.mktemp("nginx")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(prefix / "key.pem"),
         "-out", str(prefix / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    https, http = free_port(), free_port()
    config = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for key, value in {
        "@HTTPS_PORT@": str(https),
        "@HTTP_PORT@": str(http),
        "@UPSTREAM@": app.base.removeprefix("http://"),
        "@CERT@": str(prefix / "cert.pem"),
        "@KEY@": str(prefix / "key.pem"),
        "@PREFIX@": str(prefix),
    }.items():
        config = config.replace(key, value)
    (prefix / "nginx.conf").write_text(config, encoding="utf-8")
    # The media snippet, installed as docs/deploy.md says (cp, then sed for the two paths).
    (prefix / "snippets").mkdir()
    snippet = prefix / "snippets" / "parcours-media.conf"
    shutil.copy(DEPLOY / "parcours-media.conf", snippet)
    build = settings.build_path
    subprocess.run(
        ["sed", "-i", f"s|@PUBLIC@|{build}/public|; s|@BLOBS@|{build}/blobs|", str(snippet)],
        check=True,
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    try:
        try:
            wait_port(https)
        except RuntimeError:
            nginx.kill()
            raise RuntimeError(nginx.communicate()[1].decode()) from None
        yield f"https://127.0.0.1:{https}", app
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        stop(app)


@needs_nginx
def test_https_pages_carry_hsts_and_http_redirects(behind_nginx: tuple[str, Server]) -> None:
    base, _app = behind_nginx
    with httpx.Client(verify=False, timeout=10) as client:
        page = client.get(base + "/?lang=en")
        assert page.status_code == 200
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
        assert client.get(base + "/-/health").json()["status"] == "ok"
        assert client.get(base + "/-/metrics").text.startswith("# HELP")


def phone_variant(app: Server, asset_id: str) -> tuple[str, int]:
    asset = app.get(f"/api/assets/{asset_id}").json()
    return asset["variants"]["phone"]["url"], asset["variants"]["phone"]["bytes"]


def sent_by_nginx(client: httpx.Client, url: str, size: int) -> httpx.Response:
    """The model at `url`, sent whole by nginx with parcours's media headers; ranges work."""
    served = client.get(url)
    assert served.status_code == 200
    assert served.content[:4] == b"glTF" and len(served.content) == size
    assert "x-accel-redirect" not in served.headers
    assert served.headers["content-type"] == "model/gltf-binary"
    assert "immutable" in served.headers["cache-control"]
    assert served.headers["access-control-allow-origin"] == "*"
    part = client.get(url, headers={"range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"glTF"
    return served


@needs_nginx
def test_nginx_sends_the_published_media_from_the_static_mount(
    behind_nginx: tuple[str, Server],
) -> None:
    base, app = behind_nginx
    url, size = phone_variant(app, "caph-8n-cite-lagrange")
    name = url.rsplit("/", 1)[1]
    from parcours.settings import settings_from_env

    build = settings_from_env().build_path
    assert (build / "public" / "media" / name).resolve() == (build / "blobs" / name[:2] / name)
    with httpx.Client(verify=False, timeout=10) as client:
        served = sent_by_nginx(client, base + url, size)
        assert served.headers["content-security-policy"].startswith("default-src 'none'")
        assert served.headers["strict-transport-security"].startswith("max-age=")
        again = client.get(base + url, headers={"if-none-match": served.headers["etag"]})
        assert again.status_code == 304
        # A blob in the store that no build published is not in the mount: parcours says no.
        stray = b"not published"
        digest = hashlib.sha256(stray).hexdigest()
        blob = build / "blobs" / digest[:2] / f"{digest}.glb"
        blob.parent.mkdir(exist_ok=True)
        blob.write_bytes(stray)
        try:
            refused = client.get(f"{base}/media/{digest}.glb")
            assert refused.status_code == 404
            assert refused.headers["content-type"].startswith("application/json")
        finally:
            blob.unlink()


@needs_nginx
def test_nginx_sends_by_x_accel_redirect_what_the_mount_lacks(
    behind_nginx: tuple[str, Server],
) -> None:
    base, app = behind_nginx
    # Another model than the mount's test: nginx keeps files it opened for a few seconds.
    url, size = phone_variant(app, "caph-8o-cite-brunehaut")
    direct = app.get(url)
    assert direct.status_code == 200 and direct.content == b""  # parcours only decides
    assert direct.headers["x-accel-redirect"].startswith("/_blobs/")
    from parcours.assets import read_manifest, read_narrations
    from parcours.published import published_blobs, sync_public_media
    from parcours.settings import settings_from_env

    settings = settings_from_env()
    build = settings.build_path
    link = build / "public" / "media" / url.rsplit("/", 1)[1]
    link.unlink()  # as between a build's manifest and its links
    try:
        with httpx.Client(verify=False, timeout=10) as client:
            served = sent_by_nginx(client, base + url, size)
            assert served.headers["etag"] == direct.headers["etag"]  # parcours's, the hash
            assert client.get(base + "/_blobs/" + url.rsplit("/", 1)[1]).status_code == 404
    finally:
        sync_public_media(
            build, published_blobs(read_manifest(settings), read_narrations(settings))
        )


def test_systemd_unit_runs_a_command_parcours_accepts() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "parcours.service", encoding="utf-8")
    command = shlex.split(unit["Service"]["ExecStart"])
    assert command[0].endswith("/parcours") and command[1] == "serve"
    args = build_parser().parse_args(command[1:])
    assert args.workers == 4 and args.host == "127.0.0.1"
    assert unit["Service"]["Restart"] == "on-failure"


def test_backup_and_restore(content_root: Path, tmp_path: Path) -> None:
    history = content_root / ".parcours" / "history" / "site_catalog.yaml"
    history.mkdir(parents=True)
    (history / "000001-x-1.rev").write_text("old", encoding="utf-8")
    (content_root / ".parcours" / "audit.jsonl").write_text(json.dumps({"a": 1}) + "\n")
    out = subprocess.run(
        ["bash", str(DEPLOY / "backup.sh"), str(content_root), str(tmp_path / "backups")],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    restored = tmp_path / "restored"
    restored.mkdir()
    with tarfile.open(out) as archive:
        archive.extractall(restored, filter="data")
    assert (restored / ".parcours" / "audit.jsonl").is_file()
    assert (restored / ".parcours" / "history" / "site_catalog.yaml" / "000001-x-1.rev").is_file()
    assert main(["check", "--root", str(restored)]) == 0
