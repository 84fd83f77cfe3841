"""docker-compose.yml: the production shape (pinned images, security on, the pipeline image)."""
from __future__ import annotations

from pathlib import Path

import yaml

from deploy import local_es

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def test_elasticsearch_and_kibana_are_pinned_to_the_tested_version_with_security_on():
    services = _compose()["services"]
    version = local_es.ES_VERSION
    assert services["elasticsearch"]["image"].endswith(f"/elasticsearch:{version}")
    assert services["kibana"]["image"].endswith(f"/kibana:{version}")
    assert "xpack.security.enabled=true" in services["elasticsearch"]["environment"]
    assert all(port.startswith("127.0.0.1:") for name in ("elasticsearch", "kibana")
               for port in services[name]["ports"])


def test_the_pipeline_runs_after_setup_from_the_projects_dockerfile():
    services = _compose()["services"]
    build = services["setup"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert services["pipeline"]["image"] == services["setup"]["image"]
    assert services["pipeline"]["depends_on"]["setup"]["condition"] == \
        "service_completed_successfully"
    assert services["pipeline"]["command"][:2] == ["run", "--feeds"]
    assert services["setup"]["command"][:2] == ["setup", "--kibana-url"]
