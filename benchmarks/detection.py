"""Cost of phrase detection with every shipped language loaded.

Run: ``.venv/bin/python benchmarks/detection.py`` (``--repeat N`` for more rounds).

Reports, in one run on this machine:
- the phrase detector's time per transcript over the labelled corpus (finals with their
  language, finals without one, and streaming interims), median and p95, beside the time
  of TEN's text rule (`TextInterruptionDetector`, what a plain setup runs) as a ratio;
- the time to decide a 100 KB interim transcript;
- memory: the tables are built once per language set and shared by every conversation
  (bytes for the first detector, then per further detector).
"""

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus import interims, load  # noqa: E402

from pipecat_interrupts.detectors import (  # noqa: E402
    PhraseInterruptionDetector,
    TextInterruptionDetector,
    UserActivity,
    phrase_tables,  # noqa: E402
)


def per_call_us(detector, activities, repeat):
    samples = []
    for _ in range(repeat):
        for activity in activities:
            started = time.perf_counter_ns()
            detector.detect(activity)
            samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    phrase_tables.phrase_tables.cache_clear()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    first = PhraseInterruptionDetector()
    build_ms = (time.perf_counter() - started) * 1000
    after_first = tracemalloc.get_traced_memory()[0]
    more = [PhraseInterruptionDetector() for _ in range(1000)]
    after_more = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    shared = all(d._tables is first._tables for d in more)

    rows = [u for u in load() if u.label != "ambiguous"]
    finals = [UserActivity(text=u.text, final=True, language=u.language) for u in rows]
    unknown = [UserActivity(text=u.text, final=True) for u in rows]
    streaming = [UserActivity(text=t, final=False, language=u.language) for u in rows for t in interims(u)]
    text_rule = TextInterruptionDetector()
    print(f"languages loaded: {len(first.languages)} ({', '.join(first.languages)})")
    print(f"corpus: {len(finals)} finals, {len(streaming)} interims; {args.repeat} rounds")
    for name, activities in (("finals, language attached", finals), ("finals, no language", unknown),
                             ("streaming interims", streaming)):
        median, p95 = per_call_us(first, activities, args.repeat)
        base, _ = per_call_us(text_rule, activities, args.repeat)
        print(f"  {name:<27} phrase detector median {median:6.1f} us  p95 {p95:6.1f} us"
              f"  (text rule {base:4.1f} us: x{median / base:.0f})")
    huge = UserActivity(text="and then the thing with the account number " * 2400 + "wait", final=False)
    times = []
    for _ in range(args.repeat * 4):
        started = time.perf_counter_ns()
        first.detect(huge)
        times.append((time.perf_counter_ns() - started) / 1e6)
    print(f"  100 KB interim ({len(huge.text)} chars): median {statistics.median(times):.3f} ms")
    print(f"memory: tables built in {build_ms:.1f} ms, {(after_first - before) / 1024:.0f} KiB for the first "
          f"detector; {(after_more - after_first) / 1000:.0f} bytes per further detector "
          f"(tables shared: {shared})")


if __name__ == "__main__":
    main()
