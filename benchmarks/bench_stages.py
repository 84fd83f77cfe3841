"""Per-document cost of the Arabic stages, as ratios to trafilatura cleaning in the same run.

    .venv/bin/python benchmarks/bench_stages.py [--corpus FILE.jsonl] [--rounds N] [--json]

The baseline is ``trafilatura.extract`` on a realistic generated Arabic news page (~90 KB:
navigation, ticker, the article, a "most read" sidebar, related links, comments, footer), one
page per document. The measured stages run on the same documents' text:

* ``clean_html``: the project's cleaner (``transforms.clean``), the baseline plus metadata;
* ``extract_events``: event extraction (``transforms.extract``);
* ``fingerprint``: MinHash signature (``transforms.fingerprint.signature``);
* ``find_mentions``: gazetteer place mentions (``transforms.gazetteer``:
  ``Gazetteer.load().find_mentions``, or a module-level ``find_mentions``).

A stage whose module is missing is reported as skipped. Rounds interleave the stages, and the
median per-document time of each stage is divided by the baseline's, so the ratios hold on a
busy or slow machine where absolute times do not. Nothing is asserted: read the ratios.
"""
from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.arabic_page import render_page  # noqa: E402
from schemas.records import Document  # noqa: E402

DEFAULT_CORPUS = REPO / "tests" / "fixtures" / "heldout_reports.jsonl"
BASELINE = "trafilatura"


def load_documents(path: Path) -> list[Document]:
    """Documents of a JSONL file in the extract input shape (gold fields are ignored)."""
    docs = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if row.get("text"):
                    docs.append(Document(doc_id=str(row["doc_id"]), url=row.get("url"),
                                         title=row.get("title"), published=row.get("published"),
                                         text=row["text"], outlet=row.get("outlet")))
    return docs


def _optional(module: str, name: str) -> Callable | None:
    """``module.name`` when the module imports and has it, else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _gazetteer_mentions() -> Callable | None:
    """``find_mentions`` of the loaded gazetteer (``Gazetteer.load()``) or of the module."""
    gazetteer = _optional("transforms.gazetteer", "Gazetteer")
    if gazetteer is not None and hasattr(gazetteer, "load"):
        return getattr(gazetteer.load(), "find_mentions", None)
    return _optional("transforms.gazetteer", "find_mentions")


def build_stages(docs: list[Document]) -> dict[str, tuple[Callable, list] | None]:
    """Stage name -> (function of one input, the inputs), or None when not available."""
    import trafilatura

    pages = [render_page(doc.title or doc.text.split("\n", 1)[0][:80], doc.text,
                         doc.published or "2024-01-01") for doc in docs]
    texts = [doc.text for doc in docs]
    clean_html = _optional("transforms.clean", "clean_html")
    extract_events = _optional("transforms.extract", "extract_events")
    signature = _optional("transforms.fingerprint", "signature")
    find_mentions = _gazetteer_mentions()
    return {
        BASELINE: (lambda page: trafilatura.extract(page, favor_precision=True,
                                                   include_comments=False), pages),
        "clean_html": (clean_html, pages) if clean_html else None,
        "extract_events": (extract_events, docs) if extract_events else None,
        "fingerprint": (signature, texts) if signature else None,
        "find_mentions": (find_mentions, texts) if find_mentions else None,
    }


def time_per_item(func: Callable, items: list) -> float:
    """Seconds per item for one pass of ``func`` over ``items``."""
    start = time.perf_counter()
    for item in items:
        func(item)
    return (time.perf_counter() - start) / len(items)


def run(docs: list[Document], rounds: int) -> dict:
    """Median per-document seconds and ratio to the baseline, for every available stage."""
    stages = build_stages(docs)
    live = {name: stage for name, stage in stages.items() if stage}
    for func, items in live.values():  # warm-up: caches, lazy data files, regex compilation
        for item in items[:3]:
            func(item)
    samples: dict[str, list[float]] = {name: [] for name in live}
    for _ in range(rounds):
        for name, (func, items) in live.items():
            samples[name].append(time_per_item(func, items))
    base = statistics.median(samples[BASELINE])
    result = {"documents": len(docs), "rounds": rounds,
              "page_bytes": int(statistics.mean(len(p.encode()) for p in stages[BASELINE][1])),
              "stages": {}}
    for name in stages:
        if name not in live:
            result["stages"][name] = {"skipped": "module or function not present"}
            continue
        median = statistics.median(samples[name])
        result["stages"][name] = {"ms_per_doc": round(median * 1000, 3),
                                  "ratio": round(median / base, 3)}
    return result


def print_table(result: dict) -> None:
    """The result as a small text table."""
    print(f"{result['documents']} documents x {result['rounds']} rounds; baseline = "
          f"trafilatura.extract on ~{result['page_bytes'] // 1024} KB Arabic pages")
    print(f"{'stage':<16}{'ms/doc':>10}{'ratio':>10}")
    for name, row in result["stages"].items():
        if "skipped" in row:
            print(f"{name:<16}{'skipped':>10}   ({row['skipped']})")
        else:
            print(f"{name:<16}{row['ms_per_doc']:>10.3f}{row['ratio']:>10.3f}")


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the benchmark, print it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="JSONL documents (default: the held-out fixture)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    docs = load_documents(args.corpus)
    if not docs:
        parser.error(f"no documents with text in {args.corpus}")
    result = run(docs, max(1, args.rounds))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
