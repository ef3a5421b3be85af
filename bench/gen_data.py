#!/usr/bin/env python3
"""Deterministic messy finance data for the cleaning-engine benchmarks.

    python3 bench/gen_data.py [ROWS] [OUT.csv]      # default 100000, stdout

Ten columns: Invoice ID, Invoice Date (day before month throughout, in
mixed formats: 05/03/2024, 5.3.2024, 2024-03-05, 5 Mar 2024), Amount EUR (European locale, 1.234,56), Amount USD
(US locale with stray $ and placeholders), Discount (percentages),
Currency (codes with case noise), Customer (names with typos and case
variants), Country (variants), Email (whitespace/case noise) and Phone.
About 2 % of rows are exact copies of an earlier row and about 1 % fuzzy
copies (one typo, changed case or formatting); a few percent of cells are
blank or placeholders.

Only Python's standard library; `random.Random(SEED)` and lists (no set or
dict iteration) make the output identical byte for byte on every run.
"""

import csv
import io
import random
import sys

SEED = 20261125

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael",
         "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan",
         "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Hans",
         "Sophie", "Lukas", "Marie", "Jean", "Camille", "Giulia", "Marco",
         "Ana", "Pedro", "Ingrid", "Lars", "Müller", "Zoë", "François", "José"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
        "Davis", "Rodriguez", "Martinez", "Schmidt", "Schneider", "Fischer",
        "Weber", "Meyer", "Dubois", "Moreau", "Laurent", "Rossi", "Russo",
        "Ferrari", "Silva", "Santos", "Nielsen", "Hansen", "Andersson"]
COMPANY_SUFFIX = ["GmbH", "Ltd", "Inc.", "S.A.", "SARL", "B.V.", "AG", "LLC",
                  "S.p.A.", "Oy"]
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
                 "Hooli", "Vandelay", "Soylent", "Cyberdyne", "Tyrell",
                 "Wonka", "Gringotts", "Monarch", "Oscorp", "Pied Piper",
                 "Massive Dynamic", "Aperture", "Black Mesa", "Nakatomi"]
COUNTRIES = [
    ("Germany", ["germany", "GERMANY", "Deutschland", "DE", "Germany "]),
    ("France", ["france", "FRANCE", "FR", " France"]),
    ("United States", ["USA", "US", "united states", "U.S.A.", "United States of America"]),
    ("United Kingdom", ["UK", "U.K.", "united kingdom", "Great Britain", "GB"]),
    ("Italy", ["italy", "ITALY", "IT", "Italia"]),
    ("Spain", ["spain", "España", "ES"]),
    ("Netherlands", ["netherlands", "The Netherlands", "NL", "Holland"]),
    ("Switzerland", ["switzerland", "CH", "Schweiz"]),
    ("Sweden", ["sweden", "SE", "Sverige"]),
    ("Belgium", ["belgium", "BE", "Belgique"]),
]
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK"]
PLACEHOLDERS = ["N/A", "n/a", "-", "NULL", "?", "#N/A", "none", "TBD"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]
DOMAINS = ["example.com", "mail.de", "corp.fr", "finance.co.uk", "acme.io"]


def customers(rng, n):
    out = []
    for i in range(n):
        if i % 2 == 0:
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIX)}"
            if i % 6 == 0:
                name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(LAST)} {rng.choice(COMPANY_SUFFIX)}"
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        out.append(name)
    # Unique, order kept (list membership, not set iteration).
    seen = {}
    result = []
    for name in out:
        if name not in seen:
            seen[name] = True
            result.append(name)
    return result


def typo(rng, text):
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # drop a letter
        return text[:i] + text[i + 1:]
    if kind == 1:  # swap two letters
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    if kind == 2:  # double a letter
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeiou") + text[i + 1:]  # wrong vowel


def case_variant(rng, text):
    k = rng.randrange(3)
    if k == 0:
        return text.lower()
    if k == 1:
        return text.upper()
    return "  " + text + " "


def date_dmy(rng, d, m, y):
    k = rng.randrange(10)
    if k < 5:
        return f"{d:02d}/{m:02d}/{y}"
    if k < 7:
        return f"{d}.{m}.{y}"
    if k < 9:
        return f"{y}-{m:02d}-{d:02d}"
    return f"{d} {MONTHS[m - 1]} {y}"



