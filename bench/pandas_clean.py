#!/usr/bin/env python3
"""The pandas peer of the cleaning-engine benchmark, written by hand for
the columns of `gen_data.py`, the way a competent pandas engineer would:
vectorized pandas/numpy, and rapidfuzz (C++) for string similarity.

    python bench/pandas_clean.py profile    IN.csv
    python bench/pandas_clean.py clean      IN.csv OUT.csv     # standardize only
    python bench/pandas_clean.py duplicates IN.csv [OUT.json]  # exact only
    python bench/pandas_clean.py auto       IN.csv OUT.csv     # = xlclean clean --auto
    python bench/pandas_clean.py fuzzy      IN.csv OUT.json    # = xlclean duplicates
    python bench/pandas_clean.py agree      IN.csv DIR         # compares bench/run.sh's outputs in DIR

Unlike the engine, nothing here is inferred: column names, types, locales,
date order, placeholders and the letter case of each column are written in.
Strings are pandas 3's pyarrow-backed `str` dtype (pyarrow installed), so
that string methods run over whole columns in C++.

`clean` / `duplicates` are the subset the first version of this benchmark
compared: step 1 below alone, and exact duplicates of the standardized and
folded rows.

`auto` does what `xlclean clean --auto` does (see its report's steps):
1. standardize every column to its convention (dates, numbers in two
   locales, percentages as fractions, placeholders blank, whitespace
   collapsed, codes upper case, names in the column's dominant spelling,
   emails lower case, phones with a country code in E.164);
2. merge spelling variants of Currency, Customer and Country into the
   dominant spelling, working on distinct values: key collision on a word
   fingerprint, a bigram fingerprint and Soundex keys (the last only when
   the spellings are also 0.8 alike), then nearest neighbour
   (Damerau-Levenshtein >= 0.8 on fingerprints, rapidfuzz cdist within
   first-letter and last-letter blocks), a variant being merged only into
   a value at least twice as frequent with the same digits;
3. flag fuzzy whole-row duplicates over all columns at threshold 0.8
   (blocking, then rapidfuzz per-column similarities averaged), written as
   OUT.csv + ".dups.json" so that `agree` can compare them.
`fuzzy` is step 3 alone on the standardized values, as `xlclean
duplicates` does. The scoring rule is the engine's, told here: numbers
alike within 0.1 % (0.95) or 1 % (0.8), dates a day apart 0.7, ids and
phones exact or 0, texts with other digits 0, the same words in another
order 0.95, else min(Jaro-Winkler, normalized Damerau-Levenshtein + 0.1);
a blank against a value 0.5, blank on both sides left out; columns
weighted 0.5 + their share of distinct values. Blocks are the exact value
of each column with >= 30 % distinct values and the first and last three
characters of each text column; blocks over 64 rows are compared within a
window of 16 rows sorted by value.

`agree` compares both sides' outputs cell by cell and prints the agreement.
"""

import json
import sys

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

PLACEHOLDERS = ["N/A", "n/a", "-", "NULL", "?", "#N/A", "none", "TBD", "NA", "null"]
PLACEHOLDER_SET = {p.lower() for p in PLACEHOLDERS}
# `auto`: the placeholders the engine finds in each column, told here. In
# name columns only the unambiguous ones: `-`, `?`, `none` and `TBD` stay
# there as text, as the engine leaves them.
MISSING = {"#n/a", "-", "?", "n/a", "none", "null", "tbd"}
MISSING_IN_NAMES = {"#n/a", "n/a", "null"}
# Title case keeps these words' spelling (the engine's list, told here).
FIXED_WORDS = {w.lower(): w for w in [
    "GmbH", "AG", "LLC", "LLP", "PLC", "SA", "SAS", "SARL", "SpA", "NV", "BV", "SE", "KG",
    "AB", "USA", "UK", "EU", "II", "III", "IV", "VI", "VII", "VIII", "IX"]}
