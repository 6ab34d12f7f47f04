#!/usr/bin/env python3
"""The pandas peer of `hallscore import visits`, for benches/national.rs.

    python3 benches/peer_import.py CHECKLIST.toml ROSTER.csv VISITS.(csv|xlsx) OUT.sqlite

Does the same job the way a competent pandas user would: reads the
checklist (tomllib), the roster and the visits sheet (read_csv, or
read_excel with openpyxl), checks every branch code, date and answer
against the answer rules of docs/files.md (spellings, choice labels, numbers,
mm:ss, N/A), scores each visit under docs/scoring.md rules 1-4 (item points, N/A,
critical section/visit zeroing, the visit's rate), and writes the visits
with their answers and rates to SQLite with to_sql. A file with any error
stores nothing. Column-wise and vectorised; no per-row Python loops.

benches/peer_workbook.py imports this module: `import_visits` is the whole
import, `parse_items` and `score` the scoring it reuses on stored answers.
"""

import sqlite3
import sys
import time
import tomllib
from types import SimpleNamespace

import numpy as np
import pandas as pd

CHECK = {
    **{v: 1.0 for v in ["是", "y", "yes", "1", "1.0", "√", "✓", "✔", "pass", "合格", "true"]},
    **{v: 0.0 for v in ["否", "n", "no", "0", "0.0", "×", "✗", "✘", "fail", "不合格", "false"]},
}
NOT_APPLICABLE = ["不适用", "n/a", "na", "—", "–", "-", "——"]
BLANK = ["", "nan", "none", "nat"]
MINUTES = {"分钟", "分", "min", "mins", "minute", "minutes"}
META = {
    "暗访编号": "visit_id",
    "visit_id": "visit_id",
    "网点编码": "branch_code",
    "branch_code": "branch_code",
    "暗访日期": "visit_date",
    "visit_date": "visit_date",
    "暗访员": "inspector",
    "inspector": "inspector",
    "检查表": "checklist",
    "checklist": "checklist",
    "备注": "notes",
    "notes": "notes",
    "序号": "no",
    "no": "no",
}


def load_checklist(path):
    with open(path, "rb") as f:
        data = tomllib.load(f)
    items = []
    for s, section in enumerate(data["section"]):
        for item in section["item"]:
            items.append(
                {
                    "code": item["code"],
                    "title": item["title"],
                    "section": s,
                    "kind": item["kind"],
                    "points": float(item["points"]),
                    "na": bool(item.get("na", False)),
                    "critical": item.get("critical"),
                    "choices": {c["label"].strip().lower(): float(c["score"]) for c in item.get("choices", [])},
                    "labels": {c["label"].strip().lower(): c["label"] for c in item.get("choices", [])},
                    "bands": [(b.get("max", np.inf), float(b["score"])) for b in item.get("bands", [])],
                    "unit": item.get("unit", ""),
                }
            )
    return data, items


def read_visits(path):
    if path.lower().endswith((".xlsx", ".xlsm")):
        return pd.read_excel(path, engine="openpyxl", keep_default_na=False)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def as_text(column):
    """Cells as trimmed lower-case text ('' for blanks)."""
    return column.astype(str).str.strip().str.lower()


class Problems:
    def __init__(self, sheet):
        self.sheet = sheet
        self.count = 0
        self.shown = []

    def add(self, mask, header, values, reason):
        rows = np.flatnonzero(mask.to_numpy() if hasattr(mask, "to_numpy") else mask)
        self.count += len(rows)
        for r in rows[: max(0, 50 - len(self.shown))]:
            self.shown.append(f"工作表「{self.sheet}」第 {r + 2} 行「{header}」值「{values.iloc[r]}」:{reason}")


