"""The NLP fast path against a baseline checkout: same results, and how much faster (issue 14).

`python bench/nlp_compare.py same --base DIR` runs nlp.analysis.analyze of this checkout and of
the one at DIR (e.g. a worktree of main) over every text of ../shared/eval/*.csv, the Quebec
development set and the benchmark's generated comments, and counts the texts whose language,
sentiment, priority, reasons or spam flag differ (and, separately, confidence, polarity and
evidence). Exit status 1 when any of the first five differ.

`python bench/nlp_compare.py speed --base DIR [--rounds 3]` runs bench/nlp.py of both checkouts
alternately (the machine's load changes between runs, not within a pair) and prints each run
and the ratio new/old of the medians.

`python bench/nlp_compare.py instructions --base DIR [--items 2000] [--texts bench|real]` counts
the instructions of a fixed single-process run under `valgrind --tool=callgrind`, minus the same
run with no items (start-up and model loading): repeatable whatever else the machine runs.

`work` is the worker the others start: it imports the checkout given by --tree.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVAL = os.path.join(os.path.dirname(HERE), "shared", "eval")
# What a user sees change: these must be equal. The rest is reported apart.
MUST_MATCH = ("lang", "sentiment", "priority", "reasons", "spam")
ALSO = ("lang_confidence", "polarity", "evidence")


def _import_tree(tree: str) -> None:
    """Make `import nlp` (and bench.nlp) load the checkout at tree, not this script's."""
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
    sys.path.insert(0, os.path.abspath(tree))


def texts(kind: str, eval_dir: str = EVAL) -> list[str]:
    """Return the texts of one set: "bench" (generated, unique), "real" (eval sets + dev set), "all"."""
    out: list[str] = []
    if kind in ("real", "all"):
        for name in sorted(os.listdir(eval_dir)):
            if name.endswith(".csv") and (kind == "all" or name.startswith("sentiment")):
                with open(os.path.join(eval_dir, name), encoding="utf-8", newline="") as fh:
                    out += [row["text"] for row in csv.DictReader(fh)]
        with open(os.path.join(HERE, "nlp", "data", "dev_quebec.jsonl"), encoding="utf-8") as fh:
            out += [json.loads(line)["text"] for line in fh if line.strip()]
    if kind in ("bench", "all"):
        from bench.nlp import comments

        out += list(dict.fromkeys(d.text for d in comments(20000)))
    return out


def _documents(items: list[str]) -> list[dict]:
    """The texts with seeded reach, age and replied flags, so that priority's every branch is taken."""
    rng = random.Random(14)
    return [
        {
            "text": t,
            "followers": rng.choice([None, 12, 340, 5200, 120000]),
            "age_seconds": rng.choice([None, 60.0, 9000.0, 30000.0]),
            "already_replied": rng.random() < 0.1,
        }
        for t in items
    ]


def work(args: argparse.Namespace) -> int:
    """Analyse one set with the checkout at --tree: dump the results, or just run (for callgrind)."""
    _import_tree(args.tree)
    from nlp.analysis import analyze, warm_up

    warm_up()
    if args.texts == "bench" and args.items is not None:
        # The benchmark's own sequence, repeats included, as bench/nlp.py analyses it.
        from bench.nlp import comments

        docs = [{"text": d.text, "followers": d.followers, "age_seconds": d.age_seconds} for d in comments(args.items)]
    else:
        docs = _documents(texts(args.texts))
        if args.items is not None:
            docs = random.Random(3).sample(docs, min(args.items, len(docs)))
    started, cpu = time.perf_counter(), time.process_time()
    results = [analyze(**d) for d in docs]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as fh:
            for d, r in zip(docs, results):
                fh.write(json.dumps({"text": d["text"], **r.to_dict()}, ensure_ascii=False) + "\n")
    n = max(1, len(docs))
    print(json.dumps({"items": len(docs), "us_per_item": round(elapsed / n * 1e6, 1), "cpu_us_per_item": round(cpu / n * 1e6, 1)}))
    return 0


def _run_work(tree: str, extra: list[str], prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=os.path.abspath(tree))
    cmd = [*(prefix or []), sys.executable, os.path.abspath(__file__), "work", "--tree", tree, *extra]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)


