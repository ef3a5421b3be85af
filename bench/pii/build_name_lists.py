#!/usr/bin/env python3
"""Builds the engine's extended name lists from Faker's person providers.

    python -m pip install -r bench/pii/requirements.txt   # Faker
    python bench/pii/build_name_lists.py [DICTIONARY]

Writes engine/src/mask/names/first_names.txt and surnames.txt: the given
names and surnames of Faker's locales (MIT licence), Latin script only
(romanised lists where a locale has them), lower case, one per line,
sorted. Left out on purpose:
- words of fewer than three letters and words with spaces;
- words of the English dictionary (DICTIONARY, default the Debian
  `wamerican` list, /usr/share/dict/american-english) that are written
  there in lower case: `mark`, `will`, `grant`, `summer` are names, but a
  capitalised one starts many sentences, so the hand-written lists in
  names.rs decide those;
- the stop words of names.rs (months, finance words).

The evaluation set (gen_eval.py) does not use these lists; it has names of
its own.
"""

import importlib
import os
import pkgutil
import re
import sys
import unicodedata

import faker.providers.person as person_providers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "engine", "src", "mask", "names")
NAMES_RS = os.path.join(HERE, "..", "..", "engine", "src", "mask", "names.rs")


def latin(word):
    return all(ch in "-'" or ("LATIN" in unicodedata.name(ch, "") and ch.isalpha()) for ch in word)


def names_of(provider, attributes):
    out = []
    for attribute in attributes:
        value = getattr(provider, attribute, None)
        if value and not isinstance(value, property):
            out.extend(value.keys() if hasattr(value, "keys") else value)
    return out


def main():
    dictionary = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dict/american-english"
    with open(dictionary, encoding="utf-8") as f:
        english = {line.strip() for line in f if line.strip() and line.strip().islower()}
    with open(NAMES_RS, encoding="utf-8") as f:
        source = f.read()
    stop = set(re.search(r'const STOPWORDS: &str = "([^"]*)"', source).group(1).split())
    first, last = set(), set()
    for module in pkgutil.iter_modules(person_providers.__path__):
        provider = importlib.import_module(f"{person_providers.__name__}.{module.name}").Provider
        firsts = names_of(provider, ["first_romanized_names", "first_names", "first_names_male",
                                     "first_names_female"])
        lasts = names_of(provider, ["last_romanized_names", "last_names"])
        for target, words in ((first, firsts), (last, lasts)):
            for word in words:
                w = word.strip().lower()
                if len(w) >= 3 and " " not in w and latin(w) and w not in english and w not in stop:
                    target.add(w)
    os.makedirs(OUT, exist_ok=True)
    for name, words in (("first_names.txt", first), ("surnames.txt", last)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(sorted(words)) + "\n")
        print(f"{name}: {len(words)} names")


if __name__ == "__main__":
    main()