PARTICLES = ["of", "and", "the", "van", "von", "der", "den", "de", "du", "da", "di", "del", "la", "y"]
COLUMNS = ["Invoice ID", "Invoice Date", "Amount EUR", "Amount USD", "Discount",
           "Currency", "Customer", "Country", "Email", "Phone"]
# What each column is, as the engine infers it (told here).
NUMBER = ["Amount EUR", "Amount USD", "Discount"]
DATE = ["Invoice Date"]
CODE = ["Invoice ID", "Phone"]  # different values: different rows
TEXT = ["Currency", "Customer", "Country", "Email"]  # blocked on head / tail
MERGED = ["Currency", "Customer", "Country"]  # the category and text columns
THRESHOLD = 0.8


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


# ---------------------------------------------------------------- standardize


# Runs of whitespace, spelled out: pandas hands `\s` to Python's re one cell
# at a time, a character class to pyarrow's RE2 for the whole column.
SPACES = "[ \t\r\n\x0b\x0c\xa0]+"


def blank_placeholders(col, missing=PLACEHOLDER_SET):
    """Whitespace collapsed; placeholders (any case) and blanks become NA."""
    s = col.str.replace(SPACES, " ", regex=True).str.strip()
    return s.mask(s.str.lower().isin(missing) | (s == ""))


def parse_amount(col, decimal):
    s = blank_placeholders(col)
    negative = (s.str.startswith("(") & s.str.endswith(")")) | s.str.contains("-", regex=False)
    s = s.str.replace(r"[^0-9.,]", "", regex=True)
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        s = s.str.replace(",", "", regex=False)
    v = pd.to_numeric(s, errors="coerce")
    return v.where(~negative.fillna(False), -v)


def parse_dates_dmy(col):
    s = blank_placeholders(col)
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    slash = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
    dotted = pd.to_datetime(s, format="%d.%m.%Y", errors="coerce")
    named = pd.to_datetime(s, format="%d %b %Y", errors="coerce")
    return iso.fillna(slash).fillna(dotted).fillna(named)


def title_case(values):
    """str.title, then the fixed spellings (GmbH, SARL, USA) and particles."""
    words = r"\b(" + "|".join(w.capitalize() for w in FIXED_WORDS) + r")\b"
    s = values.str.title().str.replace(words, lambda m: FIXED_WORDS[m.group(1).lower()], regex=True)
    particles = r"(?<=\S )(" + "|".join(p.capitalize() for p in PARTICLES) + r")\b"
    return s.str.replace(particles, lambda m: m.group(1).lower(), regex=True)


def dominant_case(col, case):
    """Values not in `case` take the column's most frequent spelling of the
    same letters that is in `case` (`ACME GMBH` -> `Acme GmbH`), else the
    case applied mechanically; as the engine's standardize step does. Works
    on the distinct values."""
    counts = col.value_counts()
    values = counts.index.to_series(index=counts.index)
    # The case of each value: lower, upper, title, or none (mixed, or fewer
    # than two letters); only values in another case than `case` change.
    cased = values.str.count(r"[^\W\d_]") >= 2
    upper, lower = values.str.isupper(), values.str.islower()
    title = ~upper & ~lower & (title_case(values) == values)
    in_case = cased & (title if case == "title" else upper)
    off = cased & (upper | lower | title) & ~in_case
    spellings = pd.DataFrame({"spelling": values[in_case], "lower": values[in_case].str.lower(),
                              "n": counts[in_case]})
    # Most frequent spelling per lower-cased text; ties to the first in text order.
    spellings = spellings.sort_values(["lower", "n", "spelling"], ascending=[True, False, True])
    preferred = spellings.drop_duplicates("lower").set_index("lower")["spelling"]
    wrong = values[off]
    fixed = wrong.str.lower().map(preferred)
    mechanical = title_case(wrong) if case == "title" else wrong.str.upper()
    mapping = fixed.fillna(mechanical)
    mapped = col.map(mapping)
    return col.mask(mapped.notna(), mapped)


