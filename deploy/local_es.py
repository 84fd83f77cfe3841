"""The local Elasticsearch 9 node used by the demo and the tests.

``start`` downloads Elastic's minimal ``integ-test-zip`` distribution from Maven Central over
HTTPS (``$DEFWATCH_MAVEN_REPO`` for a mirror; a copy already in the local Maven repository is
used when its hash matches) into a cache (``$DEFWATCH_HOME``, else ``.cache/defwatch`` of the
checkout — git-ignored — else ``~/.cache/defwatch``) and verifies it against the SHA-512
pinned here (Maven Central serves no checksum for it), checks and unpacks it once, compiles
the project's analysis plugin (``deploy/es-arabic-plugin``) with the JDK's ``javac`` against
the jars inside that distribution — nothing else is downloaded — installs it, finds a JDK
21+ and starts one node on 127.0.0.1 with a small heap, data and logs under the cache. It
waits until the cluster answers and returns the base URL. ``start`` reuses a running node;
``stop`` sends SIGTERM and waits.

``start(port, nodes=3)`` starts a real cluster instead: nodes on HTTP ports ``port``,
``port+1``, … (transport ``+100``), each with its own data and logs (``nodes/<port>``), all
master-eligible, discovering each other on loopback; the first start bootstraps the cluster
(``cluster.initial_master_nodes``). The member list is kept in ``nodes/<port>/cluster.json``,
so ``status`` and ``stop`` on the first port see the whole cluster, and ``start`` again with
the same ``nodes`` restarts only the members that are down (a killed node rejoins).

Elasticsearch refuses to run as root: when run as root, the files are handed to ``nobody`` and
the node (and the plugin tool) run as that user through ``setpriv``.
"""
from __future__ import annotations

import contextlib
import fcntl
import grp
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ES_VERSION = "9.5.4"  # newest 9.x integ-test-zip that resolves on Maven Central
ARTIFACT_PATH = (f"org/elasticsearch/distribution/integ-test-zip/elasticsearch/{ES_VERSION}/"
                 f"elasticsearch-{ES_VERSION}.zip")
MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2"
DOWNLOAD_ATTEMPTS = 3
# Maven Central serves no checksum files for this artifact, so the zip is verified against this
# pinned SHA-512 after every download (and before a local Maven copy is used).
ES_ZIP_SHA512 = (
    "a75df614854ace52dd0bce977662b3792873ac077ec0af9026cd0b2a0eb119e4"
    "49910f8eb8ed577d1a83c51c6ee6af71bf5004c3cf5b418c979186de8b5dd9e6")
DEFAULT_PORT = int(os.environ.get("DEFWATCH_LOCAL_ES_PORT") or 9200)
DEFAULT_HEAP = "512m"
MIN_JAVA = 21
JVM_ROOT = Path("/usr/lib/jvm")
REPO_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_SOURCE = Path(__file__).resolve().parent / "es-arabic-plugin"
PLUGIN_NAME = "defwatch-arabic"
RUN_AS = ("nobody", "nogroup")
JAVA_VERSION_RE = re.compile(r'JAVA_VERSION="(\d+)')
JAVA_VERSION_OUTPUT_RE = re.compile(r'version "(\d+)(?:\.(\d+))?')

Log = Callable[[str], None]