def eur(value):
    whole, frac = f"{value:.2f}".split(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{'.'.join(groups)},{frac}"


def amount_eur(rng, value):
    k = rng.randrange(20)
    text = eur(value)
    if k == 0:
        return text + " €"
    if k == 1:
        return "€" + text
    if k == 2:
        return text.split(",")[0].replace(".", "") + ",00"
    return text


def amount_usd(rng, value):
    k = rng.randrange(20)
    if k < 8:
        return f"{value:,.2f}"
    if k < 12:
        return f"${value:,.2f}"
    if k < 14:
        return f"{value:.2f}"
    if k == 14:
        return f"(${abs(value):,.2f})" if value < 0 else f"${value:,.2f} "
    if k == 15:
        return f"USD {value:,.2f}"
    if k == 16:
        return f" {value:,.2f}"
    return f"{value:,.2f}"


def pct(rng):
    v = rng.randrange(0, 3000) / 100
    k = rng.randrange(10)
    if k < 6:
        return f"{v:g}%"
    if k < 8:
        return f"{v:.1f} %"
    return f"{v:.2f}%"


def phone(rng):
    k = rng.randrange(4)
    a, b, c = rng.randrange(200, 999), rng.randrange(100, 999), rng.randrange(1000, 9999)
    if k == 0:
        return f"+1 {a} {b} {c}"
    if k == 1:
        return f"({a}) {b}-{c}"
    if k == 2:
        return f"+49 {a} {b}{c}"
    return f"+33 {a // 100} {a % 100:02d} {b % 100:02d} {c // 100:02d} {c % 100:02d}"


def blank(rng, share=0.02):
    r = rng.random()
    if r < share / 2:
        return ""
    if r < share:
        return rng.choice(PLACEHOLDERS)
    return None


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out_path = sys.argv[2] if len(sys.argv) > 2 else None
    rng = random.Random(SEED)
    names = customers(rng, 3000)
    header = ["Invoice ID", "Invoice Date", "Amount EUR", "Amount USD",
              "Discount", "Currency", "Customer", "Country", "Email", "Phone"]
    data = []
    for i in range(rows):
        r = rng.random()
        if data and r < 0.02:  # exact duplicate of an earlier row
            data.append(list(rng.choice(data[-5000:])))
            continue
        if data and r < 0.03:  # fuzzy duplicate: one field reformatted
            row = list(rng.choice(data[-5000:]))
            j = rng.randrange(1, len(row))
            if j == 6 or j == 7:
                row[j] = typo(rng, row[j]) if rng.random() < 0.5 else case_variant(rng, row[j])
            elif j == 8:
                row[j] = "  " + row[j].upper() + " "
            else:
                row[j] = row[j] + " "
            data.append(row)
            continue
        y = rng.choice([2023, 2024, 2025])
        m = rng.randrange(1, 13)
        d = rng.randrange(1, 29)
        value = rng.randrange(-50_000, 2_500_000) / 100
        customer = names[min(int(rng.paretovariate(1.2)) - 1, len(names) - 1) if rng.random() < 0.7 else rng.randrange(len(names))]
        c = rng.random()
        if c < 0.03:
            customer_cell = typo(rng, customer)
        elif c < 0.06:
            customer_cell = case_variant(rng, customer)
        else:
            customer_cell = customer
        country, variants = COUNTRIES[rng.randrange(len(COUNTRIES))]
        country_cell = rng.choice(variants) if rng.random() < 0.15 else country
        local = "".join(ch for ch in customer.lower() if ch.isalnum())[:12] or "info"
        email = f"{local}{rng.randrange(1000)}@{rng.choice(DOMAINS)}"
        e = rng.random()
        if e < 0.05:
            email = "  " + email + " "
        elif e < 0.10:
            email = email.upper()
        currency = rng.choice(CURRENCIES)
        if rng.random() < 0.05:
            currency = currency.lower()
        row = [
            f"INV-{i + 1:07d}",
            date_dmy(rng, d, m, y),
            amount_eur(rng, value),
            amount_usd(rng, value * 1.08),
            pct(rng),
            currency,
            customer_cell,
            country_cell,
            email,
            phone(rng),
        ]
        for j in range(1, len(row)):
            b = blank(rng)
            if b is not None:
                row[j] = b
        data.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(data)
    text = buffer.getvalue()
    if out_path:
        with open(out_path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