def standardize(df):
    """Step 1 of `auto`: the engine's conventions, each column told its type."""
    out = pd.DataFrame(index=df.index)
    out["Invoice ID"] = blank_placeholders(df["Invoice ID"], MISSING)
    out["Invoice Date"] = parse_dates_dmy(df["Invoice Date"])
    out["Amount EUR"] = parse_amount(df["Amount EUR"], ",")
    out["Amount USD"] = parse_amount(df["Amount USD"], ".")
    pct = blank_placeholders(df["Discount"], MISSING).str.replace("%", "", regex=False).str.strip()
    out["Discount"] = (pd.to_numeric(pct, errors="coerce") / 100).round(12)
    out["Currency"] = dominant_case(blank_placeholders(df["Currency"], MISSING_IN_NAMES), "upper")
    out["Customer"] = dominant_case(blank_placeholders(df["Customer"], MISSING_IN_NAMES), "title")
    out["Country"] = dominant_case(blank_placeholders(df["Country"], MISSING_IN_NAMES), "title")
    out["Email"] = blank_placeholders(df["Email"], MISSING).str.lower()
    phone = blank_placeholders(df["Phone"], MISSING)
    e164 = "+" + phone.str.replace(r"[^0-9]", "", regex=True)
    out["Phone"] = e164.where(phone.str.startswith("+").fillna(False), phone)
    return out


# ----------------------------------------------------------- merge variants


def fold(values):
    """Lower case, accents dropped, anything but letters and digits a space."""
    s = values.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True)
    return s.str.lower().str.replace(r"[\W_]+", " ", regex=True)


def fingerprint(values):
    """Folded, words sorted and deduplicated: `Acme, GmbH.` = `gmbh acme`."""
    words = fold(values).str.split()
    return words.map(lambda w: " ".join(sorted(set(w))))


def bigram_fingerprint(values):
    compact = fold(values).str.replace(" ", "", regex=False)
    return compact.map(lambda t: "".join(sorted({t[i:i + 2] for i in range(len(t) - 1)})))


SOUNDEX = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), "d": "3", "t": "3",
           "l": "4", "m": "5", "n": "5", "r": "6", "h": "-", "w": "-"}


def soundex(word):
    """American Soundex of one folded word (h and w do not separate)."""
    letters = [c for c in word if c.isascii() and c.isalnum()]
    if not letters:
        return ""
    out, last = letters[0].upper(), SOUNDEX.get(letters[0], "0")
    for c in letters[1:]:
        d = SOUNDEX.get(c, "0")
        if d == "-":
            continue
        if d != "0" and d != last:
            out += d
            if len(out) == 4:
                break
        last = d
    return out


def phonetic_key(values):
    return fingerprint(values).map(lambda key: " ".join(soundex(w) for w in key.split(" ")))


