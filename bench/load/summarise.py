"""Turns the results of bench/load/run.sh into the Markdown table that
docs/RELIABILITY.md quotes, and checks the stored rows: every answered
question stored exactly once, with its complete answer and one audit row.
Exits 1 when a request failed or a row is missing or doubled.

    python3 bench/load/summarise.py OUT CONNECTIONS DURATION PIECES PAUSE_MS STORE...
"""

import json
import sys
from pathlib import Path


def load(path: Path) -> dict:
    data = json.loads(path.read_text())
    codes = data.get("statusCodeDistribution", {})
    ok = sum(n for code, n in codes.items() if code.startswith("2"))
    # Every request counts: the run waits for the ones open at the deadline,
    # so any error here (connection refused, reset, timeout) is a failure.
    failed = sum(n for code, n in codes.items() if not code.startswith("2"))
    failed += sum(data.get("errorDistribution", {}).values())
    pct = data["latencyPercentiles"]
    return {
        "rps": data["summary"]["requestsPerSec"],
        "p50": pct["p50"] * 1000,
        "p99": pct["p99"] * 1000,
        "ok": ok,
        "failed": failed,
    }


def problems(counts: dict, answered: int) -> list[str]:
    found = []
    expect = {
        "conversations": answered,
        "question_then_answer": answered,
        "messages": 2 * answered,
        "distinct_messages": 2 * answered,
        "audit_rows": answered,
        "audited_conversations": answered,
        "not_audited_once": 0,
    }
    for name, wanted in expect.items():
        if counts[name] != wanted:
            found.append(f"{name} = {counts[name]}, expected {wanted}")
    return found


def main() -> None:
    out = Path(sys.argv[1])
    connections, duration, pieces, pause_ms = sys.argv[2:6]
    stores = sys.argv[6:]
    direct = load(out / "direct.json")
    lines = [
        f"{connections} concurrent streaming chats for {duration} (oha, closed loop, requests "
        f"open at the deadline waited for); each answer is {pieces} SSE pieces {pause_ms} ms "
        "apart from the Gemini stand-in. Latency is the whole answer read, in milliseconds; "
        "added = through the proxy minus the stand-in called directly with the same load.",
        "",
        "| Path | Requests answered | Errors | req/s | p50 | p99 | added p50 | added p99 "
        "| Proxy RSS idle → peak | Stored exactly once | Load average after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
        f"| Stand-in direct | {direct['ok']} | {direct['failed']} | {direct['rps']:.0f} | "
        f"{direct['p50']:.1f} | {direct['p99']:.1f} |  |  |  |  |  |",
    ]
    failed = direct["failed"] > 0
    notes = []
    for store in stores:
        run = load(out / f"proxy-{store}.json")
        counts = json.loads((out / f"counts-{store}.json").read_text())
        rss = json.loads((out / f"rss-{store}.json").read_text())
        wrong = problems(counts, run["ok"])
        failed |= run["failed"] > 0 or bool(wrong)
        label = {"sqlite": "Proxy, embedded SQLite", "postgrest": "Proxy, PostgREST → PostgreSQL"}
        peak = max(rss["peak_kb"], rss["hwm_kb"]) / 1024
        stored = (
            f"yes ({counts['conversations']} conversations, {counts['messages']} messages, "
            f"{counts['audit_rows']} audit rows)"
            if not wrong
            else "**no**"
        )
        lines.append(
            f"| {label.get(store, store)} | {run['ok']} | {run['failed']} | {run['rps']:.0f} | "
            f"{run['p50']:.1f} | {run['p99']:.1f} | {run['p50'] - direct['p50']:.1f} | "
            f"{run['p99'] - direct['p99']:.1f} | {rss['idle_kb'] / 1024:.1f} → {peak:.1f} MB | "
            f"{stored} | {rss['load_after']} |"
        )
        notes += [f"{store}: {problem}" for problem in wrong]
    if notes:
        lines += ["", "Stored rows that do not match the answered requests:", ""]
        lines += [f"- {note}" for note in notes]
    print("\n".join(lines))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
