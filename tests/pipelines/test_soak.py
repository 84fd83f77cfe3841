"""The soak (``benchmarks/soak.py``): 20 outlets publishing for the whole run.

CI runs 30 s; ``DEFWATCH_RELIABILITY=full`` runs the 10 minutes of issue 14 and holds the
memory slope under ``MAX_SLOPE`` MB/min (the numbers go to ``benchmarks/README.md``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.state_store import MAX_SEEN
from pipelines import run_cmd
from tests.support.reliability_table import full_mode

REPO = Path(__file__).resolve().parents[2]
MINUTES = 10.0 if full_mode() else 0.5
MAX_SLOPE = 5.0  # MB per minute after warm-up, full soak only (45 s is all warm-up)


@pytest.mark.es
@pytest.mark.e2e
@pytest.mark.skipif(not (run_cmd.prism_binary() or os.environ.get("DEFWATCH_TEST_RUNNER")),
                    reason="end-to-end runs need Prism: bash deploy/runners/build_prism.sh")
@pytest.mark.reliability(
    f"Soak: {MINUTES:g} min of `defwatch run`, 20 outlets on their own loopback addresses "
    "publishing a report a second",
    checked="every report stored, every incident one event, no dead letter, every cursor "
            f"within its cap ({MAX_SEEN} ids); RSS slope of the process tree reported"
            + (f" and under {MAX_SLOPE} MB/min" if full_mode() else ""))
def test_soak_keeps_up_and_keeps_state_bounded(es_url, fault_report):
    out = subprocess.run(
        [sys.executable, "benchmarks/soak.py", "--minutes", str(MINUTES), "--json",
         "--sample", "2" if not full_mode() else "5"],
        cwd=REPO, capture_output=True, text=True, timeout=MINUTES * 60 + 600,
        env={**os.environ, "DEFWATCH_ES_URL": es_url})
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["exit_code"] == 0, report["stderr_tail"]
    assert report["missing_articles"] == 0, report
    assert report["events"] == report["incidents"], report
    assert report["dead_letters"] == 0, report
    assert report["feeds_in_state"] == report["outlets"]
    assert report["cursor_ids_max"] <= MAX_SEEN
    if full_mode():
        assert report["rss_slope_mb_per_min"] < MAX_SLOPE, report
    fault_report.observed = (
        f"{report['reports_published']} reports, {report['events']} events; RSS "
        f"{report['rss_mb_start']}→{report['rss_mb_end']} MB, slope "
        f"{report['rss_slope_mb_per_min']} MB/min after warm-up; cursors ≤ "
        f"{report['cursor_ids_max']} ids")
