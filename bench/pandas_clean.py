#!/usr/bin/env python3
"""The pandas baseline: the same three jobs as `xlclean`, written by hand
for the columns of `gen_data.py`, the way an analyst would.

    python bench/pandas_clean.py profile    IN.csv
    python bench/pandas_clean.py clean      IN.csv OUT.csv
    python bench/pandas_clean.py duplicates IN.csv

Unlike the engine, nothing here is inferred: the column names, locales,
date order and placeholder list are written in. `duplicates` finds exact
duplicates after the same normalization (cleaned values, case, spacing and
punctuation folded); pandas has no fuzzy matching, so the engine's fuzzy
pass has no counterpart here (it is extra work the engine does).
"""

import sys

import pandas as pd

PLACEHOLDERS = ["N/A", "n/a", "-", "NULL", "?", "#N/A", "none", "TBD", "NA", "null"]


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def profile(df):
    out = {}
    for name in df.columns:
        col = df[name]
        stripped = col.str.strip()
        missing = int((stripped == "").sum())
        present = stripped[stripped != ""]
        placeholders = int(present.isin(PLACEHOLDERS).sum())
        counts = present.value_counts()
        numeric = pd.to_numeric(
            present.str.replace(r"[^0-9.\-]", "", regex=True), errors="coerce"
        )
        out[name] = {
            "count": int(len(present)),
            "missing": missing,
            "placeholders": placeholders,
            "distinct": int(len(counts)),
            "top": counts.head(5).to_dict(),
            "numeric_share": float(numeric.notna().mean()) if len(present) else 0.0,
            "min": float(numeric.min()) if numeric.notna().any() else None,
            "max": float(numeric.max()) if numeric.notna().any() else None,
        }
    return out


def parse_amount(col, decimal):
    s = col.str.strip().replace(PLACEHOLDERS, "")
    negative = s.str.startswith("(") & s.str.endswith(")") | s.str.startswith("-")
    s = s.str.replace(r"[^0-9.,]", "", regex=True)
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        s = s.str.replace(",", "", regex=False)
    v = pd.to_numeric(s, errors="coerce")
    return v.where(~negative, -v)


def parse_dates_dmy(col):
    s = col.str.strip().replace(PLACEHOLDERS, "")
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    slash = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
    dotted = pd.to_datetime(s, format="%d.%m.%Y", errors="coerce")
    named = pd.to_datetime(s, format="%d %b %Y", errors="coerce")
    return iso.fillna(slash).fillna(dotted).fillna(named)


def title(col):
    s = col.str.strip().str.replace(r"\s+", " ", regex=True)
    return s.where(~(s.str.isupper() | s.str.islower()), s.str.title())


def clean(df):
    out = pd.DataFrame(index=df.index)
    out["Invoice ID"] = df["Invoice ID"].str.strip()
    out["Invoice Date"] = parse_dates_dmy(df["Invoice Date"]).dt.strftime("%Y-%m-%d")
    out["Amount EUR"] = parse_amount(df["Amount EUR"], ",")
    out["Amount USD"] = parse_amount(df["Amount USD"], ".")
    pct = df["Discount"].str.strip().replace(PLACEHOLDERS, "")
    out["Discount"] = pd.to_numeric(
        pct.str.replace("%", "", regex=False).str.strip(), errors="coerce"
    ) / 100
    out["Currency"] = df["Currency"].str.strip().str.upper().replace(
        [p.upper() for p in PLACEHOLDERS], ""
    )
    for name in ["Customer", "Country"]:
        out[name] = title(df[name].replace(PLACEHOLDERS, ""))
    out["Email"] = df["Email"].str.strip().str.lower().replace(
        [p.lower() for p in PLACEHOLDERS], ""
    )
    phone = df["Phone"].str.strip().replace(PLACEHOLDERS, "")
    digits = phone.str.replace(r"[^0-9]", "", regex=True)
    out["Phone"] = ("+" + digits).where(phone.str.startswith("+"), phone)
    return out


def duplicates(df):
    cleaned = clean(df)
    key = cleaned.astype(str).apply(
        lambda c: c.str.lower().str.replace(r"[^0-9a-z@.]+", " ", regex=True).str.strip()
    )
    dup = key.duplicated(keep="first")
    first = key.groupby(list(key.columns), sort=False).ngroup()
    return int(dup.sum()), first


def main():
    command, path = sys.argv[1], sys.argv[2]
    df = read(path)
    if command == "profile":
        result = profile(df)
        print(len(result), "columns profiled")
    elif command == "clean":
        clean(df).to_csv(sys.argv[3], index=False)
    elif command == "duplicates":
        count, _ = duplicates(df)
        print(count, "exact duplicates after normalization")
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
