"""The production image and stack, checked as text (no Docker engine here).

``deploy/check_image_steps.sh`` runs the Dockerfile's RUN steps for real in a fresh virtual
environment (2-4 minutes: not in CI); these checks keep the files consistent with it and
with the pipeline's own options.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def _dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


def _run_steps(text: str) -> list[str]:
    joined = text.replace("\\\n", " ")
    return [re.sub(r"\s+", " ", line[4:]).strip() for line in joined.splitlines()
            if line.startswith("RUN ")]


def _services() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())["services"]


def test_prism_is_built_in_a_go_stage_and_copied_where_defwatch_looks_for_it():
    text = _dockerfile()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", text, re.M)
    assert [name for _, name in stages] == ["prism", "runtime"]
    assert "go install" in (ROOT / "deploy/runners/build_prism.sh").read_text()
    copied = re.search(r"^COPY --from=prism /out/prism (\S+)", text, re.M).group(1)
    assert re.search(rf"DEFWATCH_PRISM={re.escape(copied)}\b", text)
    beam = re.search(r"^ARG BEAM_VERSION=(\S+)", text, re.M).group(1)
    setup = (ROOT / "setup.py").read_text()
    low, high = re.search(r'"apache-beam>=([\d.]+),<([\d.]+)"', setup).groups()
    as_tuple = lambda v: tuple(int(p) for p in v.split("."))  # noqa: E731
    assert as_tuple(low) <= as_tuple(beam) < as_tuple(high)


def test_the_image_runs_as_a_non_root_user_and_keeps_secrets_private():
    text = _dockerfile()
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert "install -d -o defwatch -g defwatch -m 0700 /secrets" in text


def test_the_check_script_runs_exactly_the_dockerfiles_steps():
    script = (ROOT / "deploy" / "check_image_steps.sh").read_text()
    expected = script.split("<<'STEPS'\n", 1)[1].split("\nSTEPS\n", 1)[0].splitlines()
    assert _run_steps(_dockerfile()) == expected
    subprocess.run(["bash", "-n", str(ROOT / "deploy" / "check_image_steps.sh")], check=True)
    subprocess.run(["sh", "-n", str(ROOT / "deploy" / "image" / "install_app.sh")], check=True)


def test_the_build_context_leaves_out_the_virtualenv_caches_and_git():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".cache", ".git"} <= set(ignored)


def test_the_pipeline_runs_with_the_writer_key_only_and_outlives_its_drain():
    services = _services()
    pipeline, setup = services["pipeline"], services["setup"]
    command = pipeline["command"]
    assert command[:1] == ["run"] and "--no-setup" in command
    drain = float(command[command.index("--drain-seconds") + 1])
    grace = float(str(pipeline["stop_grace_period"]).rstrip("s"))
    assert grace >= drain + 10 + 10  # the run ends within drain + 10 s; then some slack
    assert pipeline["environment"]["DEFWATCH_ES_API_KEY_FILE"] == "/secrets/writer.api_key"
    assert not any("PASSWORD" in key for key in pipeline["environment"])
    assert setup["command"][:1] == ["setup"] and "--create-api-keys" in setup["command"]
    assert "_security/api_key" not in yaml.safe_dump(services["credentials"])
    assert all("chmod 644" not in yaml.safe_dump(s) for s in services.values())
