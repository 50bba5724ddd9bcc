"""Definition extraction against a labelled set: precision and recall per language.

Each `<lang>.tsv` line is `term<TAB>sentence` (the term the sentence defines) or `-<TAB>sentence` (no definition).
A found definition counts as right when its term equals the labelled one (as `parsers.definitions.term_key`
compares terms); a definition found in a non-definition, or with the wrong term, is a false positive; a labelled
definition not found (or found with the wrong term) is a false negative.

    python bench/terms/run.py [-v]      (-v lists every miss and false alarm)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from regwatch.parsers.definitions import keys_of, read_sentence  # noqa: E402

HERE = Path(__file__).resolve().parent


def score(lang: str, verbose: bool) -> tuple[int, int, int, int, int]:
    tp = fp = fn = defs = nons = 0
    for line in (HERE / f"{lang}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label, sentence = line.split("\t", 1)
        found = read_sentence(sentence)
        if label == "-":
            nons += 1
        else:
            defs += 1
        right = found is not None and label != "-" and bool(set(keys_of(found[0])) & set(keys_of(label)))
        if right:
            tp += 1
            continue
        if found is not None:
            fp += 1
        if label != "-":
            fn += 1
        if verbose and (found is not None or label != "-"):
            print(f"  {lang} {'miss' if label != '-' and found is None else 'wrong'}: "
                  f"labelled {label!r}, found {found!r}: {sentence}")
    return tp, fp, fn, defs, nons


def main() -> None:
    verbose = "-v" in sys.argv
    print(f"{'lang':5} {'definitions':>11} {'non-defs':>8} {'TP':>4} {'FP':>4} {'FN':>4} "
          f"{'precision':>9} {'recall':>7}")
    total = [0, 0, 0, 0, 0]
    for lang in ("en", "ja", "ko", "zh"):
        tp, fp, fn, defs, nons = score(lang, verbose)
        total = [a + b for a, b in zip(total, (tp, fp, fn, defs, nons), strict=True)]
        print(f"{lang:5} {defs:>11} {nons:>8} {tp:>4} {fp:>4} {fn:>4} {tp / max(tp + fp, 1):>9.3f} "
              f"{tp / max(tp + fn, 1):>7.3f}")
    tp, fp, fn, defs, nons = total
    print(f"{'all':5} {defs:>11} {nons:>8} {tp:>4} {fp:>4} {fn:>4} {tp / max(tp + fp, 1):>9.3f} "
          f"{tp / max(tp + fn, 1):>7.3f}")


if __name__ == "__main__":
    main()
