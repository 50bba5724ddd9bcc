"""Diff speed: two 1 MB texts with a few edits (English; Japanese/Chinese/Korean), a 300-page guidance, and the
longest document in the offline mirrors. Median of several runs of `diff_words`, `diff_document` (moves and
section paths on top) and `classify`."""

from __future__ import annotations

import os
import random
import re
import statistics
import time
from collections.abc import Callable

from cases import SITES_ROOT, choose_kind, served, site_files

from regwatch.alerts.diff import diff_words
from regwatch.alerts.sections import diff_document
from regwatch.alerts.significance import classify
from regwatch.parsers.types import ParseError

RUNS = 7
DOCUMENT_TYPES = re.compile(r"html|pdf|msword|officedocument|hwp|octet-stream")  # not feeds, JSON or robots.txt
MB = 1_000_000
FLIPS = (("should", "must"), ("することが望ましい", "しなければならない"), ("할 수 있다", "하여야 한다"),
         ("可以", "应当"))


def median(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of `runs` calls (CPU time is what the code costs on a busy machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _pool() -> list[str]:
    """Sentences of the FDA guidance sources in the mirror (real regulatory English)."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((SITES_ROOT / "fda/media").glob("*/download.txt")))
    return [" ".join(s.split()) for s in re.findall(r"[^.]+\.", text) if len(s.strip()) > 30]


CJK_POOL = [
    "再生医療等製品の製造販売業者は、製造所ごとに品質管理の記録を作成することが望ましい。",
    "この通知において「特定細胞加工物」とは、再生医療等に用いられる細胞加工物をいう。",
    "本指导原则所称外泌体是指细胞分泌的具有脂质双层膜结构的细胞外囊泡。",
    "申请人可以在申报前与审评机构进行沟通交流。",
    "제조업자는 배양액의 품질에 관한 시험을 자체적으로 실시할 수 있다.",
    "제조업자는 시험 기록을 3년간 보관하여야 한다.",
]


def guidance(rng: random.Random, pool: list[str], size: int, pages: int = 0) -> str:
    """Numbered sections of paragraphs drawn from `pool` until `size` characters (`pages` sections if given)."""
    parts, length, section = [], 0, 0
    per_section = size // pages if pages else 4_000
    while length < size:
        section += 1
        parts.append(f"{section}. SECTION {section}")
        body = 0
        while body < per_section and length + body < size:
            paragraph = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 6))) + f" (ref. {rng.randint(1, 9999)})"
            parts.append(paragraph)
            body += len(paragraph)
        length += body
    return "\n\n".join(parts)


def edited(text: str, rng: random.Random) -> str:
    """Three modal flips, one number changed, one paragraph moved far away."""
    paragraphs = text.split("\n\n")
    for _ in range(3):
        candidates = [k for k, p in enumerate(paragraphs) if any(a in p for a, _ in FLIPS)]
        if candidates:
            k = rng.choice(candidates)
            a, b = next(f for f in FLIPS if f[0] in paragraphs[k])
            paragraphs[k] = paragraphs[k].replace(a, b, 1)
    numbered = [k for k, p in enumerate(paragraphs) if re.search(r"\d", p) and len(p) > 40]
    if numbered:
        k = rng.choice(numbered)
        paragraphs[k] = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), paragraphs[k], count=1)
    if len(paragraphs) > 10:
        moved = paragraphs.pop(len(paragraphs) // 5)
        paragraphs.insert(4 * len(paragraphs) // 5, moved)
    return "\n\n".join(paragraphs)


def longest_mirror_document() -> tuple[str, str]:
    best = ("", "")
    for site in sorted(p.name for p in SITES_ROOT.iterdir() if p.is_dir()):
        for rel in site_files(site, "**/*"):
            case = served(site, rel)
            if case is None or not DOCUMENT_TYPES.search(case.content_type):
                continue
            try:
                _, doc = choose_kind(case)
            except (ParseError, ValueError):
                continue
            if len(doc.text) > len(best[1]):
                best = (f"{site}:{rel}", doc.text)
    return best


def _line(label: str, old: str, new: str) -> None:
    ops = diff_document(old, new)
    words = median(lambda: diff_words(old, new))
    full = median(lambda: diff_document(old, new))
    judged = median(lambda: classify(old, new, ops))
    moves = sum(op.op == "move" for op in ops)
    print(f"  {label}: {len(old) / MB:.2f} MB, {moves} move(s) found\n"
          f"      diff_words {words[0]:.3f} s (cpu {words[1]:.3f})   diff_document {full[0]:.3f} s (cpu {full[1]:.3f})"
          f"   classify {judged[0]:.3f} s (cpu {judged[1]:.3f})")


def report_timing() -> None:
    rng = random.Random(2026)
    pool = _pool()
    load = os.getloadavg()[0]
    print(f"diff speed: median of {RUNS} runs, wall clock (cpu); target < 0.3 s. Machine load average {load:.1f} on "
          f"{os.cpu_count()} CPUs while measuring.")
    english = guidance(rng, pool, MB)
    _line("two 1 MB English texts, 3 modal flips + 1 number + 1 move", english, edited(english, rng))
    cjk = guidance(rng, CJK_POOL, MB)
    _line("two 1 MB Japanese/Chinese/Korean texts, same edits", cjk, edited(cjk, rng))
    book = guidance(rng, pool, MB, pages=300)
    _line("300-section guidance (~300 pages), same edits", book, edited(book, rng))
    name, text = longest_mirror_document()
    if text:
        _line(f"longest mirror document {name} ({len(text):,} characters)", text, edited(text, rng))
