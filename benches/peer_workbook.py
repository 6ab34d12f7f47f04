#!/usr/bin/env python3
"""The pandas peer of `hallscore export rankings`, for benches/national.rs.

    # import and workbook in one run: read, check and score the visits file,
    # write SQLite as peer_import.py does, then the workbook from memory
    python3 benches/peer_workbook.py YEAR CHECKLIST.toml ROSTER.csv VISITS.(csv|xlsx) OUT.sqlite OUT.xlsx

    # the workbook alone, from the SQLite file an earlier run wrote
    python3 benches/peer_workbook.py YEAR CHECKLIST.toml OUT.sqlite OUT.xlsx

Reading and scoring are peer_import.py's, imported as a module: from a
visits file `import_visits`, from the stored answers `parse_items` and
`score`. The workbook is the five main sheets of hallscore's (说明, 网点排名,
区县排名, 前三后三, 短板分析) computed the way a competent pandas user would:
per-visit rates of the whole checklist, each section and each item; branch
rates as the mean of their visit rates (groupby), district rates as the mean
of their branches' rates; competition ranks on rates rounded to 4 decimals
(rank(method="min")), with the previous year's ranks and the change; the top
and bottom three of every headline metric; item and section rates, lost
points, lost share and the cumulative share for the region, and each
district's three weakest items. Every sheet is a DataFrame written with
`to_excel` (openpyxl), without styling, charts or conditional formats.
"""

import sqlite3
import sys
import time

import numpy as np
import pandas as pd

import peer_import

TOP = 3


def visit_metrics(items, earned, maxima, rate):
    """Per visit: the rate of the whole checklist, of each section and of
    each item (NaN where nothing applied), and the points lost per item."""
    sections = np.array([i["section"] for i in items])
    points = np.array([i["points"] for i in items])
    columns = [rate]
    with np.errstate(invalid="ignore", divide="ignore"):
        for s in range(sections.max() + 1):
            cols = sections == s
            top = np.nansum(maxima[:, cols], axis=1)
            columns.append(np.where(top > 0, np.nansum(earned[:, cols], axis=1) / top, np.nan))
        item_rates = earned / points
    lost = np.nan_to_num(maxima - earned)
    return np.column_stack([*columns, item_rates]), lost


def ranks(rates, eligible=None):
    """Competition ranks (1, 2, 2, 4) of rates rounded to 4 decimals, highest first."""
    key = rates.round(4)
    if eligible is not None:
        key = key.where(eligible)
    return key.rank(method="min", ascending=False)


def bottom_ranks(rates):
    return rates.round(4).rank(method="min", ascending=True)


def standings(roster, codes, metrics, lost, metric_names, item_codes):
    """Branch and district standings: rates per metric, visits, lost points."""
    by_visit = pd.DataFrame(metrics, columns=metric_names)
    by_visit["网点编码"] = codes.to_numpy()
    grouped = by_visit.groupby("网点编码")
    branch_rates = grouped.mean()
    visits = grouped.size().rename("暗访次数")
    lost_frame = pd.DataFrame(lost, columns=item_codes)
    lost_frame["网点编码"] = codes.to_numpy()
    branch_lost = lost_frame.groupby("网点编码").sum()

    branches = roster.set_index("网点编码")[["地市", "区县", "网点名称"]]
    branches = branches.join(visits).join(branch_rates)
    branches["暗访次数"] = branches["暗访次数"].fillna(0).astype(int)
    branch_lost = branch_lost.reindex(branches.index, fill_value=0.0)

    by_district = branches.groupby("区县", sort=False)
    districts = by_district[metric_names].mean()
    districts.insert(0, "暗访次数", by_district["暗访次数"].sum())
    districts.insert(0, "网点数", by_district.size())
    districts.insert(0, "地市", by_district["地市"].first())
    district_lost = branch_lost.groupby(branches["区县"], sort=False).sum()
    return branches, branch_lost, districts, district_lost


def ranking_sheet(units, previous, section_titles, key_columns, metric_names):
    """A ranking sheet: rank, key columns, visits, rates, previous rank and change."""
    rank = ranks(units["total"], units["暗访次数"] > 0)
    before = ranks(previous["total"], previous["暗访次数"] > 0).reindex(units.index)
    flat = units.reset_index()
    sheet = pd.DataFrame({"排名": rank.to_numpy()})
    for column in key_columns:
        sheet[column] = flat[column].to_numpy()
    sheet["暗访次数"] = flat["暗访次数"].to_numpy()
    sheet["得分率"] = flat["total"].to_numpy()
    for title, metric in zip(section_titles, metric_names[1 : 1 + len(section_titles)]):
        sheet[title] = flat[metric].to_numpy()
    sheet["上期排名"] = before.to_numpy()
    sheet["名次变化"] = (before - rank).to_numpy()
    sheet["_code"] = units.index.to_numpy()
    return sheet.sort_values(["排名", "_code"], na_position="last").drop(columns="_code")