class LocalESError(RuntimeError):
    """A failure with a message that says what to do about it."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- locations

def cache_dir() -> Path:
    """Where the distribution, plugin build and node data live."""
    if os.environ.get("DEFWATCH_HOME"):
        return Path(os.environ["DEFWATCH_HOME"]).resolve()
    if (REPO_ROOT / "setup.py").exists() and os.access(REPO_ROOT, os.W_OK):
        return REPO_ROOT / ".cache" / "defwatch"
    return Path.home() / ".cache" / "defwatch"


@dataclass(frozen=True)
class Layout:
    """Paths of one node (per HTTP port) inside the cache."""
    root: Path
    port: int

    @property
    def zip_path(self) -> Path:
        return self.root / "downloads" / f"elasticsearch-{ES_VERSION}.zip"

    @property
    def install(self) -> Path:
        return self.root / f"elasticsearch-{ES_VERSION}"

    @property
    def node(self) -> Path:
        return self.root / "nodes" / str(self.port)

    @property
    def data(self) -> Path:
        return self.node / "data"

    @property
    def logs(self) -> Path:
        return self.node / "logs"

    @property
    def pid_file(self) -> Path:
        return self.node / "es.pid"

    @property
    def startup_log(self) -> Path:
        return self.node / "startup.out"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cluster_file(self) -> Path:
        return self.node / "cluster.json"

    def member(self, index: int) -> Layout:
        """The layout of the ``index``-th node of a cluster started on this port."""
        return Layout(self.root, self.port + index)

    def members(self) -> list[Layout]:
        """Every node of the cluster started on this port (just this one when single)."""
        try:
            count = int(json.loads(self.cluster_file.read_text())["nodes"])
        except (OSError, ValueError, KeyError):
            count = 1
        return [self.member(i) for i in range(count)]


# ----------------------------------------------------------------------------- tools

def java_major(java_home: Path) -> int | None:
    """The major version of the JDK at ``java_home`` (None when it is not a JDK)."""
    java = java_home / "bin" / "java"
    if not java.exists():
        return None
    release = java_home / "release"
    if release.exists():
        match = JAVA_VERSION_RE.search(release.read_text(errors="replace"))
        if match:
            return int(match.group(1))
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True,
                             timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    match = JAVA_VERSION_OUTPUT_RE.search(out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_jdk() -> Path:
    """``ES_JAVA_HOME``/``JAVA_HOME`` when 21+, else the newest JDK 21+ under /usr/lib/jvm."""
    seen = []
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            home = Path(os.environ[var])
            major = java_major(home)
            if major is not None and major >= MIN_JAVA:
                return home
            seen.append(f"{var}={home} (Java {major})")
    candidates = []
    if JVM_ROOT.is_dir():
        for home in sorted(JVM_ROOT.iterdir()):
            if home.is_symlink():
                continue
            major = java_major(home)
            if major is not None:
                seen.append(f"{home} (Java {major})")
                if major >= MIN_JAVA:
                    candidates.append((major, home))
    if not candidates:
        found = "; ".join(seen) or "none"
        raise LocalESError(
            f"Elasticsearch {ES_VERSION} needs a JDK {MIN_JAVA} or newer. Found: {found}. "
            f"Install one (e.g. Temurin 21+ under {JVM_ROOT}) or set ES_JAVA_HOME to it.")
    return max(candidates)[1]


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_node_user(cmd: list[str]) -> list[str]:
    """``cmd`` run as the unprivileged user when we are root (Elasticsearch refuses root)."""
    if not _is_root():
        return cmd
    user, group = RUN_AS
    return ["setpriv", f"--reuid={user}", f"--regid={group}", "--clear-groups", *cmd]


def _hand_over(*paths: Path) -> None:
    """When root: give ``paths`` (recursively) to the node user, make parents traversable."""
    if not _is_root():
        return
    uid, gid = pwd.getpwnam(RUN_AS[0]).pw_uid, grp.getgrnam(RUN_AS[1]).gr_gid
    for path in paths:
        for parent in path.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)  # search permission only, no listing
        for dirpath, dirnames, filenames in os.walk(path):
            os.chown(dirpath, uid, gid)
            for name in [*dirnames, *filenames]:
                os.lchown(os.path.join(dirpath, name), uid, gid)


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Serialise start/stop between processes sharing one cache."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ----------------------------------------------------------------------------- distribution

def sha512_of(path: Path) -> str:
    """The hex SHA-512 of a file, read in chunks."""
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _local_maven_copy() -> Path | None:
    """The zip in the local Maven repository (``$HOME/.m2``), if an earlier ``mvn`` put it
    there. Only ``$HOME`` counts: a run with an empty or unset ``HOME`` downloads, as on a new
    machine (``Path.home()`` would fall back to the account's home directory)."""
    home = os.environ.get("HOME")
    if not home:
        return None
    candidate = Path(home) / ".m2" / "repository" / ARTIFACT_PATH
    return candidate if candidate.is_file() else None


def download(url: str, target: Path, expected: str, log: Log = _stderr,
             attempts: int = DOWNLOAD_ATTEMPTS) -> Path:
    """Stream ``url`` to ``target`` (via ``target.part``), hashing as it goes; keep it only if
    its SHA-512 is ``expected``. Network errors are retried; a mismatch is not."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    for attempt in range(1, attempts + 1):
        digest, size, shown = hashlib.sha512(), 0, 0
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "defection-watch"})
            with urllib.request.urlopen(request, timeout=60) as response, \
                    open(partial, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0)
                for chunk in iter(lambda r=response: r.read(1 << 20), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if total and size * 10 // total > shown:
                        shown = size * 10 // total
                        log(f"local-es:   {size >> 20} of {total >> 20} MB")
        except (OSError, urllib.error.URLError) as error:
            partial.unlink(missing_ok=True)
            if attempt == attempts:
                raise LocalESError(f"could not download {url}: {error}") from error
            log(f"local-es: download failed ({error}); retrying")
            time.sleep(2 * attempt)
            continue
        if digest.hexdigest() != expected:
            partial.unlink(missing_ok=True)
            raise LocalESError(
                f"{url}: SHA-512 mismatch (got {digest.hexdigest()[:16]}…, pinned "
                f"{expected[:16]}…); deleted it. A corrupted or substituted download: "
                "retry, and if it repeats, check the mirror")
        os.replace(partial, target)
        return target
    raise AssertionError("unreachable")


def fetch(layout: Layout, log: Log = _stderr) -> Path:
    """The distribution zip (downloaded once over HTTPS), verified against the pinned SHA-512."""
    if layout.zip_path.exists():
        return layout.zip_path
    layout.zip_path.parent.mkdir(parents=True, exist_ok=True)
    local = _local_maven_copy()
    if local is not None and sha512_of(local) == ES_ZIP_SHA512:
        log(f"local-es: using {local} (SHA-512 verified)")
        shutil.copyfile(local, layout.zip_path)
        return layout.zip_path
    repo = (os.environ.get("DEFWATCH_MAVEN_REPO") or MAVEN_CENTRAL).rstrip("/")
    url = f"{repo}/{ARTIFACT_PATH}"
    log(f"local-es: downloading {url}")
    return download(url, layout.zip_path, ES_ZIP_SHA512, log)


def unpack(layout: Layout, log: Log = _stderr) -> Path:
    """Check the zip and unpack it into the cache (once); return the install directory."""
    if (layout.install / "bin" / "elasticsearch").exists():
        return layout.install
    zip_path = fetch(layout, log)
    log(f"local-es: checking and unpacking {zip_path.name}")
    try:
        with zipfile.ZipFile(zip_path) as archive:
            bad = archive.testzip()
            if bad:
                raise zipfile.BadZipFile(f"corrupt member {bad}")
            staging = Path(tempfile.mkdtemp(prefix="unpack-", dir=layout.root))
            for info in archive.infolist():
                target = archive.extract(info, staging)
                mode = info.external_attr >> 16
                if mode and not info.is_dir():
                    os.chmod(target, mode & 0o777)
    except zipfile.BadZipFile as error:
        zip_path.unlink(missing_ok=True)
        raise LocalESError(f"{zip_path} is not a valid zip ({error}); deleted it, "
                           "run start again to fetch it anew") from error
    os.replace(staging / layout.install.name, layout.install)
    shutil.rmtree(staging, ignore_errors=True)
    return layout.install


# ----------------------------------------------------------------------------- plugin

def _plugin_digest() -> str:
    """A hash of the plugin's sources: a change rebuilds and reinstalls it."""
    digest = hashlib.sha256(ES_VERSION.encode())
    for path in sorted(PLUGIN_SOURCE.rglob("*")):
        if path.is_file() and "target" not in path.relative_to(PLUGIN_SOURCE).parts:
            digest.update(str(path.relative_to(PLUGIN_SOURCE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _plugin_classpath(install: Path) -> list[Path]:
    """The distribution's jars the plugin compiles against (its API and Lucene analysis)."""
    lib = install / "lib"
    jars = []
    for pattern in (f"elasticsearch-plugin-api-{ES_VERSION}.jar",
                    f"elasticsearch-plugin-analysis-api-{ES_VERSION}.jar",
                    "lucene-core-*.jar", "lucene-analysis-common-*.jar"):
        found = sorted(lib.glob(pattern))
        if not found:
            raise LocalESError(f"{lib} has no {pattern}: is {install} a complete distribution?")
        jars.append(found[-1])
    return jars


def build_plugin(layout: Layout, jdk: Path, log: Log = _stderr) -> Path:
    """Compile and package the analysis plugin (cached by source hash); return its zip.

    ``javac`` against the distribution's own jars, then the jar and the plugin zip (jar,
    filled-in stable plugin descriptor, named components) as ``elasticsearch-plugin install``
    expects. The Maven ``pom.xml`` next to the sources builds the same zip for IDE users.
    """
    digest = _plugin_digest()
    build = layout.root / "plugin-build" / digest
    zip_path = build / f"{PLUGIN_NAME}-{ES_VERSION}.zip"
    if zip_path.exists():
        return zip_path
    javac = jdk / "bin" / "javac"
    if not javac.exists():
        raise LocalESError(f"{jdk} has no javac: the analysis plugin needs a JDK, not a JRE")
    log(f"local-es: compiling the {PLUGIN_NAME} analysis plugin")
    shutil.rmtree(build, ignore_errors=True)
    classes = build / "classes"
    classes.mkdir(parents=True)
    sources = sorted(str(p) for p in (PLUGIN_SOURCE / "src" / "main" / "java").rglob("*.java"))
    classpath = os.pathsep.join(str(p) for p in _plugin_classpath(layout.install))
    proc = subprocess.run([str(javac), "--release", str(MIN_JAVA), "-encoding", "UTF-8",
                           "-nowarn", "-d", str(classes), "-cp", classpath, *sources],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise LocalESError(f"compiling the {PLUGIN_NAME} plugin failed:\n"
                           f"{(proc.stdout + proc.stderr).strip()[-3000:]}")
    jar = build / f"{PLUGIN_NAME}-{ES_VERSION}.jar"
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"
                         "Created-By: defection-watch deploy/local_es.py\n")
        for path in sorted(classes.rglob("*.class")):
            archive.write(path, str(path.relative_to(classes)))
    descriptors = PLUGIN_SOURCE / "src" / "main" / "plugin"
    staging = zip_path.with_name(zip_path.name + ".part")
    with zipfile.ZipFile(staging, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(jar, jar.name)
        for path in sorted(descriptors.iterdir()):
            text = path.read_text(encoding="utf-8")
            text = text.replace("${project.version}", ES_VERSION).replace(
                "${es.version}", ES_VERSION)
            archive.writestr(path.name, text)
    os.replace(staging, zip_path)
    return zip_path


def install_plugin(layout: Layout, jdk: Path, log: Log = _stderr) -> None:
    """Install (or reinstall after a source change) the Arabic plugin into the distribution."""
    if not PLUGIN_SOURCE.is_dir():
        log(f"local-es: WARNING: {PLUGIN_SOURCE} is missing (installed without the plugin "
            "sources?): the node will have no Arabic analysis")
        return
    marker = layout.install / "plugins" / PLUGIN_NAME / ".defwatch-digest"
    digest = _plugin_digest()
    if marker.exists() and marker.read_text().strip() == digest:
        return
    zip_path = build_plugin(layout, jdk, log)
    _hand_over(zip_path.parent)
    env = {**os.environ, "ES_JAVA_HOME": str(jdk), "HOME": str(layout.root)}
    tool = str(layout.install / "bin" / "elasticsearch-plugin")
    if (layout.install / "plugins" / PLUGIN_NAME).exists():
        subprocess.run(_as_node_user([tool, "remove", PLUGIN_NAME]), env=env,
                       capture_output=True, text=True)
    log(f"local-es: installing the {PLUGIN_NAME} plugin")
    proc = subprocess.run(
        _as_node_user([tool, "install", "--batch", zip_path.as_uri()]), env=env,
        capture_output=True, text=True)
    if proc.returncode != 0:
        raise LocalESError(f"installing the {PLUGIN_NAME} plugin failed:\n"
                           f"{(proc.stdout + proc.stderr).strip()[-3000:]}")
    marker.write_text(digest + "\n")
    _hand_over(marker)


# ----------------------------------------------------------------------------- node

def _http_json(url: str, timeout: float = 2.0) -> dict | None:
    """GET ``url`` as JSON; None when nothing (or not Elasticsearch) answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _read_pid(layout: Layout) -> int | None:
    """The pid in the node's pid file when that process is a live Elasticsearch."""
    try:
        pid = int(layout.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"org.elasticsearch" in cmdline else None


def node_version(url: str) -> str | None:
    """The version of the node at ``url`` (``GET /`` answers 405 on this distribution)."""
    info = _http_json(f"{url}/_nodes/_local")
    for node in (info or {}).get("nodes", {}).values():
        return node.get("version")
    return None


def _log_tail(layout: Layout, lines: int = 40) -> str:
    """The last lines of the startup output and of the node's main log."""
    parts = []
    logs = sorted(layout.logs.glob("*.log"), key=lambda p: p.stat().st_mtime) \
        if layout.logs.is_dir() else []
    mains = [p for p in logs if not p.name.endswith(("_deprecation.log", "_audit.log"))
             and "gc" not in p.name]
    for path in [layout.startup_log, *mains[-1:]]:
        if path.exists():
            text = path.read_text(errors="replace").strip().splitlines()[-lines:]
            parts.append(f"--- {path}\n" + "\n".join(text))
    return "\n".join(parts) or "(no log written)"


def status(port: int = DEFAULT_PORT) -> dict | None:
    """``{"url", "pid", "version", "health", "home", "nodes"}`` of our node/cluster, or None.

    For a cluster started on ``port``: ``nodes`` lists every member (``port``, ``pid`` or
    None, ``url``), ``url`` is the first member that answers, and ``urls`` all that answer.
    """
    layout = Layout(cache_dir(), port)
    members = [{"port": m.port, "url": m.url, "pid": _read_pid(m)} for m in layout.members()]
    running = [m for m in members if m["pid"] is not None]
    for member in running:
        health = _http_json(f"{member['url']}/_cluster/health")
        if health:
            return {"url": member["url"], "pid": member["pid"],
                    "version": node_version(member["url"]), "health": health.get("status"),
                    "home": str(layout.node), "nodes": members,
                    "urls": [m["url"] for m in running],
                    "cluster_nodes": health.get("number_of_nodes")}
    return None


def _wait_ready(layout: Layout, timeout: float, nodes: int = 1) -> None:
    """Poll the cluster health until yellow/green with ``nodes`` nodes, a node dies, or
    ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    wait = f"wait_for_status=yellow&wait_for_nodes=>={nodes}&timeout=2s"
    while time.monotonic() < deadline:
        health = _http_json(f"{layout.url}/_cluster/health?{wait}", timeout=5)
        if health and health.get("status") in ("yellow", "green") and \
                int(health.get("number_of_nodes") or 0) >= nodes:
            return
        if _read_pid(layout) is None:
            raise LocalESError(f"Elasticsearch exited during startup.\n{_log_tail(layout)}")
        time.sleep(0.5)
    raise LocalESError(f"Elasticsearch did not answer on {layout.url} within {timeout:.0f}s."
                       f"\n{_log_tail(layout)}")


def start(port: int = DEFAULT_PORT, heap: str = DEFAULT_HEAP, timeout: float = 180.0,
          log: Log = _stderr, nodes: int = 1) -> str:
    """Start (or reuse) the local node, or the ``nodes``-node cluster, on ``port``; its URL."""
    if nodes < 1:
        raise LocalESError(f"--nodes must be at least 1, got {nodes}")
    layout = Layout(cache_dir(), port)
    with _locked(layout.root):
        known = len(layout.members())
        if known != nodes and (_read_pid(layout) is not None or
                               (known > 1 and layout.data.exists())):
            raise LocalESError(
                f"port {port} holds a {known}-node local Elasticsearch; start it with "
                f"--nodes {known}, or stop it and delete {layout.node} to start anew")
        if known == 1 and nodes > 1 and layout.data.exists() and any(layout.data.iterdir()):
            raise LocalESError(
                f"port {port} holds a single node's data; a cluster needs fresh data "
                f"directories: use another --port, or stop it and delete {layout.node}")
        members = [layout.member(i) for i in range(nodes)]
        down = [m for m in members if _read_pid(m) is None]
        if not down:
            log(f"local-es: reusing the running node{'s' if nodes > 1 else ''} "
                f"({', '.join(str(_read_pid(m)) for m in members)})")
            _wait_ready(layout, timeout, nodes)
            return layout.url
        for member in down:
            _check_ports(member.port)
        jdk = find_jdk()
        unpack(layout, log)
        _hand_over(layout.install)
        install_plugin(layout, jdk, log)
        bootstrap = nodes > 1 and not any(
            m.data.exists() and any(m.data.iterdir()) for m in members)
        layout.node.mkdir(parents=True, exist_ok=True)
        if nodes > 1:
            layout.cluster_file.write_text(json.dumps({"nodes": nodes}) + "\n")
        else:
            layout.cluster_file.unlink(missing_ok=True)
        errors: list[BaseException] = []

        def launch(member: Layout) -> None:
            try:
                _launch(member, _node_settings(layout, member, nodes, bootstrap), jdk, heap,
                        timeout, log)
            except BaseException as error:  # noqa: BLE001 - re-raised below
                errors.append(error)

        threads = [threading.Thread(target=launch, args=(m,)) for m in down]
        for thread in threads:  # together: a cluster member waits for the others to join
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        _wait_ready(layout, timeout, nodes)
        return layout.url


def _check_ports(port: int) -> None:
    if _port_in_use(port):
        raise LocalESError(
            f"port {port} is taken by another process; stop it or use --port N "
            f"(e.g. `defwatch local-es start --port {port + 10}`)")
    if _port_in_use(port + 100):
        raise LocalESError(f"transport port {port + 100} is taken; use another --port")


def _node_settings(first: Layout, member: Layout, nodes: int, bootstrap: bool) -> dict:
    """The ``-E`` settings of one node: alone, or a member of the cluster on ``first.port``."""
    settings = {
        "http.port": member.port, "transport.port": member.port + 100,
        "network.host": "127.0.0.1", "xpack.security.enabled": "false",
        "cluster.name": "defwatch-local", "node.name": f"defwatch-{member.port}",
        "path.data": member.data, "path.logs": member.logs,
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "false",
    }
    if nodes == 1:
        return {**settings, "discovery.type": "single-node"}
    ports = [first.port + i for i in range(nodes)]
    settings.update({"cluster.name": f"defwatch-local-{first.port}",
                     "discovery.seed_hosts": ",".join(f"127.0.0.1:{p + 100}" for p in ports)})
    if bootstrap:  # only for the very first start of the cluster (empty data directories)
        settings["cluster.initial_master_nodes"] = ",".join(f"defwatch-{p}" for p in ports)
    return settings


def _launch(layout: Layout, settings: dict, jdk: Path, heap: str, timeout: float,
            log: Log) -> None:
    """Start one node in the background (``elasticsearch -d``) with ``settings``."""
    for path in (layout.data, layout.logs):
        path.mkdir(parents=True, exist_ok=True)
    layout.pid_file.unlink(missing_ok=True)
    _hand_over(layout.install, layout.node)
    env = {**os.environ, "HOME": str(layout.node), "ES_JAVA_HOME": str(jdk),
           "ES_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}"}
    env.pop("JAVA_HOME", None)
    cmd = [str(layout.install / "bin" / "elasticsearch"), "-d", "-p", str(layout.pid_file)]
    for key, value in settings.items():
        cmd += ["-E", f"{key}={value}"]
    log(f"local-es: starting Elasticsearch {ES_VERSION} on {layout.url} (Java {jdk.name})")
    try:
        with open(layout.startup_log, "w") as out:
            proc = subprocess.run(_as_node_user(cmd), env=env, stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=layout.node, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise LocalESError(f"Elasticsearch did not start within {timeout:.0f}s.\n"
                           f"{_log_tail(layout)}") from error
    if proc.returncode != 0:
        raise LocalESError(f"Elasticsearch failed to start (exit {proc.returncode}).\n"
                           f"{_log_tail(layout)}")


def stop(port: int = DEFAULT_PORT, timeout: float = 60.0, log: Log = _stderr) -> bool:
    """Stop our node, or every node of our cluster, on ``port``; False if none ran."""
    layout = Layout(cache_dir(), port)
    with _locked(layout.root):
        running = [m for m in layout.members() if _read_pid(m) is not None]
        for member in running:
            os.kill(_read_pid(member), signal.SIGTERM)
        for member in running:
            _wait_gone(member, timeout, log)
        return bool(running)


def _wait_gone(layout: Layout, timeout: float, log: Log) -> None:
    """Wait for the node to exit after SIGTERM; SIGKILL it after ``timeout``."""
    pid = _read_pid(layout)
    deadline = time.monotonic() + timeout
    while pid is not None and time.monotonic() < deadline and _read_pid(layout) == pid:
        time.sleep(0.2)
    if pid is not None and _read_pid(layout) == pid:
        log(f"local-es: node {pid} ignored SIGTERM for {timeout:.0f}s, killing it")
        os.kill(pid, signal.SIGKILL)
    layout.pid_file.unlink(missing_ok=True)