def merge_variants(col):
    """Maps rare variants to the dominant spelling; returns the merged column
    and the number of cells merged. Works on the distinct values only."""
    counts = col.value_counts()
    counts = counts.sort_index()  # deterministic: values in text order
    values = counts.index.to_series(index=counts.index)
    n = counts
    digits = values.str.replace(r"\D", "", regex=True)
    merges = {}
    for method, key_of in (("fingerprint", fingerprint), ("bigrams", bigram_fingerprint),
                           ("phonetic", phonetic_key)):
        unmerged = ~values.isin(list(merges))
        frame = pd.DataFrame({"value": values[unmerged], "n": n[unmerged],
                              "key": key_of(values[unmerged]), "digits": digits[unmerged]})
        frame = frame[frame["key"] != ""]
        frame = frame[frame.groupby("key")["key"].transform("size") > 1]
        if frame.empty:
            continue
        top = frame.sort_values(["key", "n", "value"], ascending=[True, False, True]).drop_duplicates("key")
        frame = frame.merge(top[["key", "value", "n", "digits"]], on="key", suffixes=("", "_top"))
        take = (frame["value"] != frame["value_top"]) & (frame["n"] * 2 <= frame["n_top"]) & (
            frame["digits"] == frame["digits_top"])
        if method == "phonetic":
            # Robert / Rupert sound alike: the spelling must be close too.
            close = process.cpdist(frame["value"].str.lower().tolist(), frame["value_top"].str.lower().tolist(),
                                   scorer=DamerauLevenshtein.normalized_similarity, workers=-1)
            take &= close >= THRESHOLD - 1e-9
        merges.update(dict(zip(frame.loc[take, "value"], frame.loc[take, "value_top"])))
    # Nearest neighbour on fingerprints, within first- and last-letter blocks.
    rest = values[~values.isin(merges)]
    keys = fingerprint(rest)
    table = pd.DataFrame({"value": rest, "n": n[rest.index], "key": keys, "digits": digits[rest.index]})
    table = table[table["key"] != ""]
    table["first"] = table["key"].str[0]
    table["last"] = table["key"].str[-1]
    table["len"] = table["key"].str.len()
    frequent = table[table["n"] >= 2].reset_index(drop=True)
    best = {}  # variant -> (similarity, frequent index)
    for letter in ("first", "last"):
        for block, targets in frequent.groupby(letter, sort=True):
            queries = table[(table[letter] == block) & (table["n"] * 2 <= targets["n"].max())]
            if queries.empty:
                continue
            sim = process.cdist(queries["key"].tolist(), targets["key"].tolist(),
                                scorer=DamerauLevenshtein.normalized_similarity,
                                score_cutoff=THRESHOLD - 1e-6, dtype=np.float32, workers=-1)
            ok = (sim >= THRESHOLD - 1e-6)
            ok &= queries["n"].to_numpy()[:, None] * 2 <= targets["n"].to_numpy()[None, :]
            ok &= np.abs(queries["len"].to_numpy()[:, None] - targets["len"].to_numpy()[None, :]) <= 3
            ok &= queries["digits"].to_numpy()[:, None] == targets["digits"].to_numpy()[None, :]
            ok &= queries["value"].to_numpy()[:, None] != targets["value"].to_numpy()[None, :]
            q, t = np.nonzero(ok)
            for qi, ti in zip(q.tolist(), t.tolist()):
                # the highest similarity, ties to the first target in text order
                candidate = (float(sim[qi, ti]), -int(targets.index[ti]))
                value = queries["value"].iat[qi]
                if value not in best or candidate > best[value]:
                    best[value] = candidate
    for value, (_, target) in best.items():
        merges[value] = frequent["value"].iat[-target]
    mapped = col.map(merges)
    return col.mask(mapped.notna(), mapped), int(mapped.notna().sum())


# --------------------------------------------------------------- duplicates


def normalized_codes(frame):
    """Per column: an integer id of each row's normalized value (-1 blank),
    and per id the value (float for numbers and dates, folded text else).
    Texts are folded once per distinct value, then mapped back."""
    ids, values = {}, {}
    for name in COLUMNS:
        col = frame[name]
        if name in DATE:
            col = (col - pd.Timestamp("1970-01-01")).dt.days.astype("float64")
        if name in DATE or name in NUMBER:
            codes, uniques = pd.factorize(col.astype("float64"), use_na_sentinel=True)
            uniques = pd.Series(uniques)
        else:
            raw_codes, raw = pd.factorize(col, use_na_sentinel=True)
            raw = pd.Series(raw, dtype="str")
            folded = raw.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True).str.lower()
            folded = folded.str.replace(r"[^\w@]+|_", " ", regex=True).str.strip()
            norm_codes, uniques = pd.factorize(folded.mask(folded == ""), use_na_sentinel=True)
            codes = np.where(raw_codes >= 0, norm_codes[np.maximum(raw_codes, 0)], -1)
            uniques = pd.Series(uniques, dtype="str")
        ids[name] = codes.astype(np.int64)
        values[name] = uniques
    return ids, values