def call_outs(level, units, names, headline):
    """Top and bottom three of each headline metric: sentences and detail rows."""
    eligible = units["暗访次数"] > 0
    sentences, rows = [], []
    for metric, title in headline:
        rates = units[metric].where(eligible)
        rank = ranks(rates)
        from_bottom = bottom_ranks(rates)
        top = pd.DataFrame({"名次": rank, "得分率": rates, "单位": names, "_code": units.index})
        best = top[rank <= TOP].sort_values(["名次", "_code"])
        worst = top[from_bottom <= TOP].assign(_key=rates.round(4)).sort_values(["_key", "_code"])
        sentences.append(
            f"{title}:{'、'.join(best['单位'])}位于前三名,{'、'.join(worst['单位'])}位于后三名。"
        )
        for kind, frame in (("前三名", best), ("后三名", worst)):
            rows.append(frame[["名次", "单位", "得分率"]].assign(指标=title, 层级=level, 类别=kind))
    detail = pd.concat(rows)[["指标", "层级", "类别", "名次", "单位", "得分率"]]
    return sentences, detail


def pareto(rates, lost, codes, titles, pass_mark, sections=None):
    frame = pd.DataFrame({"编码": codes, "名称": titles})
    if sections is not None:
        frame["大项"] = sections
    total_lost = lost.sum()
    frame["得分率"] = rates
    frame["失分"] = lost
    frame["失分占比"] = lost / total_lost if total_lost > 0 else 0.0
    frame = frame.sort_values(["失分", "编码"], ascending=[False, True])
    frame["累计占比"] = frame["失分占比"].cumsum().clip(upper=1.0)
    frame["短板"] = np.where(frame["得分率"] < pass_mark, "短板", "")
    return frame


