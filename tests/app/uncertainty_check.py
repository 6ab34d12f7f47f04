"""An independent computation of how sure a ranking is, for the test in
uncertainty.rs: numpy and scipy for the spread, intervals and funnel limits,
statsmodels' least squares for the inspector effects.

Reads a visits CSV whose single item is a 0-100 scale (so a visit's rate is
its score / 100) and a roster CSV, and prints JSON with the figures the tool
must agree with. Rounding is left to the caller.

usage: python3 uncertainty_check.py ROSTER.csv VISITS.csv ITEM_CODE
"""

import json
import sys

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

MIN_FITTED = 5


def main(roster_path, visits_path, item):
    roster = pd.read_csv(roster_path)
    visits = pd.read_csv(visits_path)
    visits["rate"] = visits[item].astype(float) / 100.0
    district_of = dict(zip(roster["网点编码"], roster["区县"]))

    halls = visits.groupby("网点编码")["rate"]
    hall_rate = halls.mean()
    hall_n = halls.count()
    n_visits, n_halls = len(visits), len(hall_rate)
    df = n_visits - n_halls
    residuals = visits["rate"] - visits["网点编码"].map(hall_rate)
    sigma = float(np.sqrt((residuals**2).sum() / df))
    t = float(stats.t.ppf(0.975, df))

    def clip(x):
        return float(min(1.0, max(0.0, x)))

    region = float(hall_rate.mean())
    out = {"sigma": sigma, "df": df, "region": region, "halls": {}, "districts": {}}
    for code, rate in hall_rate.items():
        n = int(hall_n[code])
        se = sigma / np.sqrt(n)
        low99, high99 = region - 3.09 * se, region + 3.09 * se
        signal = "below" if rate < clip(low99) else "above" if rate > clip(high99) else None
        out["halls"][code] = {
            "rate": float(rate),
            "visits": n,
            "interval": [clip(rate - t * se), clip(rate + t * se)],
            "signal": signal,
        }

    by_district = {}
    for code in hall_rate.index:
        by_district.setdefault(district_of[code], []).append(code)
    for name, codes in by_district.items():
        rate = float(np.mean([hall_rate[c] for c in codes]))
        s = np.sqrt(sum(sigma**2 / hall_n[c] for c in codes)) / len(codes)
        out["districts"][name] = {"rate": rate, "interval": [clip(rate - t * s), clip(rate + t * s)]}

    counts = visits["暗访员"].value_counts()
    fitted = sorted(name for name, n in counts.items() if n >= MIN_FITTED)
    data = visits[visits["暗访员"].isin(fitted)].rename(
        columns={"网点编码": "hall", "暗访员": "inspector"}
    )
    model = smf.ols("rate ~ C(hall) + C(inspector)", data=data).fit()
    raw = {name: float(model.params.get(f"C(inspector)[T.{name}]", 0.0)) for name in fitted}
    # Pin the visit-weighted mean of each linked group's effects at 0.
    parent = {name: name for name in fitted}

    def root(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for _, group in data.groupby("hall"):
        names = sorted(set(group["inspector"]))
        for other in names[1:]:
            parent[root(other)] = root(names[0])
    effects = {}
    for r in {root(n) for n in fitted}:
        members = [n for n in fitted if root(n) == r]
        weight = sum(counts[n] for n in members)
        mean = sum(counts[n] * raw[n] for n in members) / weight
        for n in members:
            effects[n] = raw[n] - mean
    out["inspectors"] = {
        name: {"visits": int(n), "effect": effects.get(name)} for name, n in counts.items()
    }
    visits["adjusted"] = visits["rate"] - visits["暗访员"].map(lambda n: effects.get(n, 0.0))
    for code, adjusted in visits.groupby("网点编码")["adjusted"].mean().items():
        out["halls"][code]["adjusted_rate"] = clip(adjusted)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