def exact_groups(ids):
    """Each row's first row with the same normalized values."""
    key = pd.DataFrame(ids)
    group = key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy()
    return pd.Series(np.arange(len(key))).groupby(group).transform("min").to_numpy()


def candidate_pairs(ids, values, rows, weight):
    """Blocking: rows sharing a distinctive column's value, or the first or
    last three characters of a text; blocks over 64 rows compared within a
    window of 16 in value order. Returns (i, j), i < j."""
    blocks, ranks, members = [], [], []
    offset = 0
    for name in COLUMNS:
        col = ids[name][rows]
        present = col >= 0
        keyed = []
        if weight[name] >= 0.8:  # >= 30 % distinct values
            keyed.append(np.arange(len(values[name])))
        if name in TEXT:
            texts = values[name]
            keyed.append(pd.factorize(texts.str[:3])[0])
            keyed.append(pd.factorize(texts.str[-3:])[0])
        rank = values[name].rank(method="first").to_numpy()
        for key in keyed:
            blocks.append(key[col[present]] + offset)
            ranks.append(rank[col[present]])
            members.append(rows[present])
            offset += int(key.max()) + 1
    block, rank, row = np.concatenate(blocks), np.concatenate(ranks), np.concatenate(members)
    order = np.lexsort((row, rank, block))
    block, row = block[order], row[order]
    big = np.bincount(block)[block] > 64
    # One batch per distance in the sorted blocks, scored as it comes (a
    # batch is at most a million pairs or so). Not deduplicated: a pair met
    # in two blocks scores the same twice, which is cheaper than hashing
    # millions of pairs, as most are dropped after a column or two.
    for k in range(1, 64):
        same = block[:-k] == block[k:]
        if k > 16:
            same &= ~big[:-k]
        if not same.any():
            break
        a, b = row[:-k][same], row[k:][same]
        yield np.minimum(a, b), np.maximum(a, b)


def text_keys(texts):
    """Per distinct text: ids of its digits and of its word fingerprint, its length."""
    digits = pd.factorize(texts.str.replace(r"\D", "", regex=True))[0]
    prints = pd.factorize(fingerprint(texts))[0]
    return digits, prints, texts.str.len().to_numpy()


def prune(i, j, ids, order, weight, total, floor, keys, numbers):
    """Scores a batch of pairs column by column, codes, numbers and dates
    first, the heaviest first, texts by an upper bound from their lengths;
    a pair is dropped as soon as it cannot reach the threshold. Returns the
    pairs left, their weighted sums so far and, per text column, which of
    them need rapidfuzz and the bound counted for them meanwhile."""
    got = np.zeros(len(i))
    counted = np.zeros(len(i))
    rest = total
    pending = []
    for name in order:
        a, b = ids[name][i], ids[name][j]
        s = np.full(len(a), np.nan)  # NaN: blank on both sides, not counted
        both = (a >= 0) & (b >= 0)
        s[(a >= 0) ^ (b >= 0)] = 0.5
        s[both & (a == b)] = 1.0
        diff = np.flatnonzero(both & (a != b))
        exact = None
        if name in CODE:
            s[diff] = 0.0
        elif name in DATE:
            x, y = numbers[name][a[diff]], numbers[name][b[diff]]
            s[diff] = np.where(np.abs(x - y) <= 1, 0.7, 0.0)
        elif name in NUMBER:
            x, y = numbers[name][a[diff]], numbers[name][b[diff]]
            relative = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
            s[diff] = np.select([relative <= 0.001, relative <= 0.01], [0.95, 0.8], 0.0)
        else:
            digits, prints, length = keys[name]
            x, y = a[diff], b[diff]
            other_digits = digits[x] != digits[y]
            same_words = ~other_digits & (prints[x] == prints[y])
            longest = np.maximum(length[x], length[y])
            bound = np.minimum(1.0, 1 - np.abs(length[x] - length[y]) / longest + 0.1)
            s[diff] = np.select([other_digits, same_words], [0.0, 0.95], bound)
            exact = np.zeros(len(a), dtype=bool)
            exact[diff[~other_digits & ~same_words]] = True
        counts = ~np.isnan(s)
        got += np.where(counts, s, 0.0) * weight[name]
        counted += counts * weight[name]
        rest -= weight[name]
        keep = got + rest >= floor * (counted + rest)
        i, j, got, counted = i[keep], j[keep], got[keep], counted[keep]
        pending = [(c, mask[keep], bound_of[keep]) for c, mask, bound_of in pending]
        if exact is not None:
            pending.append((name, exact[keep], np.where(exact, s, 0.0)[keep]))
    return i, j, got, counted, pending