def parse_item(item, raw, header, problems):
    """Earned points (NaN where N/A), the failed mask and the canonical answers."""
    s = as_text(raw)
    blank = s.isin(BLANK)
    na = s.isin(NOT_APPLICABLE)
    skip = blank | na
    if not item["na"]:
        problems.add(blank, header, raw, "答案为空(该项不允许不适用,必须作答)")
        problems.add(na, header, raw, "该项不允许答「不适用」")
    points, kind = item["points"], item["kind"]
    failed = None
    if kind == "check":
        value = s.map(CHECK)
        ok = value.notna()
        earned = value * points
        failed = (value == 0.0) & ~skip
        answer = value.map({1.0: "是", 0.0: "否"})
        reason = "不是是/否答案"
    elif kind == "choice":
        earned = s.map(item["choices"])
        ok = earned.notna()
        answer = s.map(item["labels"])
        reason = "不是该项的选项"
    elif kind == "scale":
        value = pd.to_numeric(s, errors="coerce")
        ok = value.between(0, points)
        earned = value
        answer = value
        reason = f"不是 0 到 {points:g} 之间的数"
    else:  # measure
        unit = item["unit"].lower()
        t = s.str.removesuffix(unit).str.strip() if unit else s
        value = pd.to_numeric(t, errors="coerce")
        if unit in MINUTES:
            colon = value.isna() & t.str.contains(r"[:：]", regex=True)
            if colon.any():
                parts = t[colon].str.extract(r"^(?:(\d+)[:：])?(\d+)[:：](\d+)$").astype(float)
                minutes = parts[0].fillna(0) * 60 + parts[1] + parts[2] / 60
                valid = (parts[2] < 60) & ((parts[0].isna()) | (parts[1] < 60))
                value[colon] = minutes.where(valid)
        ok = value >= 0
        bands = item["bands"]
        # The first band whose max is at least the value; the last has none.
        earned = pd.Series(bands[-1][1], index=s.index, dtype=float)
        for limit, score in reversed(bands[:-1]):
            earned = earned.mask(value <= limit, score)
        earned = earned.where(ok)
        answer = value
        reason = "不是有效的测量值(应为不小于 0 的数,分钟也可写成 分:秒)"
    problems.add(~ok & ~skip, header, raw, f"检查项 {item['code']}:{reason}")
    earned = earned.where(~skip)
    answer = answer.where(~skip, None)
    return earned.to_numpy(dtype=float), failed, answer


def parse_items(df, items, item_columns, problems):
    """Parses every item column: earned points and maxima per visit and item
    (NaN where N/A), the canonical answers by item code, and which visits a
    failed critical item zeroes (the whole visit; per section)."""
    n = len(df)
    earned = np.empty((n, len(items)))
    maxima = np.empty((n, len(items)))
    answers = {}
    zero_visit = np.zeros(n, dtype=bool)
    zero_section = {}
    for j, item in enumerate(items):
        header = item_columns[item["code"]]
        e, failed, answer = parse_item(item, df[header], header, problems)
        earned[:, j] = e
        maxima[:, j] = np.where(np.isnan(e), np.nan, item["points"])
        answers[item["code"]] = answer
        if item["critical"] == "visit":
            zero_visit |= failed.to_numpy()
        elif item["critical"] == "section":
            zero_section[item["section"]] = zero_section.get(item["section"], np.zeros(n, dtype=bool)) | failed.to_numpy()
    return earned, maxima, answers, zero_visit, zero_section


def score(items, earned, maxima, zero_visit, zero_section):
    """Rules 3 and 4: zeroes `earned` in place where a critical item failed
    and returns each visit's rate over its applicable items."""
    # Rule 3: a failed critical item zeroes its section or the whole visit.
    sections = np.array([i["section"] for i in items])
    for s, mask in zero_section.items():
        cols = sections == s
        block = earned[np.ix_(mask, cols)]
        earned[np.ix_(mask, cols)] = np.where(np.isnan(block), np.nan, 0.0)
    earned[zero_visit] = np.where(np.isnan(earned[zero_visit]), np.nan, 0.0)
    # Rule 4: the visit's rate over its applicable items.
    with np.errstate(invalid="ignore", divide="ignore"):
        total_max = np.nansum(maxima, axis=1)
        return np.where(total_max > 0, np.nansum(earned, axis=1) / total_max, np.nan)