def workbook(data, items, roster, visits, earned, maxima, rate, year, out_path):
    t0 = time.perf_counter()
    item_codes = [i["code"] for i in items]
    section_titles = [s["title"] for s in data["section"]]
    section_codes = [s.get("code", str(n)) for n, s in enumerate(data["section"])]
    metric_names = ["total", *[f"section:{c}" for c in section_codes], *item_codes]
    roster = roster.assign(网点编码=roster["网点编码"].str.strip())
    metrics, lost = visit_metrics(items, earned, maxima, np.asarray(rate, dtype=float))
    when = visits["visited_at"].to_numpy(dtype=str)
    codes = visits["branch_code"]

    def period(first, last):
        mask = (when >= f"{first}-01-01") & (when < f"{last + 1}-01-01")
        return standings(roster, codes[mask], metrics[mask], lost[mask], metric_names, item_codes)

    branches, branch_lost, districts, district_lost = period(year, year)
    previous_branches, _, previous_districts, _ = period(year - 1, year - 1)
    t_compute = time.perf_counter()

    branch_sheet = ranking_sheet(
        branches, previous_branches, section_titles, ["地市", "区县", "网点编码", "网点名称"], metric_names
    )
    district_sheet = ranking_sheet(
        districts, previous_districts, section_titles, ["地市", "区县", "网点数"], metric_names
    )

    headline = [("total", "综合得分率"), *zip(metric_names[1 : 1 + len(section_titles)], section_titles)]
    district_sentences, district_detail = call_outs("区县", districts, districts.index, headline)
    branch_sentences, branch_detail = call_outs("营业厅", branches, branches["网点名称"], headline)

    # The region: every branch weighs the same; lost points add up over visits.
    region = branches[metric_names].mean()
    item_lost = branch_lost.sum()
    item_board = pareto(
        region[item_codes].to_numpy(),
        item_lost.to_numpy(),
        item_codes,
        [i["title"] for i in items],
        data.get("pass_mark", 0.8),
        [section_codes[i["section"]] for i in items],
    )
    section_of = pd.Series([section_codes[i["section"]] for i in items], index=item_codes)
    section_lost = item_lost.groupby(section_of).sum().reindex(section_codes)
    section_board = pareto(
        region[metric_names[1 : 1 + len(section_codes)]].to_numpy(),
        section_lost.to_numpy(),
        section_codes,
        section_titles,
        data.get("pass_mark", 0.8),
    )
    # Each district's three weakest items.
    long = (
        districts[item_codes]
        .reset_index()
        .melt(id_vars="区县", var_name="编码", value_name="得分率")
        .merge(district_lost.reset_index().melt(id_vars="区县", var_name="编码", value_name="失分"))
        .dropna(subset=["得分率"])
    )
    long["序号"] = long.groupby("区县")["得分率"].rank(method="first")
    weakest = long[long["序号"] <= 3].sort_values(["区县", "序号"])
    weakest["检查项目"] = weakest["编码"].map({i["code"]: i["title"] for i in items})
    weakest = weakest[["区县", "序号", "编码", "检查项目", "得分率", "失分"]]
    ten = item_board.sort_values(["得分率", "编码"]).head(10)[["编码", "名称", "得分率"]]

    notes = pd.DataFrame(
        [
            ("期间", f"{year}-01-01 至 {year}-12-31"),
            ("上期", f"{year - 1}-01-01 至 {year - 1}-12-31"),
            ("检查表", f"{data['title']}({data['id']})"),
            ("检查表版本", f"第 {data['version']} 版"),
            ("范围", f"{len(branches)} 个营业厅,{len(districts)} 个区县,{int(branches['暗访次数'].sum())} 次暗访"),
            ("整体得分率", f"{region['total'] * 100:.1f}%"),
            ("生成时间", pd.Timestamp.now().strftime("%Y-%m-%d %H:%M")),
            ("评分规则", "营业厅得分率 = 各次暗访得分率的平均;区县 = 所辖营业厅得分率的平均;排名按四舍五入到 0.01 个百分点的得分率。"),
        ],
        columns=["项目", "内容"],
    )
    t_tables = time.perf_counter()

    with pd.ExcelWriter(out_path, engine="openpyxl") as writer:
        notes.to_excel(writer, sheet_name="说明", index=False)
        branch_sheet.to_excel(writer, sheet_name="网点排名", index=False)
        district_sheet.to_excel(writer, sheet_name="区县排名", index=False)
        row = 0
        for title, sentences in (("区县", district_sentences), ("营业厅", branch_sentences)):
            block = pd.DataFrame({f"{title}:前三名与后三名": sentences})
            block.to_excel(writer, sheet_name="前三后三", index=False, startrow=row)
            row += len(block) + 2
        pd.concat([district_detail, branch_detail]).to_excel(writer, sheet_name="前三后三", index=False, startrow=row)
        row = 0
        for frame in (section_board, item_board, weakest, ten):
            frame.to_excel(writer, sheet_name="短板分析", index=False, startrow=row)
            row += len(frame) + 2
    t_write = time.perf_counter()
    print(
        f"peer workbook: {len(branch_sheet)} branches, {len(district_sheet)} districts; "
        f"standings {t_compute - t0:.2f} s, sheets {t_tables - t_compute:.2f} s, to_excel {t_write - t_tables:.2f} s"
    )


def from_db(checklist_path, db_path):
    """The checklist, roster and stored visits, scored again from their answers."""
    t0 = time.perf_counter()
    data, items = peer_import.load_checklist(checklist_path)
    with sqlite3.connect(db_path) as con:
        roster = pd.read_sql_query("SELECT * FROM branches", con)
        visits = pd.read_sql_query("SELECT * FROM visits WHERE checklist_id = ?", con, params=(data["id"],))
    con.close()
    t_read = time.perf_counter()
    problems = peer_import.Problems("visits")
    codes = [i["code"] for i in items]
    # N/A is stored as NULL, which pandas reads as NaN; the parser takes
    # blanks for N/A. By way of a category each distinct answer is one
    # string object, as read_csv hands them out: the parser's string
    # methods then run about twice as fast (5.6 s rather than 6.8 s with
    # the conversion, on 72,000 visits).
    answers = visits[codes].astype(str).fillna("").astype("category").astype(str)
    earned, maxima, _, zero_visit, zero_section = peer_import.parse_items(
        answers, items, {c: c for c in codes}, problems
    )
    if problems.count:
        sys.exit("\n".join(problems.shown))
    rate = peer_import.score(items, earned, maxima, zero_visit, zero_section)
    print(f"peer: {len(visits)} stored visits; read {t_read - t0:.2f} s, score {time.perf_counter() - t_read:.2f} s")
    return data, items, roster, visits, earned, maxima, rate


def main(argv):
    if len(argv) == 7:
        year, checklist, roster, visits, db, out = argv[1:]
        r = peer_import.import_visits(checklist, roster, visits, db)
        workbook(r.data, r.items, r.roster, r.visits, r.earned, r.maxima, r.visits["rate"], int(year), out)
    elif len(argv) == 5:
        year, checklist, db, out = argv[1:]
        workbook(*from_db(checklist, db), int(year), out)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