def same(args: argparse.Namespace) -> int:
    """Count the texts whose results differ between the baseline and this checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        dumps = {}
        for name, tree in (("old", args.base), ("new", HERE)):
            dumps[name] = os.path.join(tmp, f"{name}.jsonl")
            print(name, _run_work(tree, ["--texts", args.texts, "--dump", dumps[name]]).stdout.strip())
        with open(dumps["old"], encoding="utf-8") as a, open(dumps["new"], encoding="utf-8") as b:
            pairs = [(json.loads(x), json.loads(y)) for x, y in zip(a, b, strict=True)]
    counts = {f: 0 for f in (*MUST_MATCH, *ALSO)}
    shown = 0
    for old, new in pairs:
        fields = [f for f in counts if old[f] != new[f]]
        for f in fields:
            counts[f] += 1
        if fields and shown < args.show:
            shown += 1
            print(json.dumps({"text": old["text"], **{f: [old[f], new[f]] for f in fields}}, ensure_ascii=False))
    differing = sum(1 for old, new in pairs if any(old[f] != new[f] for f in MUST_MATCH))
    print(json.dumps({"texts": len(pairs), "texts_differing": differing, "by_field": counts}))
    return 1 if differing else 0


def _bench(tree: str, items: int) -> dict:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(tree))
    cmd = [sys.executable, os.path.join(tree, "bench", "nlp.py"), "--items", str(items), "--full-items", "0", "--naive-items", "1"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def speed(args: argparse.Namespace) -> int:
    """Run both checkouts' bench/nlp.py alternately; print every run and the ratio of medians."""
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for k in range(args.rounds):
        order = (("old", args.base), ("new", HERE)) if k % 2 == 0 else (("new", HERE), ("old", args.base))
        for name, tree in order:
            result = _bench(tree, args.items)
            runs[name].append(result)
            load = os.getloadavg()[0]
            print(f"{name}: {result['items_per_s']} items/s on {result['workers']} workers, "
                  f"{result['single_process_items_per_s']} in one process (load {load:.1f})", flush=True)
    summary = {}
    for key in ("items_per_s", "single_process_items_per_s"):
        old = statistics.median(r[key] for r in runs["old"])
        new = statistics.median(r[key] for r in runs["new"])
        summary[key] = {"old_median": old, "new_median": new, "ratio_new_over_old": round(new / old, 3)}
    print(json.dumps(summary))
    return 0


def _instructions(tree: str, extra: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out"]
        done = _run_work(tree, extra, prefix)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if not found:
        raise SystemExit(f"no instruction count from callgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def instructions(args: argparse.Namespace) -> int:
    """Instructions per item of a fixed single-process run, baseline and this checkout."""
    per_item = {}
    for name, tree in (("old", args.base), ("new", HERE)):
        if name in args.known:
            per_item[name] = args.known[name]
            continue
        idle = _instructions(tree, ["--texts", args.texts, "--items", "0"])
        full = _instructions(tree, ["--texts", args.texts, "--items", str(args.items)])
        per_item[name] = (full - idle) / args.items
        print(f"{name}: {per_item[name]:,.0f} instructions an item ({args.items} {args.texts} texts)", flush=True)
    if not args.only:
        print(json.dumps({"texts": args.texts, "items": args.items, "old": round(per_item["old"]),
                          "new": round(per_item["new"]), "ratio_new_over_old": round(per_item["new"] / per_item["old"], 3)}))
    return 0


def main() -> int:
    """Parse the command line and run one of work, same, speed, instructions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("work")
    p.add_argument("--tree", required=True)
    p.add_argument("--texts", choices=("bench", "real", "all"), default="all")
    p.add_argument("--items", type=int)
    p.add_argument("--dump")
    p = sub.add_parser("same")
    p.add_argument("--base", required=True)
    p.add_argument("--texts", choices=("bench", "real", "all"), default="all")
    p.add_argument("--show", type=int, default=10, help="print this many differing texts")
    p = sub.add_parser("speed")
    p.add_argument("--base", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--items", type=int, default=20000)
    p = sub.add_parser("instructions")
    p.add_argument("--base", required=True)
    p.add_argument("--items", type=int, default=2000)
    p.add_argument("--texts", choices=("bench", "real"), default="bench")
    p.add_argument("--old", type=float, help="the baseline's count an item, if already measured (it does not change)")
    p.add_argument("--only", choices=("old", "new"), help="measure one checkout only")
    args = parser.parse_args()
    if args.command == "instructions":
        args.known = {"old": args.old} if args.old else {}
        if args.only:
            args.known.setdefault("old" if args.only == "new" else "new", float("nan"))
    return {"work": work, "same": same, "speed": speed, "instructions": instructions}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