def import_visits(checklist_path, roster_path, visits_path, db_path):
    """The whole import. Returns what it read and stored: the checklist
    (data, items), the roster, the stored visits frame and, row for row with
    it, the earned points (critical zeroing applied) and maxima per item."""
    t0 = time.perf_counter()
    data, items = load_checklist(checklist_path)
    roster = pd.read_csv(roster_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df = read_visits(visits_path)
    t_read = time.perf_counter()

    sheet = visits_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    problems = Problems(sheet)
    # Columns by header: visit fields, then items by code (`A01 …`) or title.
    by_code = {i["code"].upper(): i for i in items}
    by_title = {i["title"]: i for i in items}
    meta, item_columns = {}, {}
    for header in df.columns:
        h = str(header).strip()
        if h.lower() in META:
            meta[META[h.lower()]] = header
            continue
        head = h.split()[0].rstrip("、,,.。::").upper() if h else ""
        item = by_code.get(head) or by_title.get(h)
        if item is None:
            sys.exit(f"无法识别的列「{h}」")
        item_columns[item["code"]] = header
    for needed in ("branch_code", "visit_date"):
        if needed not in meta:
            sys.exit(f"缺少必需的列 {needed}")
    missing = [i["code"] for i in items if i["code"] not in item_columns]
    if missing:
        sys.exit(f"缺少检查项的列:{'、'.join(missing)}")

    codes = df[meta["branch_code"]].astype(str).str.strip()
    problems.add(~codes.isin(set(roster["网点编码"].str.strip())), meta["branch_code"], codes, "网点编码不在网点名单中")
    when_raw = df[meta["visit_date"]]
    if pd.api.types.is_datetime64_any_dtype(when_raw):
        when = when_raw
    else:
        text = when_raw.astype(str).str.strip()
        when = pd.to_datetime(text, format="%Y-%m-%d %H:%M", errors="coerce")
        retry = when.isna() & (text != "")
        if retry.any():
            when[retry] = pd.to_datetime(text[retry], format="mixed", errors="coerce")
    problems.add(when.isna(), meta["visit_date"], when_raw, "暗访日期无法识别")
    if "checklist" in meta:
        named = df[meta["checklist"]].astype(str).str.strip()
        problems.add(~named.isin(["", data["id"]]), meta["checklist"], named, "没有这个检查表")

    earned, maxima, answers, zero_visit, zero_section = parse_items(df, items, item_columns, problems)

    visit_ids = df[meta["visit_id"]].astype(str).str.strip() if "visit_id" in meta else None
    if visit_ids is not None:
        # Rows sharing a visit id must be the same visit; exact repeats are dropped.
        repeated = visit_ids.duplicated(keep=False)
        if repeated.any():
            frame = pd.concat([visit_ids.rename("_key"), pd.DataFrame(answers)], axis=1)[repeated]
            conflict = frame.drop_duplicates().duplicated("_key", keep=False)
            conflict = conflict.reindex(df.index, fill_value=False)
            problems.add(conflict, meta["visit_id"], visit_ids, "与另一行是同一次暗访,但内容不同")

    if problems.count:
        print("\n".join(problems.shown), file=sys.stderr)
        sys.exit(f"{visits_path}:共 {problems.count} 处错误,未写入任何数据")

    rate = score(items, earned, maxima, zero_visit, zero_section)
    t_score = time.perf_counter()

    out = pd.DataFrame(
        {
            "visit_id": visit_ids,
            "branch_code": codes,
            "visited_at": when.dt.strftime("%Y-%m-%d %H:%M:%S"),
            "inspector": df[meta["inspector"]].astype(str).str.strip() if "inspector" in meta else None,
            "checklist_id": data["id"],
            "checklist_version": data["version"],
            "rate": rate,
        }
    )
    out = pd.concat([out, pd.DataFrame(answers)], axis=1)
    if visit_ids is not None:
        # drop_duplicates("visit_id"), keeping the points row for row.
        keep = ~visit_ids.duplicated().to_numpy()
        out, earned, maxima = out[keep], earned[keep], maxima[keep]
    with sqlite3.connect(db_path) as con:
        roster.to_sql("branches", con, index=False, if_exists="replace")
        out.to_sql("visits", con, index=False, if_exists="append", chunksize=10_000)
        con.execute("CREATE UNIQUE INDEX IF NOT EXISTS visits_by_id ON visits (visit_id)")
    con.close()
    t_write = time.perf_counter()
    print(
        f"peer: {len(out)} visits stored; read {t_read - t0:.2f} s, "
        f"check and score {t_score - t_read:.2f} s, write {t_write - t_score:.2f} s"
    )
    return SimpleNamespace(data=data, items=items, roster=roster, visits=out, earned=earned, maxima=maxima)


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    import_visits(*argv[1:])


if __name__ == "__main__":
    main(sys.argv)
