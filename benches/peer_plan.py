"""The peer of `cargo bench --bench plan`: the same visit plan worked out the
way a competent Python programmer would, with the same greedy rules as
hallscore's planner (halls in a shuffled order, each hall's visits spread
over equal stretches of the period, each visit given to the least-loaded
inspector free on the least-used day), plain lists and dicts.

usage: python3 peer_plan.py HALLS INSPECTORS VISITS FROM TO LOCKOUT PER_DAY
prints: the number of assignments, then the seconds the planning took.
"""

import datetime as dt
import random
import sys
import time


def plan(halls, inspectors, visits, start, end, lockout, per_day, seed=1):
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    rng = random.Random(seed)
    order = list(range(halls))
    rng.shuffle(order)
    tie = list(range(inspectors))
    rng.shuffle(tie)
    load = [0] * inspectors
    day_use = [0] * len(days)
    on_day = {}
    seen = {}
    out = []
    for hall in order:
        for visit in range(visits):
            lo, hi = len(days) * visit // visits, len(days) * (visit + 1) // visits
            stretch = sorted(range(lo, hi), key=lambda d: (day_use[d], d))
            rest = sorted(
                (d for d in range(len(days)) if not lo <= d < hi), key=lambda d: (day_use[d], d)
            )
            candidates = stretch + rest
            chosen = None
            for inspector in sorted(tie, key=lambda i: load[i]):
                for d in candidates:
                    if on_day.get((inspector, d), 0) >= per_day:
                        continue
                    if any(abs((days[d] - other).days) < lockout for other in seen.get((inspector, hall), [])):
                        continue
                    chosen = (inspector, d)
                    break
                if chosen:
                    break
            if chosen is None:
                raise SystemExit(f"hall {hall} visit {visit + 1}: nobody free")
            inspector, d = chosen
            load[inspector] += 1
            day_use[d] += 1
            on_day[(inspector, d)] = on_day.get((inspector, d), 0) + 1
            seen.setdefault((inspector, hall), []).append(days[d])
            out.append((hall, inspector, days[d]))
    return out


def main():
    halls, inspectors, visits = (int(x) for x in sys.argv[1:4])
    start, end = (dt.date.fromisoformat(x) for x in sys.argv[4:6])
    lockout, per_day = int(sys.argv[6]), int(sys.argv[7])
    began = time.perf_counter()
    assignments = plan(halls, inspectors, visits, start, end, lockout, per_day)
    print(len(assignments))
    print(f"{time.perf_counter() - began:.4f}")


if __name__ == "__main__":
    main()