# Texts longer than this are compared by their first and last EDGE_CHARS
# characters, bounded by their lengths, as the engine does.
EDIT_CHARS, EDGE_CHARS = 128, 64


def text_similarity(xs, ys):
    """min(Jaro-Winkler, Damerau-Levenshtein + 0.1) of each pair of texts."""
    def edit(a, b):
        if not a:
            return np.zeros(0)
        jw = process.cpdist(a, b, scorer=JaroWinkler.similarity, workers=-1)
        dl = process.cpdist(a, b, scorer=DamerauLevenshtein.normalized_similarity, workers=-1)
        return np.minimum(jw, dl + 0.1)

    la = np.array([len(t) for t in xs], dtype=float)
    lb = np.array([len(t) for t in ys], dtype=float)
    longest = np.maximum(la, lb)
    short = np.flatnonzero(longest <= EDIT_CHARS)
    long = np.flatnonzero(longest > EDIT_CHARS)
    score = np.empty(len(xs))
    score[short] = edit([xs[k] for k in short], [ys[k] for k in short])
    if len(long):
        heads = edit([xs[k][:EDGE_CHARS] for k in long], [ys[k][:EDGE_CHARS] for k in long])
        tails = edit([xs[k][-EDGE_CHARS:] for k in long], [ys[k][-EDGE_CHARS:] for k in long])
        bound = np.minimum(1 - np.abs(la[long] - lb[long]) / longest[long] + 0.1, 1.0)
        score[long] = np.minimum((heads + tails) / 2, bound)
    return score


