"""Turns the oha JSON results of bench/chat/run.sh into the Markdown table
docs/BENCHMARKS.md quotes: latency at a fixed rate, added latency over the
direct call, maximum throughput, errors, and memory with many open streams.

    python3 bench/chat/summarise.py OUT RATE LITELLM_RATE LITELLM_VERSION "SYNC..."

SYNC...: the EMBEDDED_STORE_SYNC settings measured (stream-proxy-SYNC-*);
the first is the one compared with LiteLLM.
"""

import json
import sys
from pathlib import Path


def load(out: Path, name: str) -> dict:
    data = json.loads((out / f"{name}.json").read_text())
    codes = data.get("statusCodeDistribution", {})
    ok = sum(n for code, n in codes.items() if code.startswith("2"))
    failed = sum(n for code, n in codes.items() if not code.startswith("2"))
    # oha cuts the requests still open when -z runs out ("aborted due to
    # deadline"); those are not failures of the system under test.
    failed += sum(
        n for error, n in data.get("errorDistribution", {}).items() if "deadline" not in error
    )
    pct = data["latencyPercentiles"]
    return {
        "rps": data["summary"]["requestsPerSec"],
        "p50": pct["p50"] * 1000,
        "p99": pct["p99"] * 1000,
        "ok": ok,
        "failed": failed,
    }


def ms(value: float) -> str:
    return f"{value:.2f}"


def main() -> None:
    out = Path(sys.argv[1])
    rate, litellm_rate, litellm_version = sys.argv[2], sys.argv[3], sys.argv[4]
    syncs = sys.argv[5].split()
    lines = [
        f"Load average before: {(out / 'load-before.txt').read_text().strip()}",
        f"Load average after: {(out / 'load-after.txt').read_text().strip()}",
        f"{(out / 'fsync.txt').read_text().strip()} (DATA_DIR's disk, same run)",
        "",
        f"LiteLLM: {litellm_version}. Fixed-rate rows: {rate} requests/s for us and the "
        f"direct calls, {litellm_rate} requests/s for LiteLLM. Latency is the whole "
        "answer read, in milliseconds.",
        "",
        "| Path | Rate | p50 | p99 | added p50 | added p99 | max req/s | p99 at max | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [
        ("Streaming: stand-in direct", "stream-direct", None),
        *(
            (f"Streaming: through our proxy, `{sync}`", f"stream-proxy-{sync}", "stream-direct")
            for sync in syncs
        ),
        ("Streaming: through LiteLLM", "stream-litellm", "stream-direct"),
        ("JSON: countTokens direct", "count-direct", None),
        ("JSON: our proxy (tokens/count)", "count-proxy", "count-direct"),
        ("JSON: generateContent direct", "generate-direct", None),
        ("JSON: LiteLLM (completion, not streamed)", "generate-litellm", "generate-direct"),
    ]
    for label, name, base in rows:
        at_rate = load(out, f"{name}-rate")
        at_max = load(out, f"{name}-max")
        added = ("", "")
        if base:
            direct = load(out, f"{base}-rate")
            added = (ms(at_rate["p50"] - direct["p50"]), ms(at_rate["p99"] - direct["p99"]))
        lines.append(
            f"| {label} | {at_rate['rps']:.0f}/s | {ms(at_rate['p50'])} | {ms(at_rate['p99'])} | "
            f"{added[0]} | {added[1]} | {at_max['rps']:.0f} | {ms(at_max['p99'])} | "
            f"{at_rate['failed'] + at_max['failed']} |"
        )
    theirs = load(out, "stream-litellm-max")
    lines.append("")
    for sync in syncs:
        ours = load(out, f"stream-proxy-{sync}-max")
        lines.append(
            f"Streaming throughput, ours (`{sync}`) ÷ LiteLLM's: {ours['rps'] / theirs['rps']:.1f}× "
            f"(p99 {ms(ours['p99'])} ms against {ms(theirs['p99'])} ms)."
        )
    rss = json.loads((out / "streams-rss.json").read_text())
    streams = load(out, "streams-open")
    lines.append(
        f"{rss['streams']} streams open at once through the proxy (20 pieces, 1 s apart): "
        f"resident memory {rss['idle_kb'] / 1024:.1f} MB idle, {rss['peak_kb'] / 1024:.1f} MB peak; "
        f"{streams['ok']} answered, {streams['failed']} failed."
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
