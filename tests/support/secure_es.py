"""A secured Elasticsearch node on loopback: x-pack security, HTTPS with a test CA, a superuser.

Built from the same cached integ-test-zip as the project's local node (``deploy.local_es``),
with its own port, data directory and config directory (``ES_PATH_CONF``), so it runs next
to the plain test node. Certificates are generated here with ``cryptography``:

    with SecureNode(tmp_path) as node:
        node.url            # https://127.0.0.1:PORT
        node.ca_path        # the CA that signed the node's certificate (PEM)
        node.wrong_ca_path  # another CA, which must not be trusted
        node.fingerprint    # SHA-256 of the node's certificate, hex
        node.username, node.password   # a file-realm superuser
"""
from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from deploy import local_es

STARTUP_TIMEOUT = 180.0


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_ca(common: str):
    """A self-signed CA: (key, certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(common)).issuer_name(_name(common))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_node_cert(ca_key, ca_cert):
    """A server certificate for 127.0.0.1/localhost signed by the CA: (key, certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name("defwatch-secure-node"))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _free_port(start: int = 9260) -> int:
    """A port P with P and P+100 free on loopback (HTTP and transport)."""
    for port in range(start, start + 40):
        if all(_free(p) for p in (port, port + 100)):
            return port
    raise RuntimeError("no free port pair for the secured node")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class SecureNode:
    """Start on enter, stop and remove on exit (see module doc)."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.port = _free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.username = "defwatch_admin"
        self.password = "pw-" + secrets.token_urlsafe(12)
        self._pid: int | None = None

    # ------------------------------------------------------------------ files

    def _write_certs(self, certs: Path) -> None:
        ca_key, ca_cert = make_ca("defwatch test CA")
        node_key, node_cert = make_node_cert(ca_key, ca_cert)
        _, wrong_cert = make_ca("somebody else's CA")
        certs.mkdir(parents=True)
        (certs / "ca.crt").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        (certs / "node.crt").write_bytes(node_cert.public_bytes(serialization.Encoding.PEM))
        (certs / "node.key").write_bytes(_pem_key(node_key))
        self.ca_path = self.workdir / "ca.pem"
        self.ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        self.wrong_ca_path = self.workdir / "wrong-ca.pem"
        self.wrong_ca_path.write_bytes(wrong_cert.public_bytes(serialization.Encoding.PEM))
        self.fingerprint = node_cert.fingerprint(hashes.SHA256()).hex()

    def _prepare(self) -> tuple[Path, Path, dict]:
        layout = local_es.Layout(local_es.cache_dir(), self.port)
        install = local_es.unpack(layout)
        jdk = local_es.find_jdk()
        local_es.install_plugin(layout, jdk)
        node = self.workdir / "node"
        conf = node / "config"
        shutil.copytree(install / "config", conf)
        self._write_certs(conf / "certs")
        for path in (node / "data", node / "logs"):
            path.mkdir(parents=True)
        env = {**os.environ, "ES_PATH_CONF": str(conf), "ES_JAVA_HOME": str(jdk),
               "HOME": str(node), "ES_JAVA_OPTS": "-Xms256m -Xmx256m"}
        env.pop("JAVA_HOME", None)
        local_es._hand_over(self.workdir)
        users = subprocess.run(
            local_es._as_node_user([str(install / "bin" / "elasticsearch-users"), "useradd",
                                    self.username, "-p", self.password, "-r", "superuser"]),
            env=env, capture_output=True, text=True, timeout=120)
        if users.returncode != 0:
            raise RuntimeError(f"elasticsearch-users failed: {users.stdout}{users.stderr}")
        local_es._hand_over(self.workdir)
        return install, node, env

    # ------------------------------------------------------------------ life

    def start(self) -> SecureNode:
        install, node, env = self._prepare()
        settings = {
            "http.port": self.port, "transport.port": self.port + 100,
            "network.host": "127.0.0.1", "discovery.type": "single-node",
            "cluster.name": "defwatch-secure", "node.name": f"defwatch-secure-{self.port}",
            "path.data": node / "data", "path.logs": node / "logs",
            "xpack.security.enabled": "true",
            "xpack.security.http.ssl.enabled": "true",
            "xpack.security.http.ssl.key": "certs/node.key",
            "xpack.security.http.ssl.certificate": "certs/node.crt",
            "xpack.security.http.ssl.certificate_authorities": "certs/ca.crt",
            "xpack.security.authc.api_key.enabled": "true",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        pid_file = node / "es.pid"
        cmd = [str(install / "bin" / "elasticsearch"), "-d", "-p", str(pid_file)]
        for key, value in settings.items():
            cmd += ["-E", f"{key}={value}"]
        with open(node / "startup.out", "w") as out:
            proc = subprocess.run(local_es._as_node_user(cmd), env=env, stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=node, timeout=STARTUP_TIMEOUT)
        if proc.returncode != 0:
            raise RuntimeError(f"secured node failed to start:\n{self._log_tail(node)}")
        self._pid = int(pid_file.read_text().strip())
        self._wait_ready(node)
        return self

    def _wait_ready(self, node: Path) -> None:
        context = ssl.create_default_context(cafile=str(self.ca_path))
        request = urllib.request.Request(f"{self.url}/_cluster/health")
        token = f"{self.username}:{self.password}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(token).decode())
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(request, context=context, timeout=5) as answer:
                    if b'"status":"red"' not in answer.read():
                        return
            except OSError:
                pass
            if self._pid and not Path(f"/proc/{self._pid}").exists():
                raise RuntimeError(f"secured node exited:\n{self._log_tail(node)}")
            time.sleep(0.5)
        raise RuntimeError(f"secured node not ready in {STARTUP_TIMEOUT}s:\n"
                           f"{self._log_tail(node)}")

    @staticmethod
    def _log_tail(node: Path) -> str:
        texts = []
        logs = [p for p in sorted((node / "logs").glob("*.log")) if "gc" not in p.name]
        for path in [node / "startup.out", *logs]:
            if path.exists():
                texts.append(f"--- {path}\n" + "\n".join(
                    path.read_text(errors="replace").splitlines()[-30:]))
        return "\n".join(texts)

    def stop(self) -> None:
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGTERM)
        except ProcessLookupError:
            self._pid = None
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Path(f"/proc/{self._pid}").exists():
            time.sleep(0.2)
        if Path(f"/proc/{self._pid}").exists():
            os.kill(self._pid, signal.SIGKILL)
        self._pid = None

    def __enter__(self) -> SecureNode:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