def fuzzy_duplicates(frame, threshold=THRESHOLD):
    """[(row, duplicate_of, score)] over all columns; each duplicate against
    the first row of its group, as the engine reports them.

    Pairs are scored column by column, codes, numbers and dates first, the
    heaviest first, texts bounded by their lengths; a pair is dropped as soon
    as it cannot reach the threshold, and rapidfuzz scores the texts of the
    pairs left."""
    n = len(frame)
    ids, values = normalized_codes(frame)
    first = exact_groups(ids)
    best = np.where(first != np.arange(n), 1.0, 0.0)
    weight = {}
    for name in COLUMNS:
        present = int((ids[name] >= 0).sum())
        weight[name] = 0.5 + (len(values[name]) / present if present else 0.0)
    total = sum(weight.values())
    floor = threshold - 1e-9
    order = sorted(COLUMNS, key=lambda c: (c in TEXT, -weight[c]))
    keys = {name: text_keys(values[name]) for name in TEXT}
    numbers = {name: values[name].to_numpy(float) for name in NUMBER + DATE}
    empty = np.zeros(0, dtype=np.int64)
    survivors = [prune(empty, empty, ids, order, weight, total, floor, keys, numbers)]
    for i, j in candidate_pairs(ids, values, np.flatnonzero(first == np.arange(n)), weight):
        survivors.append(prune(i, j, ids, order, weight, total, floor, keys, numbers))
    i, j, got, counted = (np.concatenate([part[k] for part in survivors]) for k in range(4))
    pending = [(name, np.concatenate([part[4][t][1] for part in survivors]),
                np.concatenate([part[4][t][2] for part in survivors]))
               for t, name in enumerate(c for c in order if c in TEXT)]
    # A pair must agree on most of what the table describes.
    keep = (counted > 0) & (counted * 2 >= total)
    i, j, got, counted = i[keep], j[keep], got[keep], counted[keep]
    for name, mask, bound_of in pending:
        mask, bound_of = mask[keep], bound_of[keep]
        x, y = ids[name][i[mask]], ids[name][j[mask]]
        texts = values[name].to_numpy()
        got[mask] += (text_similarity(texts[x].tolist(), texts[y].tolist()) - bound_of[mask]) * weight[name]
    score = got / counted
    hit = score >= floor
    i, j, score = i[hit], j[hit], score[hit]
    # Groups are connected components (exact groups and fuzzy pairs),
    # labelled by their first row: label propagation until stable.
    label = first.copy()
    while True:
        before = label.copy()
        low = np.minimum(label[i], label[j])
        np.minimum.at(label, i, low)
        np.minimum.at(label, j, low)
        label = label[label]
        if np.array_equal(label, before):
            break
    np.maximum.at(best, j, score)
    rows = np.flatnonzero(label != np.arange(n))
    return [(int(r), int(label[r]), round(float(best[r]), 3)) for r in rows]


def exact_duplicates(df):
    """[(row, duplicate_of)]: rows equal to an earlier row once standardized
    and folded (case, accents, punctuation), against the group's first row."""
    ids, _ = normalized_codes(standardize(df))
    first = exact_groups(ids)
    rows = np.flatnonzero(first != np.arange(len(df)))
    return [(int(r), int(first[r])) for r in rows]


# ------------------------------------------------------------------- output


def to_csv(frame, path):
    out = frame.copy()
    out["Invoice Date"] = out["Invoice Date"].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False)


def auto(df, out_path):
    frame = standardize(df)
    merged = {}
    for name in MERGED:
        frame[name], merged[name] = merge_variants(frame[name])
    dups = fuzzy_duplicates(frame)
    to_csv(frame, out_path)
    with open(out_path + ".dups.json", "w") as f:
        json.dump({"merged": merged, "duplicates": dups}, f)
    return merged, dups


# ---------------------------------------------------------------- agreement


def as_comparable(col):
    """Numbers as numbers (`1234.5` = `1234.50`), the rest as text."""
    numbers = pd.to_numeric(col, errors="coerce")
    return numbers.round(9).astype(str).where(numbers.notna(), col.fillna(""))


def duplicate_agreement(label, engine_rows, pandas_rows, raw):
    """engine_rows, pandas_rows: {row: first row of its group}."""
    both = set(engine_rows) & set(pandas_rows)
    same_group = sum(1 for r in both if engine_rows[r] == pandas_rows[r])
    only_e, only_p = sorted(set(engine_rows) - both), sorted(set(pandas_rows) - both)
    print(f"{label}: xlclean {len(engine_rows)} rows, pandas {len(pandas_rows)}, both {len(both)} "
          f"({same_group} against the same first row); only xlclean {len(only_e)}, only pandas {len(only_p)}")
    for side, rows, of in (("only xlclean", only_e, engine_rows), ("only pandas", only_p, pandas_rows)):
        for r in rows[:2]:
            print(f"      {side}: row {r} {list(raw.iloc[r])}\n        ~ row {of[r]} {list(raw.iloc[of[r]])}")


def agree(source, out):
    """`out`: bench/run.sh's output directory, with both sides' results."""
    def load(name):
        with open(f"{out}/{name}") as f:
            return json.load(f)
    raw = read(source)
    print("agreement, standardize subset (xlclean --recipe bench/clean/standardize-recipe.json / pandas clean):")
    engine, ours = read(f"{out}/standardized.csv"), read(f"{out}/pandas-standardized.csv")
    same = sum(int((as_comparable(engine[c]) == as_comparable(ours[c])).sum()) for c in COLUMNS)
    print(f"  {same} of {len(raw) * len(COLUMNS)} cells the same ({same / (len(raw) * len(COLUMNS)):.3%})")
    engine_exact = {d["row"]: d["duplicate_of"] for d in load("exact-dups.json")}
    duplicate_agreement("  exact duplicates (xlclean duplicates --threshold 1 / pandas duplicates)",
                        engine_exact, dict(map(tuple, load("pandas-exact.json"))), raw)
    engine, ours = read(f"{out}/clean.csv"), read(f"{out}/pandas-clean.csv")
    report = load("report.json")
    pandas_auto = load("pandas-clean.csv.dups.json")
    changed = {}
    for change in report["changes"]:
        key = (change["column"], change["op"])
        changed[key] = changed.get(key, 0) + 1
    print("agreement, xlclean clean --auto and pandas auto, cell by cell (numbers compared as numbers):")
    print(f"  {'column':13} {'cells changed x / p':>20} {'of them merged x / p':>21} {'same final value':>20}")
    total_same = 0
    for name in COLUMNS:
        before = as_comparable(raw[name])
        e, p = as_comparable(engine[name]), as_comparable(ours[name])
        same = int((e == p).sum())
        total_same += same
        changed_cells = f"{int((before != e).sum())} / {int((before != p).sum())}"
        merged = f"{changed.get((name, 'merge_variants'), 0)} / {pandas_auto['merged'].get(name, 0)}"
        print(f"  {name:13} {changed_cells:>20} {merged if name in MERGED else '':>21} {same:>9} ({same / len(raw):7.3%})")
        for row in np.flatnonzero((e != p).to_numpy())[:2]:
            print(f"      row {row}: {raw[name].iat[row]!r} -> xlclean {engine[name].iat[row]!r}, pandas {ours[name].iat[row]!r}")
    cells = len(raw) * len(COLUMNS)
    print(f"  all cells: {total_same} of {cells} the same ({total_same / cells:.3%})")
    engine_auto = {f["row"]: f["relatedRow"] for f in report["findings"] if f["kind"] == "duplicate"}
    duplicate_agreement("  duplicates flagged by the auto clean", engine_auto,
                        {r: of for r, of, _ in pandas_auto["duplicates"]}, raw)
    print("agreement, fuzzy duplicates at 0.8 (xlclean duplicates / pandas fuzzy):")
    duplicate_agreement("  duplicates", {d["row"]: d["duplicate_of"] for d in load("dups.json")},
                        {r: of for r, of, _ in load("pandas-dups.json")["duplicates"]}, raw)


def main():
    command, path = sys.argv[1], sys.argv[2]
    if command == "agree":
        agree(path, sys.argv[3])
        return
    df = read(path)
    if command == "profile":
        result = profile(df)
        print(len(result), "columns profiled")
    elif command == "clean":
        to_csv(standardize(df), sys.argv[3])
    elif command == "duplicates":
        dups = exact_duplicates(df)
        if len(sys.argv) > 3:
            with open(sys.argv[3], "w") as f:
                json.dump(dups, f)
        print(len(dups), "exact duplicates after normalization")
    elif command == "auto":
        merged, dups = auto(df, sys.argv[3])
        print(f"merged {merged}; {len(dups)} duplicate rows")
    elif command == "fuzzy":
        dups = fuzzy_duplicates(standardize(df))
        with open(sys.argv[3], "w") as f:
            json.dump({"merged": {}, "duplicates": dups}, f)
        print(len(dups), "duplicate rows")
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
