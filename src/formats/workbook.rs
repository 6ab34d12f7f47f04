//! The period's ranking workbook, its sheets in this order: 说明, 网点排名,
//! 区县排名, (地市排名), 前三后三, 短板分析, 等候时长, 整改跟踪 when the
//! period has rectification tickets, and 暗访员校准 for readers who may see
//! calibration. Every figure comes from the same report
//! objects as `report … --format json`; this module only lays them out.

use chrono::NaiveDateTime;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLegendPosition, ChartLine, ChartLineDashType, ChartMarker,
    ChartMarkerType, ChartSolidFill, ChartType, Color, ConditionalFormat3ColorScale,
    ConditionalFormatCell, ConditionalFormatCellRule, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};

use super::write::{WriteError, display_width};
use crate::app::publishing::publication_notes;
use crate::app::rectify::tally;
use crate::app::report::{
    Analysis, BoardJson, Callout, Level, RankingRow, RankingsReport, ShortboardsReport,
    call_out_sentence, chinese_number, percent, rank_span, round4, signal_text, summary_sentences,
};
use crate::domain::access::Visibility;
use crate::domain::answer::format_number;
use crate::domain::lang::Lang;
use crate::domain::uncertainty::{Limits, MIN_FITTED_VISITS, Signal, Spread};
use crate::storage::{Publication, Ticket};

/// Who made the workbook, and when.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub made_at: NaiveDateTime,
    pub made_by: String,
    /// How many make the top and bottom call-outs.
    pub top: u32,
    /// What the reader may see: hall rows outside it are left out.
    pub reader: Visibility,
    /// Whether the inspector calibration sheet is filled.
    pub calibration: bool,
    /// The published version and its change log, when the period was
    /// published.
    pub publication: Vec<String>,
    /// The period's rectification tickets the reader sees.
    pub tickets: Vec<Ticket>,
}

impl Provenance {
    /// A workbook made now by `made_by` for a reader who sees `reader`,
    /// with the calibration sheet filled or not, `top` halls called out at
    /// each end, and the period's published `versions` noted.
    pub fn now(
        made_by: String,
        reader: Visibility,
        calibration: bool,
        top: u32,
        versions: &[Publication],
    ) -> Provenance {
        Provenance {
            made_at: chrono::Local::now().naive_local(),
            made_by,
            top,
            reader,
            calibration,
            publication: publication_notes(versions),
            tickets: Vec::new(),
        }
    }

    /// The same, with the period's rectification tickets the reader sees
    /// (the 整改跟踪 sheet).
    pub fn with_tickets(mut self, tickets: Vec<Ticket>) -> Provenance {
        self.tickets = tickets;
        self
    }
}

/// Cell formats shared by every sheet.
struct Styles {
    header: Format,
    percent: Format,
    percent_top: Format,
    percent_bottom: Format,
    text_top: Format,
    text_bottom: Format,
    change: Format,
    rise: Format,
    fall: Format,
    offset: Format,
    decimal: Format,
    title: Format,
    label: Format,
    wrap: Format,
    wrap_bold: Format,
    right: Format,
}

impl Styles {
    fn new() -> Styles {
        let top = Color::RGB(0xE2F0D9);
        let bottom = Color::RGB(0xFBE2D5);
        Styles {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border(FormatBorder::Thin),
            percent: Format::new().set_num_format("0.0%"),
            percent_top: Format::new()
                .set_num_format("0.0%")
                .set_background_color(top),
            percent_bottom: Format::new()
                .set_num_format("0.0%")
                .set_background_color(bottom),
            text_top: Format::new().set_background_color(top),
            text_bottom: Format::new().set_background_color(bottom),
            // The cell stays a number; the arrow is only its format. The
            // colours come from conditional formats with explicit RGB fonts:
            // `[Color10]`-style palette indexes differ between Excel, WPS
            // and LibreOffice (LibreOffice prints index 10 pale grey).
            change: Format::new()
                .set_num_format("\"↑\"0;\"↓\"0;0")
                .set_align(FormatAlign::Center),
            rise: Format::new().set_font_color(Color::RGB(0x006100)),
            fall: Format::new().set_font_color(Color::RGB(0x9C0006)),
            offset: Format::new().set_num_format("+0.0%;-0.0%;0.0%"),
            decimal: Format::new().set_num_format("0.0"),
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            wrap_bold: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            right: Format::new().set_align(FormatAlign::Right),
        }
    }
}

impl Styles {
    /// Every format of the workbook's sheets written row by row: they are
    /// written side by side and share the workbook's table of formats.
    fn all(&self) -> [&Format; 16] {
        [
            &self.header,
            &self.percent,
            &self.percent_top,
            &self.percent_bottom,
            &self.text_top,
            &self.text_bottom,
            &self.change,
            &self.rise,
            &self.fall,
            &self.offset,
            &self.decimal,
            &self.title,
            &self.label,
            &self.wrap,
            &self.wrap_bold,
            &self.right,
        ]
    }
}

/// A signalled hall stands out like the top or bottom call-outs.
fn signal_format(signal: Signal, styles: &Styles) -> &Format {
    match signal {
        Signal::Above => &styles.text_top,
        Signal::Below => &styles.text_bottom,
    }
}

/// How a sheet is filled: its content, then the row that heads each of
/// its printed pages.
type Fill<'a> = Box<dyn FnOnce(&mut Worksheet) -> Result<u32, XlsxError> + Send + 'a>;

/// What the workbook's sheets show.
struct Contents<'a> {
    current: &'a Analysis,
    provenance: &'a Provenance,
    styles: Styles,
    branches: RankingsReport,
    districts: RankingsReport,
    cities: Option<RankingsReport>,
    boards: ShortboardsReport,
    weakest: Vec<DistrictBoards>,
}

/// Builds the ranking workbook of `current`, compared with `previous`.
/// The sheets are written side by side, each on a thread of its own.
pub fn rankings_workbook(
    current: &Analysis,
    previous: &Analysis,
    provenance: &Provenance,
) -> Result<Vec<u8>, WriteError> {
    let (branches, districts, cities) = reports(current, previous, provenance);
    let weakest = current
        .districts
        .iter()
        .filter_map(|g| {
            current
                .shortboards(&format!("district:{}", g.name))
                .ok()
                .map(|boards| DistrictBoards {
                    district: g.name.clone(),
                    boards,
                })
        })
        .collect();
    let contents = Contents {
        current,
        provenance,
        styles: Styles::new(),
        branches,
        districts,
        cities,
        boards: current.shortboards("all").map_err(WriteError::Report)?,
        weakest,
    };
    let sheets = contents.sheets();
    let mut workbook = Workbook::new();
    // Deflate level 2 rather than the default 6: a year of national data
    // (3,000 halls) then saves in about a third of the time (≈45 ms rather
    // than ≈145 ms) for a file about a fifth larger (2.2 MB rather than
    // 1.8 MB). Level 1 saves another ≈15 ms but the file grows by 60 %.
    workbook.set_zip_compression_level(2);
    // The sheets written row by row share the workbook's table of formats,
    // which adds a format it has not seen under a lock taken after looking
    // for it: two sheets meeting a new format at once would both add it,
    // and the first one's index would then name no format. Every format
    // they use is one of the styles (the others' formats are their own),
    // registered here before they are written side by side.
    for format in contents.styles.all() {
        workbook.register_format(format);
    }
    for (row_by_row, _) in &sheets {
        if *row_by_row {
            workbook.add_worksheet_with_constant_memory()?;
        } else {
            workbook.add_worksheet();
        }
    }
    std::thread::scope(|scope| {
        let writing: Vec<_> = workbook
            .worksheets_mut()
            .iter_mut()
            .zip(sheets)
            .map(|(sheet, (_, fill))| {
                scope.spawn(move || {
                    let header = fill(sheet)?;
                    print_setup(sheet, header)
                })
            })
            .collect();
        writing.into_iter().try_for_each(|sheet| {
            sheet
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })?;
    Ok(workbook.save_to_buffer()?)
}

impl Contents<'_> {
    /// The sheets in order, each with whether it is written to a file row
    /// by row rather than kept in memory: the long tables are.
    fn sheets(&self) -> Vec<(bool, Fill<'_>)> {
        let Contents {
            current,
            provenance,
            ref styles,
            ref branches,
            ref districts,
            ref cities,
            ref boards,
            ref weakest,
        } = *self;
        let mut sheets: Vec<(bool, Fill<'_>)> = vec![
            (
                false,
                Box::new(|sheet| {
                    write_notes(sheet, current, branches, provenance, styles).map(|()| 0)
                }),
            ),
            (
                true,
                Box::new(|sheet| {
                    write_ranking(sheet, "网点排名", branches, current, styles).map(|()| 0)
                }),
            ),
            (
                true,
                Box::new(|sheet| {
                    write_ranking(sheet, "区县排名", districts, current, styles)?;
                    // Below the table rather than beside it, so that
                    // printing one page wide does not shrink the table to
                    // make room for the chart.
                    sheet.insert_chart(
                        districts.rows.len() as u32 + 2,
                        0,
                        &rate_chart("区县排名", districts, "各区县得分率"),
                    )?;
                    Ok(0)
                }),
            ),
        ];
        if let Some(cities) = cities {
            sheets.push((
                true,
                Box::new(|sheet| {
                    write_ranking(sheet, "地市排名", cities, current, styles).map(|()| 0)
                }),
            ));
        }
        let top = provenance.top;
        sheets.push((
            false,
            Box::new(move |sheet| {
                write_top_bottom(sheet, districts, branches, top, styles).map(|()| 0)
            }),
        ));
        sheets.push((
            false,
            Box::new(|sheet| write_short_boards(sheet, boards, weakest, styles).map(|()| 0)),
        ));
        sheets.push((
            true,
            Box::new(|sheet| write_funnel(sheet, current, branches, styles).map(|()| 0)),
        ));
        sheets.push((
            true,
            Box::new(|sheet| {
                write_waits(sheet, &districts.waits, branches, current, styles).map(|()| 0)
            }),
        ));
        if !provenance.tickets.is_empty() {
            // Its later pages list tickets: their header heads every page.
            sheets.push((
                false,
                Box::new(|sheet| {
                    write_rectification(
                        sheet,
                        current,
                        &provenance.tickets,
                        provenance.made_at.date(),
                        styles,
                    )
                }),
            ));
        }
        // Readers who may not see calibration get no sheet rather than an
        // empty one; 说明 tells them why.
        if provenance.calibration {
            sheets.push((
                false,
                Box::new(|sheet| write_calibration(sheet, branches, styles).map(|()| 0)),
            ));
        }
        sheets
    }
}

/// The rankings of halls, districts and (when there are several) cities,
/// as the workbook's reader may see them: the halls' on a second core
/// while this one makes the groups'.
fn reports(
    current: &Analysis,
    previous: &Analysis,
    provenance: &Provenance,
) -> (RankingsReport, RankingsReport, Option<RankingsReport>) {
    let report = |level| {
        let mut report = current.rankings(previous, level, provenance.top);
        report.restrict(&provenance.reader, provenance.calibration);
        report
    };
    std::thread::scope(|scope| {
        let branches = scope.spawn(|| report(Level::Branch));
        let districts = report(Level::District);
        let cities = (current.cities.len() > 1).then(|| report(Level::City));
        let branches = branches
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (branches, districts, cities)
    })
}

/// How every sheet prints: A4 landscape, one page wide and as many pages
/// tall as it takes (fitting a long sheet on one page would shrink it
/// unreadably), narrow margins, and row `header` (the table's header or
/// the sheet's title, mostly the first) repeated at the top of every page.
fn print_setup(sheet: &mut Worksheet, header: u32) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet
        .set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3)
        .set_footer("&C&A 第 &P 页,共 &N 页");
    sheet.set_repeat_rows(header, header)?;
    Ok(())
}

fn set_widths(sheet: &mut Worksheet, headers: &[String]) -> Result<(), XlsxError> {
    for (column, header) in headers.iter().enumerate() {
        sheet.set_column_width(column as u16, display_width(header).clamp(8.0, 40.0))?;
    }
    Ok(())
}

/// Writes a sentence that wraps within columns `first..=last` (`width`
/// units wide together, merged when more than one) and makes its row tall
/// enough for it: spreadsheet programs do not grow rows for wrapped or
/// merged text on their own.
fn write_paragraph(
    sheet: &mut Worksheet,
    row: u32,
    (first, last): (u16, u16),
    width: f64,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if first == last {
        sheet.write_string_with_format(row, first, text, format)?;
    } else {
        sheet.merge_range(row, first, row, last, text, format)?;
    }
    let lines = (display_width(text) / (width - 2.0)).ceil().max(1.0);
    sheet.set_row_height(row, 17.0 * lines)?;
    Ok(())
}

fn write_header(
    sheet: &mut Worksheet,
    row: u32,
    headers: &[String],
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, header, &styles.header)?;
    }
    Ok(())
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Branch => "营业厅",
        Level::District => "区县",
        Level::City => "地市",
    }
}

fn write_notes(
    sheet: &mut Worksheet,
    analysis: &Analysis,
    report: &RankingsReport,
    provenance: &Provenance,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name("说明")?;
    const RULE_WIDTH: f64 = 90.0;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, RULE_WIDTH)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} 排名({})", report.checklist.title, report.period.label),
        &styles.title,
    )?;
    let mut row = 2;
    for (label, value) in notes_facts(analysis, report, provenance) {
        sheet.write_string_with_format(row, 0, label, &styles.wrap_bold)?;
        write_paragraph(sheet, row, (1, 1), RULE_WIDTH, &value, &styles.wrap)?;
        row += 1;
    }
    if !provenance.publication.is_empty() {
        row += 1;
        sheet.write_string_with_format(row, 0, "发布与变更", &styles.label)?;
        for line in &provenance.publication {
            row += 1;
            sheet.write_string(row, 1, line)?;
        }
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "评分规则", &styles.label)?;
    for (i, rule) in notes_rules(analysis, provenance).into_iter().enumerate() {
        row += 1;
        // Top-aligned like the wrapped rule beside it.
        sheet.write_string_with_format(row, 0, format!("{}.", i + 1), &styles.wrap)?;
        write_paragraph(sheet, row, (1, 1), RULE_WIDTH, &rule, &styles.wrap)?;
    }
    Ok(())
}

/// The 说明 sheet's facts: what the workbook covers, who made it, and
/// what it leaves out.
fn notes_facts(
    analysis: &Analysis,
    report: &RankingsReport,
    provenance: &Provenance,
) -> Vec<(&'static str, String)> {
    let versions = report
        .checklist
        .versions
        .iter()
        .map(|v| format!("第 {v} 版"))
        .collect::<Vec<_>>()
        .join("、");
    let facts = [
        (
            "期间",
            format!("{} 至 {}", report.period.from, report.period.to),
        ),
        (
            "上期",
            format!(
                "{} 至 {}",
                report.previous_period.from, report.previous_period.to
            ),
        ),
        (
            "检查表",
            format!("{}({})", report.checklist.title, report.checklist.id),
        ),
        ("检查表版本", versions),
        (
            "最少暗访次数",
            format!("{} 次(不足者列出但不排名)", report.min_visits),
        ),
        (
            "范围",
            format!(
                "{} 个营业厅,{} 个区县,{} 次暗访",
                analysis.branches.len(),
                analysis.districts.len(),
                analysis.region.visits
            ),
        ),
        (
            if analysis.is_adjusted() {
                "整体校准后得分率"
            } else {
                "整体得分率"
            },
            percent(analysis.region.rate()),
        ),
        ("得分波动", spread_fact(&analysis.uncertainty().spread)),
        (
            "生成时间",
            provenance.made_at.format("%Y-%m-%d %H:%M").to_string(),
        ),
        ("生成人", provenance.made_by.clone()),
    ];
    let hidden = (!provenance.calibration).then(|| {
        (
            "暗访员校准",
            "只提供给管理员;本工作簿不含「暗访员校准」表。".to_string(),
        )
    });
    let adjusted = analysis.is_adjusted().then(|| {
        (
            "排名口径",
            "按校准后得分率排名:各营业厅的得分率已扣除暗访员打分宽严的影响(见规则)。".to_string(),
        )
    });
    let pending = crate::app::review::pending_note(report.pending)
        .map(|note| ("待审核", format!("{note}。")));
    facts
        .into_iter()
        .chain(pending)
        .chain(adjusted)
        .chain(hidden)
        .collect()
}

/// The 说明 sheet's numbered rules: how scores, ranks and certainty are
/// worked out, and calibration where the reader sees it.
fn notes_rules(analysis: &Analysis, provenance: &Provenance) -> Vec<String> {
    let pass_mark = format_number(analysis.catalogue.pass_mark * 100.0);
    let rules = [
        "每个检查项:是否题合格得满分、不合格得 0 分;评分题取所评分数;选项题取所选选项的分数;测量题(如排队分钟数)取第一个上限不小于测量值的分档的分数。".to_string(),
        "答「不适用」的检查项既不计入得分,也不计入满分。".to_string(),
        "红线项不合格时,其所在大项(或整张检查表)的得分全部清零,满分不变。".to_string(),
        "一次暗访某项指标(整体、大项或检查项)的得分率 = 适用检查项的得分之和 ÷ 满分之和;没有适用项的指标在该次暗访中没有得分率。".to_string(),
        "营业厅的得分率 = 本期各次暗访得分率的算术平均。".to_string(),
        "区县、地市及全区的得分率 = 所辖有得分率的各营业厅得分率的算术平均,每个营业厅权重相同,与暗访次数无关。".to_string(),
        "排名按四舍五入到 0.01 个百分点的得分率从高到低排列;得分率相同者名次相同(如 1、2、2、4),同名次按网点编码排列;暗访次数不足最少次数的营业厅列出但不排名,本期未被暗访的营业厅列在最后。".to_string(),
        "前三名 / 后三名:从前往后(或从后往前)数名次不超过 3 的单位,有并列时可能多于三个。".to_string(),
        format!("短板:得分率低于达标线 {pass_mark}% 的检查项或大项。失分 = 各次暗访中(满分 − 得分)之和;失分占比 = 该项失分 ÷ 全部失分;累计占比按失分从多到少累加。"),
        "名次变化 = 上期名次 − 本期名次,↑ 表示进步,↓ 表示退步。上期为同类型的前一期(上月、上季度、上年;自定义区间向前平移相同天数)。".to_string(),
        "等候时长:平均数、中位数、90 分位数(按 Excel PERCENTILE.INC 的线性插值),超时率 = 超过满分档上限的暗访次数 ÷ 测量次数;区县按所辖营业厅的全部暗访合并计算。".to_string(),
    ];
    let certainty = [
        "为什么名次不是绝对的:一个营业厅一期通常只被暗访 3–6 次,每次的得分率因时段、值班人员和暗访员不同而上下波动,几次的平均数带有几个百分点的偶然误差;名次相差几位,往往并不说明水平真有高低。".to_string(),
        "95% 区间(区间下限至区间上限):按本期同一营业厅各次暗访得分率的波动和该单位的暗访次数算出,真实水平有 95% 的把握落在其中;暗访次数越多,区间越窄。区县、地市的区间由所辖营业厅合成。".to_string(),
        "可能名次:按各单位的 95% 区间,该单位可能排到的最好与最差名次,如「1–31」表示可能第 1 也可能第 31;只有一个数时名次是确定的。".to_string(),
        "漏斗图与信号:以全区得分率为中线,按暗访次数画出 95% 和 99.8% 控制限,次数越少越宽。得分率落在 99.8% 控制限以外的营业厅标为「显著偏高」或「显著偏低」,几乎不可能只是偶然,值得关注;控制限以内的差异可视为正常波动。".to_string(),
    ];
    let inspectors = if provenance.calibration {
        Some(format!(
            "暗访员效应与校准后得分率:同时考虑各营业厅自身水平后,某暗访员打分比平均偏高(正)或偏低(负)的百分点数,本期暗访不足 {} 次的不估计。校准后得分率 = 各次暗访得分率扣除其暗访员效应后再平均,排除「谁去暗访」的影响。",
            MIN_FITTED_VISITS
        ))
    } else {
        analysis.is_adjusted().then(|| {
            "校准后得分率:各次暗访得分率扣除该暗访员打分的平均宽严后再平均,排除「谁去暗访」的影响。".to_string()
        })
    };
    let calibration = provenance.calibration.then(|| {
        "暗访员校准:同一营业厅中,该暗访员的平均得分率减去其他暗访员的平均得分率,再对所有可比较的营业厅取平均;正数表示打分偏宽,负数表示偏严。".to_string()
    });
    rules
        .into_iter()
        .chain(certainty)
        .chain(inspectors)
        .chain(calibration)
        .collect()
}

/// The overall rate's header: the adjusted rate says so.
fn rate_header(analysis: &Analysis) -> &'static str {
    if analysis.is_adjusted() {
        "校准后得分率"
    } else {
        "得分率"
    }
}

/// This period's spread of visit rates, and what it means for how many
/// visits a hall needs.
fn spread_fact(spread: &Spread) -> String {
    match (spread.sigma, spread.visits_for_margin(0.05)) {
        (Some(sigma), Some(visits)) => format!(
            "同一营业厅各次暗访得分率的标准差 σ̂ = {} 个百分点(自由度 {});按此,一个营业厅一期约需暗访 {visits} 次,其得分率的 95% 区间才能缩小到 ±5 个百分点。",
            format_number(round4(sigma * 100.0)),
            spread.df
        ),
        _ => format!(
            "本期重复暗访太少(自由度 {},不足 2),无法估计得分率的偶然波动,因此没有 95% 区间、可能名次和信号。",
            spread.df
        ),
    }
}

fn ranking_headers(report: &RankingsReport, analysis: &Analysis) -> Vec<String> {
    let labels: &[&str] = match report.level {
        Level::Branch => &["排名", "地市", "区县", "网点编码", "网点名称", "暗访次数"],
        Level::District => &["排名", "地市", "区县", "网点数", "暗访次数"],
        Level::City => &["排名", "地市", "网点数", "暗访次数"],
    };
    let mut headers: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    headers.push(rate_header(analysis).to_string());
    headers.extend(analysis.catalogue.sections.iter().map(|s| s.title.clone()));
    headers.extend(["上期排名".to_string(), "名次变化".to_string()]);
    headers.extend(["区间下限", "区间上限", "可能名次"].map(String::from));
    if report.level == Level::Branch {
        headers.push("信号".to_string());
    }
    headers
}

/// The column of a ranking sheet that holds the unit's name.
fn name_column(level: Level) -> u16 {
    match level {
        Level::Branch => 4,
        Level::District => 2,
        Level::City => 1,
    }
}

/// The column of a ranking sheet that holds the overall rate (得分率); each
/// section's rate follows it.
fn rate_column(level: Level) -> u16 {
    match level {
        Level::Branch => 6,
        Level::District => 5,
        Level::City => 4,
    }
}

fn write_ranking(
    sheet: &mut Worksheet,
    name: &str,
    report: &RankingsReport,
    analysis: &Analysis,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let headers = ranking_headers(report, analysis);
    write_header(sheet, 0, &headers, styles)?;
    // Headers wrap onto two lines, so that the many columns of figures stay
    // narrow and the sheet prints one page wide at a readable size. (Set
    // before the next row: this sheet is written row by row.)
    sheet.set_row_height(0, 30)?;
    let total = report.top_bottom.first();
    let marked = |row: &RankingRow, list: fn(&Callout) -> &Vec<crate::app::report::CalloutUnit>| {
        total.is_some_and(|c| list(c).iter().any(|u| u.code == row.code))
    };
    let mut widths: Vec<f64> = headers
        .iter()
        .map(|h| (display_width(h) / 2.0 + 1.0).clamp(8.0, 40.0))
        .collect();
    for (i, row) in report.rows.iter().enumerate() {
        let r = i as u32 + 1;
        let (text, percent) = if marked(row, |c| &c.top) {
            (Some(&styles.text_top), &styles.percent_top)
        } else if marked(row, |c| &c.bottom) {
            (Some(&styles.text_bottom), &styles.percent_bottom)
        } else {
            (None, &styles.percent)
        };
        let write_text = |sheet: &mut Worksheet, column: u16, value: &str| match text {
            Some(format) => sheet
                .write_string_with_format(r, column, value, format)
                .map(|_| ()),
            None => sheet.write_string(r, column, value).map(|_| ()),
        };
        if let Some(rank) = row.rank {
            sheet.write_number(r, 0, rank)?;
        }
        let mut column = 1;
        let labels: Vec<String> = match report.level {
            Level::Branch => vec![
                row.city.clone().unwrap_or_default(),
                row.district.clone().unwrap_or_default(),
                row.code.clone(),
                row.name.clone(),
            ],
            Level::District => vec![row.city.clone().unwrap_or_default(), row.name.clone()],
            Level::City => vec![row.name.clone()],
        };
        for label in &labels {
            write_text(sheet, column, label)?;
            widths[usize::from(column)] = widths[usize::from(column)].max(display_width(label));
            column += 1;
        }
        if let Some(branches) = row.branches {
            sheet.write_number(r, column, branches)?;
            column += 1;
        }
        sheet.write_number(r, column, row.visits)?;
        column += 1;
        let rates = std::iter::once(row.rate).chain(row.sections.values());
        for rate in rates {
            if let Some(rate) = rate {
                sheet.write_number_with_format(r, column, rate, percent)?;
            }
            column += 1;
        }
        if let Some(previous) = row.previous_rank {
            sheet.write_number(r, column, previous)?;
        }
        if let Some(change) = row.rank_change {
            sheet.write_number_with_format(r, column + 1, change as f64, &styles.change)?;
        }
        column += 2;
        if let Some([low, high]) = row.interval {
            sheet.write_number_with_format(r, column, low, &styles.percent)?;
            sheet.write_number_with_format(r, column + 1, high, &styles.percent)?;
        }
        // One place is a number; a range is text such as 1–31.
        match row.rank_range {
            Some([best, worst]) if best == worst => {
                sheet.write_number(r, column + 2, best)?;
            }
            Some(range) => {
                sheet.write_string_with_format(r, column + 2, rank_span(range), &styles.right)?;
            }
            None => {}
        }
        if let Some(signal) = row.hall.as_ref().and_then(|h| h.signal) {
            let text = signal_text(signal);
            sheet.write_string_with_format(r, column + 3, text, signal_format(signal, styles))?;
            let width = &mut widths[usize::from(column + 3)];
            *width = width.max(display_width(text));
        }
    }
    for (column, width) in widths.iter().enumerate() {
        sheet.set_column_width(column as u16, width.min(40.0))?;
    }
    freeze_and_shade(sheet, report, analysis, headers.len() as u16 - 1, styles)
}

/// A ranking sheet's frozen key columns, its filter, and the shading of
/// its rate and rank-change columns.
fn freeze_and_shade(
    sheet: &mut Worksheet,
    report: &RankingsReport,
    analysis: &Analysis,
    last_column: u16,
    styles: &Styles,
) -> Result<(), XlsxError> {
    // Frozen while scrolling: the rank and the unit's name, with what
    // comes before it.
    let key_columns = name_column(report.level) + 1;
    let first_rate = rate_column(report.level);
    let last_row = report.rows.len() as u32;
    let change_column = first_rate + 2 + analysis.catalogue.sections.len() as u16;
    sheet.set_freeze_panes(1, key_columns)?;
    if last_row > 0 {
        sheet.autofilter(0, 0, last_row, last_column)?;
        let rate_columns = 1 + analysis.catalogue.sections.len() as u16;
        for column in first_rate..first_rate + rate_columns {
            sheet.add_conditional_format(
                1,
                column,
                last_row,
                column,
                &ConditionalFormat3ColorScale::new(),
            )?;
        }
        // 名次变化: better in dark green, worse in dark red.
        for (rule, format) in [
            (ConditionalFormatCellRule::GreaterThan(0), &styles.rise),
            (ConditionalFormatCellRule::LessThan(0), &styles.fall),
        ] {
            sheet.add_conditional_format(
                1,
                change_column,
                last_row,
                change_column,
                &ConditionalFormatCell::new()
                    .set_rule(rule)
                    .set_format(format),
            )?;
        }
    }
    Ok(())
}

/// A bar chart of the overall rate of every ranked unit of a ranking sheet.
fn rate_chart(sheet: &str, report: &RankingsReport, title: &str) -> Chart {
    let name_column = name_column(report.level);
    let rate_column = rate_column(report.level);
    let ranked = report
        .rows
        .iter()
        .filter(|r| r.rate.is_some())
        .count()
        .max(1) as u32;
    let mut chart = Chart::new(ChartType::Bar);
    chart
        .add_series()
        .set_name(title)
        .set_categories((sheet, 1, name_column, ranked, name_column))
        .set_values((sheet, 1, rate_column, ranked, rate_column));
    chart.title().set_name(title);
    chart.legend().set_hidden();
    chart.x_axis().set_num_format("0%");
    chart.y_axis().set_reverse();
    chart.set_width(560).set_height(28 * ranked.max(10) + 80);
    chart
}

fn write_top_bottom(
    sheet: &mut Worksheet,
    districts: &RankingsReport,
    branches: &RankingsReport,
    top: u32,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name("前三后三")?;
    // The sentences wrap across the detail table's columns.
    let widths = [14.0, 10.0, 8.0, 8.0, 26.0, 10.0];
    for (column, width) in widths.iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
    }
    let sentence_columns = (0, widths.len() as u16 - 1);
    let sentence_width = widths.iter().sum();
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{} 前{}名与后{}名({})",
            districts.checklist.title,
            chinese_number(top),
            chinese_number(top),
            districts.period.label
        ),
        &styles.title,
    )?;
    let mut row = 2;
    for report in [districts, branches] {
        sheet.write_string_with_format(
            row,
            0,
            format!(
                "{}:前{}名与后{}名",
                level_name(report.level),
                chinese_number(top),
                chinese_number(top)
            ),
            &styles.title,
        )?;
        row += 1;
        let districts = report.level == Level::District;
        for callout in &report.top_bottom {
            if let Some(sentence) = call_out_sentence(callout, top, districts, Lang::Zh) {
                write_paragraph(
                    sheet,
                    row,
                    sentence_columns,
                    sentence_width,
                    &sentence,
                    &styles.wrap,
                )?;
                row += 1;
            }
        }
        for sentence in summary_sentences(report, top, Lang::Zh) {
            write_paragraph(
                sheet,
                row,
                sentence_columns,
                sentence_width,
                &sentence,
                &styles.wrap_bold,
            )?;
            row += 1;
        }
        row += 1;
    }
    let headers: Vec<String> = ["指标", "层级", "类别", "名次", "单位", "得分率"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let header_row = row;
    write_header(sheet, row, &headers, styles)?;
    row += 1;
    for report in [districts, branches] {
        for callout in &report.top_bottom {
            for (kind, units, format) in [
                ("前三名", &callout.top, &styles.percent_top),
                ("后三名", &callout.bottom, &styles.percent_bottom),
            ] {
                for unit in units {
                    sheet.write_string(row, 0, &callout.title)?;
                    sheet.write_string(row, 1, level_name(report.level))?;
                    sheet.write_string(row, 2, kind)?;
                    if let Some(rank) = unit.rank {
                        sheet.write_number(row, 3, rank)?;
                    }
                    sheet.write_string(row, 4, &unit.name)?;
                    if let Some(rate) = unit.rate {
                        sheet.write_number_with_format(row, 5, rate, format)?;
                    }
                    row += 1;
                }
            }
        }
    }
    if row > header_row + 1 {
        sheet.autofilter(header_row, 0, row - 1, 5)?;
    }
    Ok(())
}

fn write_boards(
    sheet: &mut Worksheet,
    row: &mut u32,
    title: &str,
    boards: &[BoardJson],
    with_section: bool,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(*row, 0, title, &styles.title)?;
    *row += 1;
    let mut headers: Vec<String> = vec!["编码".into(), "名称".into()];
    if with_section {
        headers.push("大项".into());
    }
    headers.extend(
        ["得分率", "失分", "失分占比", "累计占比", "短板"]
            .iter()
            .map(|s| s.to_string()),
    );
    write_header(sheet, *row, &headers, styles)?;
    *row += 1;
    // A Pareto: most points lost first, with the running share.
    let mut ordered: Vec<&BoardJson> = boards.iter().collect();
    ordered.sort_by(|a, b| b.lost.total_cmp(&a.lost).then_with(|| a.code.cmp(&b.code)));
    let mut cumulative = 0.0;
    for board in ordered {
        cumulative += board.lost_share;
        let mut column = 0;
        sheet.write_string(*row, column, &board.code)?;
        column += 1;
        sheet.write_string(*row, column, &board.title)?;
        column += 1;
        if with_section {
            sheet.write_string(*row, column, board.section.as_deref().unwrap_or(""))?;
            column += 1;
        }
        let percent = if board.short {
            &styles.percent_bottom
        } else {
            &styles.percent
        };
        if let Some(rate) = board.rate {
            sheet.write_number_with_format(*row, column, rate, percent)?;
        }
        sheet.write_number(*row, column + 1, board.lost)?;
        sheet.write_number_with_format(*row, column + 2, board.lost_share, &styles.percent)?;
        sheet.write_number_with_format(
            *row,
            column + 3,
            round4(cumulative.min(1.0)),
            &styles.percent,
        )?;
        if board.short {
            sheet.write_string_with_format(*row, column + 4, "短板", &styles.text_bottom)?;
        }
        *row += 1;
    }
    *row += 1;
    Ok(())
}

fn write_short_boards(
    sheet: &mut Worksheet,
    report: &ShortboardsReport,
    weakest: &[DistrictBoards],
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name("短板分析")?;
    // Every table of the sheet shares these columns: a code, a name
    // (the wide one, as wide as the longest item title), then figures.
    let names = report
        .items
        .iter()
        .map(|b| display_width(&b.title))
        .fold(40.0, f64::max)
        .min(60.0);
    let widths = [10.0, names, 12.0, 10.0, 10.0, 10.0, 10.0, 8.0];
    for (column, width) in widths.iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
    }
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{} 短板分析({})",
            report.checklist.title, report.period.label
        ),
        &styles.title,
    )?;
    write_paragraph(
        sheet,
        1,
        (0, widths.len() as u16 - 1),
        widths.iter().sum(),
        &format!(
            "全区 {} 次暗访,整体得分率 {},达标线 {}%;按失分从多到少排列(帕累托)。",
            report.visits,
            percent(report.rate),
            format_number(report.pass_mark * 100.0)
        ),
        &styles.wrap,
    )?;
    let mut row = 3;
    write_boards(sheet, &mut row, "大项", &report.sections, false, styles)?;
    write_boards(sheet, &mut row, "检查项", &report.items, true, styles)?;
    write_weakest_by_district(sheet, &mut row, weakest, styles)?;
    write_weakest_items(sheet, row, report, styles)
}

/// One district's short boards.
struct DistrictBoards {
    district: String,
    boards: ShortboardsReport,
}

/// Each district's three weakest items, below the sheet's other tables.
fn write_weakest_by_district(
    sheet: &mut Worksheet,
    row: &mut u32,
    weakest: &[DistrictBoards],
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(*row, 0, "各区县最弱的三项", &styles.title)?;
    *row += 1;
    // The item's title goes in the wide column.
    let headers: Vec<String> = ["区县", "检查项目", "编码", "得分率", "失分", "序号"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    write_header(sheet, *row, &headers, styles)?;
    *row += 1;
    for DistrictBoards { district, boards } in weakest {
        for (i, board) in boards
            .items
            .iter()
            .filter(|b| b.rate.is_some())
            .take(3)
            .enumerate()
        {
            sheet.write_string(*row, 0, district)?;
            sheet.write_string(*row, 1, &board.title)?;
            sheet.write_string(*row, 2, &board.code)?;
            if let Some(rate) = board.rate {
                sheet.write_number_with_format(*row, 3, rate, &styles.percent)?;
            }
            sheet.write_number(*row, 4, board.lost)?;
            sheet.write_number(*row, 5, i as u32 + 1)?;
            *row += 1;
        }
    }
    *row += 1;
    Ok(())
}

/// The ten weakest items, weakest first, from `row` down, and a bar chart
/// of them below.
fn write_weakest_items(
    sheet: &mut Worksheet,
    mut row: u32,
    report: &ShortboardsReport,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, 0, "得分率最低的十项", &styles.title)?;
    row += 1;
    write_header(
        sheet,
        row,
        &["编码".into(), "检查项目".into(), "得分率".into()],
        styles,
    )?;
    let first = row + 1;
    let weakest_items: Vec<&BoardJson> = report
        .items
        .iter()
        .filter(|b| b.rate.is_some())
        .take(10)
        .collect();
    for board in &weakest_items {
        row += 1;
        sheet.write_string(row, 0, &board.code)?;
        sheet.write_string(row, 1, &board.title)?;
        if let Some(rate) = board.rate {
            sheet.write_number_with_format(row, 2, rate, &styles.percent)?;
        }
    }
    if !weakest_items.is_empty() {
        let mut chart = Chart::new(ChartType::Bar);
        chart
            .add_series()
            .set_name("得分率")
            .set_categories(("短板分析", first, 1, row, 1))
            .set_values(("短板分析", first, 2, row, 2));
        chart.title().set_name("得分率最低的十项");
        chart.legend().set_hidden();
        chart.x_axis().set_num_format("0%");
        chart.y_axis().set_reverse();
        chart.set_width(640).set_height(420);
        // Below its data, not beside the tables: see the district chart.
        sheet.insert_chart(row + 2, 0, &chart)?;
    }
    Ok(())
}

/// The funnel sheet's name, which its chart's data ranges name too.
const FUNNEL_SHEET: &str = "漏斗图";

/// Rows the funnel chart covers, below the sheet's title and note.
const FUNNEL_CHART_ROWS: u32 = 22;

/// 漏斗图: every hall's rate against its number of visits, around the
/// region's rate with the 95% and 99.8% limits for each number of visits;
/// then the halls beyond the 99.8% limits, the limits by number of visits
/// (the chart's lines) and the halls' figures (its markers).
fn write_funnel(
    sheet: &mut Worksheet,
    analysis: &Analysis,
    branches: &RankingsReport,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name(FUNNEL_SHEET)?;
    let widths = [12.0, 26.0, 10.0, 9.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0];
    for (column, width) in widths.iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
    }
    let note_columns = (0, widths.len() as u16 - 1);
    let note_width: f64 = widths.iter().sum();
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{} 漏斗图({})",
            branches.checklist.title, branches.period.label
        ),
        &styles.title,
    )?;
    let uncertainty = analysis.uncertainty();
    let spread = uncertainty.spread;
    let (Some(_), Some(target)) = (spread.sigma, analysis.region.rate()) else {
        let why = format!(
            "本期重复暗访太少(同一营业厅多次暗访的自由度为 {},不足 2),无法估计得分率的偶然波动,因此没有漏斗图,也不标「显著偏高 / 显著偏低」。",
            spread.df
        );
        return write_paragraph(sheet, 1, note_columns, note_width, &why, &styles.wrap);
    };
    write_paragraph(
        sheet,
        1,
        note_columns,
        note_width,
        &format!(
            "横轴为暗访次数,纵轴为{};中间的线为全区{} {},虚线为 95% 控制限,实线为 99.8% 控制限。暗访次数越少,偶然波动越大,控制限越宽;落在 99.8% 控制限以外的营业厅几乎不可能只是偶然,标为「显著偏高」或「显著偏低」。",
            rate_header(analysis),
            rate_header(analysis),
            percent(Some(target)),
        ),
        &styles.wrap,
    )?;
    let index: std::collections::HashMap<&str, usize> = analysis
        .branches
        .iter()
        .enumerate()
        .map(|(i, b)| (b.code.as_str(), i))
        .collect();
    let funnel = analysis.funnel();
    let halls: Vec<FunnelHall<'_>> = branches
        .rows
        .iter()
        .filter_map(|row| {
            let i = *index.get(row.code.as_str())?;
            Some(FunnelHall {
                row,
                rate: row.rate?,
                visits: uncertainty.rated[i],
                limits: funnel[i]?,
            })
        })
        .collect();

    let mut row = 2 + FUNNEL_CHART_ROWS;
    write_signalled(sheet, &mut row, &halls, styles)?;
    let most = halls.iter().map(|h| h.visits).max().unwrap_or(1);
    let lines = write_limit_lines(sheet, &mut row, &spread, target, most, styles)?;
    row += 2;
    let markers = write_funnel_halls(sheet, &mut row, &halls, styles)?;
    let lowest = halls
        .iter()
        .map(|h| h.rate)
        .chain(spread.limits(target, 1).map(|l| l.outer.low))
        .fold(target, f64::min);
    let chart = funnel_chart(analysis, lines, markers, most, lowest);
    sheet.insert_chart(2, 0, &chart)?;
    Ok(())
}

/// A hall of the report with a rate: its visits with a rate (what the
/// limits rest on) and its limits.
struct FunnelHall<'r> {
    row: &'r RankingRow,
    rate: f64,
    visits: usize,
    limits: Limits,
}

/// First and last sheet row of a chart's data.
#[derive(Clone, Copy)]
struct DataRows {
    from: u32,
    to: u32,
}

/// The halls beyond the 99.8% limits, or a line saying there are none.
fn write_signalled(
    sheet: &mut Worksheet,
    row: &mut u32,
    halls: &[FunnelHall<'_>],
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(*row, 0, "显著偏高 / 显著偏低的营业厅", &styles.title)?;
    *row += 1;
    let signalled: Vec<_> = halls
        .iter()
        .filter_map(|h| Some((h, h.row.hall.as_ref()?.signal?)))
        .collect();
    if signalled.is_empty() {
        sheet.write_string(*row, 0, "本期没有营业厅超出 99.8% 控制限。")?;
        *row += 1;
    } else {
        let headers = ["网点编码", "网点名称", "区县", "暗访次数", "得分率", "信号"];
        write_header(sheet, *row, &headers.map(String::from), styles)?;
        *row += 1;
        for (hall, signal) in signalled {
            write_hall(sheet, *row, hall, styles)?;
            sheet.write_string_with_format(
                *row,
                5,
                signal_text(signal),
                signal_format(signal, styles),
            )?;
            *row += 1;
        }
    }
    *row += 1;
    Ok(())
}

/// A funnel hall's code, name, district, visits and rate, from column A.
fn write_hall(
    sheet: &mut Worksheet,
    row: u32,
    hall: &FunnelHall<'_>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, &hall.row.code)?;
    sheet.write_string(row, 1, &hall.row.name)?;
    sheet.write_string(row, 2, hall.row.district.as_deref().unwrap_or(""))?;
    sheet.write_number(row, 3, hall.visits as f64)?;
    sheet.write_number_with_format(row, 4, hall.rate, &styles.percent)?;
    Ok(())
}

const LIMIT_HEADERS: [&str; 4] = ["95% 下限", "95% 上限", "99.8% 下限", "99.8% 上限"];

/// The limits for each number of visits up to `most`: the chart's lines.
fn write_limit_lines(
    sheet: &mut Worksheet,
    row: &mut u32,
    spread: &Spread,
    target: f64,
    most: usize,
    styles: &Styles,
) -> Result<DataRows, XlsxError> {
    sheet.write_string_with_format(*row, 0, "各暗访次数的控制限", &styles.title)?;
    *row += 1;
    let mut headers = vec!["暗访次数".to_string(), "目标".to_string()];
    headers.extend(LIMIT_HEADERS.map(String::from));
    write_header(sheet, *row, &headers, styles)?;
    let from = *row + 1;
    for visits in 1..=most {
        *row += 1;
        sheet.write_number(*row, 0, visits as f64)?;
        if let Some(limits) = spread.limits(target, visits) {
            write_limits(sheet, *row, 1, &limits, styles)?;
        }
    }
    Ok(DataRows { from, to: *row })
}

/// Every hall's figures and limits: the chart's markers.
fn write_funnel_halls(
    sheet: &mut Worksheet,
    row: &mut u32,
    halls: &[FunnelHall<'_>],
    styles: &Styles,
) -> Result<DataRows, XlsxError> {
    sheet.write_string_with_format(*row, 0, "各营业厅", &styles.title)?;
    *row += 1;
    let mut headers: Vec<String> = ["网点编码", "网点名称", "区县", "暗访次数", "得分率", "目标"]
        .map(String::from)
        .to_vec();
    headers.extend(LIMIT_HEADERS.map(String::from));
    write_header(sheet, *row, &headers, styles)?;
    let from = *row + 1;
    for hall in halls {
        *row += 1;
        write_hall(sheet, *row, hall, styles)?;
        write_limits(sheet, *row, 5, &hall.limits, styles)?;
    }
    Ok(DataRows {
        from,
        to: (*row).max(from),
    })
}

/// The funnel chart: the halls as markers over the target and limit
/// lines; the rate axis reaches the 10 points below `lowest`.
fn funnel_chart(
    analysis: &Analysis,
    lines: DataRows,
    markers: DataRows,
    most: usize,
    lowest: f64,
) -> Chart {
    let mut chart = Chart::new(ChartType::ScatterStraight);
    chart
        .add_series()
        .set_name("营业厅")
        .set_categories((FUNNEL_SHEET, markers.from, 3, markers.to, 3))
        .set_values((FUNNEL_SHEET, markers.from, 4, markers.to, 4))
        .set_format(ChartFormat::new().set_no_line())
        .set_marker(
            ChartMarker::new()
                .set_type(ChartMarkerType::Circle)
                .set_size(5)
                .set_format(
                    ChartFormat::new()
                        .set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(0x2F5597)))
                        .set_no_line(),
                ),
        );
    let target_line = format!("全区{}", rate_header(analysis));
    let series = [
        (
            target_line.as_str(),
            1,
            Color::RGB(0x404040),
            ChartLineDashType::Solid,
        ),
        (
            "95% 控制限",
            2,
            Color::RGB(0xED7D31),
            ChartLineDashType::Dash,
        ),
        ("95% 上限", 3, Color::RGB(0xED7D31), ChartLineDashType::Dash),
        (
            "99.8% 控制限",
            4,
            Color::RGB(0xC00000),
            ChartLineDashType::Solid,
        ),
        (
            "99.8% 上限",
            5,
            Color::RGB(0xC00000),
            ChartLineDashType::Solid,
        ),
    ];
    for (name, column, color, dash) in series {
        chart
            .add_series()
            .set_name(name)
            .set_categories((FUNNEL_SHEET, lines.from, 0, lines.to, 0))
            .set_values((FUNNEL_SHEET, lines.from, column, lines.to, column))
            .set_format(
                ChartFormat::new().set_line(
                    ChartLine::new()
                        .set_color(color)
                        .set_width(1.5)
                        .set_dash_type(dash),
                ),
            );
    }
    chart.title().set_name("漏斗图:得分率与暗访次数");
    // Each pair of limits is named once.
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.legend().delete_entries(&[3, 5]);
    // Whole visits, at most a dozen ticks.
    chart
        .x_axis()
        .set_name("暗访次数")
        .set_min(0)
        .set_major_unit((most as f64 / 12.0).ceil());
    chart
        .y_axis()
        .set_name(rate_header(analysis))
        .set_num_format("0%")
        .set_min((lowest * 10.0).floor() / 10.0)
        .set_max(1);
    chart.set_width(800).set_height(20 * FUNNEL_CHART_ROWS - 10);
    chart
}

/// A funnel's target and limits in four percentages from `column` on.
fn write_limits(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    limits: &Limits,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let values = [
        limits.target,
        limits.inner.low,
        limits.inner.high,
        limits.outer.low,
        limits.outer.high,
    ];
    for (offset, value) in values.into_iter().enumerate() {
        sheet.write_number_with_format(
            row,
            column + offset as u16,
            round4(value),
            &styles.percent,
        )?;
    }
    Ok(())
}

fn write_waits(
    sheet: &mut Worksheet,
    district_waits: &[crate::app::report::WaitJson],
    branches: &RankingsReport,
    analysis: &Analysis,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name("等候时长")?;
    let headers: Vec<String> = [
        "检查项",
        "层级",
        "区县",
        "网点编码",
        "名称",
        "测量次数",
        "平均",
        "中位数",
        "90分位",
        "超时率",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    write_header(sheet, 0, &headers, styles)?;
    set_widths(sheet, &headers)?;
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(4, 22)?;
    sheet.set_freeze_panes(1, 0)?;
    let district_of: std::collections::HashMap<&str, &str> = analysis
        .branches
        .iter()
        .map(|b| (b.code.as_str(), b.district.as_str()))
        .collect();
    // The figures' formats are their columns': a sheet of ten times the
    // country has a million figures, and a format given with each is
    // looked up each time.
    for column in 6..=8 {
        sheet.set_column_format(column, &styles.decimal)?;
    }
    sheet.set_column_format(9, &styles.percent)?;
    // Rows come item by item: an item's label is made when it changes.
    let mut label = (String::new(), String::new());
    let mut row = 1;
    for (level, waits) in [
        (Level::District, district_waits),
        (Level::Branch, &branches.waits),
    ] {
        for wait in waits {
            if label.0 != wait.item {
                label = (
                    wait.item.clone(),
                    format!("{} {}({})", wait.item, wait.title, wait.unit),
                );
            }
            sheet.write_string(row, 0, &label.1)?;
            sheet.write_string(row, 1, level_name(level))?;
            let district = match level {
                Level::Branch => district_of.get(wait.code.as_str()).copied().unwrap_or(""),
                _ => wait.name.as_str(),
            };
            sheet.write_string(row, 2, district)?;
            if level == Level::Branch {
                sheet.write_string(row, 3, &wait.code)?;
            }
            sheet.write_string(row, 4, &wait.name)?;
            sheet.write_number(row, 5, wait.count as f64)?;
            sheet.write_number(row, 6, wait.mean)?;
            sheet.write_number(row, 7, wait.median)?;
            sheet.write_number(row, 8, wait.p90)?;
            if let Some(share) = wait.over_share {
                sheet.write_number(row, 9, share)?;
            }
            row += 1;
        }
    }
    if row > 1 {
        sheet.autofilter(0, 0, row - 1, 9)?;
    }
    Ok(())
}

/// The widths of 整改跟踪's columns; longer item titles and evidence wrap
/// within them rather than widen the printed page.
const TICKET_WIDTHS: [f64; 8] = [10.0, 20.0, 10.0, 32.0, 12.0, 13.0, 8.0, 32.0];

/// 整改跟踪: the figures of every district, then every ticket still open,
/// overdue first. The row of the tickets' header.
fn write_rectification(
    sheet: &mut Worksheet,
    analysis: &Analysis,
    tickets: &[Ticket],
    today: chrono::NaiveDate,
    styles: &Styles,
) -> Result<u32, XlsxError> {
    sheet.set_name("整改跟踪")?;
    for (column, width) in TICKET_WIDTHS.iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
    }
    let headers: Vec<String> = [
        "区县",
        "整改单",
        "按期回复",
        "复查通过",
        "顽固短板",
        "逾期",
        "未办结",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    write_header(sheet, 0, &headers, styles)?;
    sheet.set_freeze_panes(1, 0)?;
    let tallies = tally(tickets, today);
    let mut row = 1;
    let rows = tallies
        .districts
        .iter()
        .map(|(name, t)| (name.as_str(), t, None))
        .chain([("合计", &tallies.total, Some(&styles.label))]);
    for (name, t, format) in rows {
        let figures = [
            t.tickets,
            t.answered_on_time,
            t.verified,
            t.repeated,
            t.overdue,
            t.open,
        ];
        match format {
            Some(format) => sheet.write_string_with_format(row, 0, name, format)?,
            None => sheet.write_string(row, 0, name)?,
        };
        for (column, figure) in figures.into_iter().enumerate() {
            sheet.write_number(row, column as u16 + 1, f64::from(figure))?;
        }
        row += 1;
    }

    // A blank row, the list's title, then its header.
    let header = row + 2;
    let mut row = write_open_tickets(sheet, row + 1, analysis, tickets, today, styles)?;
    row += 2;
    for note in [
        "按期回复:在整改期限内回复;复查通过:期间结束后首次检查该项的暗访不失分;顽固短板:首次复查该项仍失分。",
        "逾期:已过整改期限仍未回复(等待申诉结果的除外);未办结:待整改、已回复待总部处理和顽固短板。",
    ] {
        sheet.write_string(row, 0, note)?;
        row += 1;
    }
    Ok(header)
}

/// The open tickets of 整改跟踪 from `row` on, overdue first; the row
/// after the last.
fn write_open_tickets(
    sheet: &mut Worksheet,
    mut row: u32,
    analysis: &Analysis,
    tickets: &[Ticket],
    today: chrono::NaiveDate,
    styles: &Styles,
) -> Result<u32, XlsxError> {
    sheet.write_string_with_format(row, 0, "未办结的整改单", &styles.label)?;
    row += 1;
    let headers: Vec<String> = [
        "网点编码",
        "网点名称",
        "区县",
        "检查项",
        "状态",
        "整改期限",
        "逾期",
        "暗访",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    write_header(sheet, row, &headers, styles)?;
    let titles: std::collections::HashMap<&str, &str> = analysis
        .versions
        .iter()
        .rev()
        .flat_map(|c| c.items().map(|(_, i)| (i.code.as_str(), i.title.as_str())))
        .collect();
    let late = styles.text_bottom.clone().set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);
    let mut open: Vec<&Ticket> = tickets.iter().filter(|t| t.status.is_open()).collect();
    open.sort_by_key(|t| (!t.is_overdue(today), t.due, &t.district, &t.branch_code));
    for ticket in open {
        row += 1;
        let overdue = ticket.is_overdue(today);
        let mut status = ticket.status.label().to_string();
        if ticket.under_appeal {
            status.push_str("(申诉中)");
        }
        let item = match titles.get(ticket.item_code.as_str()) {
            Some(title) => format!("{} {title}", ticket.item_code),
            None => ticket.item_code.clone(),
        };
        let cells = [
            ticket.branch_code.clone(),
            ticket.branch_name.clone(),
            ticket.district.clone(),
            item,
            status,
            ticket.due.to_string(),
            if overdue { "是" } else { "否" }.to_string(),
            ticket.visits.join("、"),
        ];
        let mut lines: f64 = 1.0;
        for (column, (text, width)) in cells.iter().zip(TICKET_WIDTHS).enumerate() {
            let needed = (display_width(text) / width).ceil();
            let format = if column == 6 && overdue {
                &late
            } else if needed > 1.0 {
                &styles.wrap
            } else {
                &top
            };
            sheet.write_string_with_format(row, column as u16, text, format)?;
            lines = lines.max(needed);
        }
        // Set even for one line: LibreOffice would otherwise size a row of
        // top-aligned Chinese text as if it held two.
        sheet.set_row_height(row, 16.0 * lines)?;
    }
    Ok(row)
}

fn write_calibration(
    sheet: &mut Worksheet,
    report: &RankingsReport,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name("暗访员校准")?;
    let headers: Vec<String> = [
        "暗访员",
        "暗访次数",
        "平均得分率",
        "与他人偏差",
        "暗访员效应",
        "比较网点数",
        "同厅暗访次数",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    write_header(sheet, 0, &headers, styles)?;
    set_widths(sheet, &headers)?;
    // Where an offset would stand, beside the numbers of its column.
    let too_few = Format::new().set_align(FormatAlign::Right);
    for (i, c) in report.calibration.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &c.inspector)?;
        sheet.write_number(row, 1, c.visits as f64)?;
        sheet.write_number_with_format(row, 2, c.mean_rate, &styles.percent)?;
        match c.offset {
            Some(offset) => sheet.write_number_with_format(row, 3, offset, &styles.offset)?,
            None => sheet.write_string_with_format(row, 3, "样本不足", &too_few)?,
        };
        let effect = report
            .inspectors
            .iter()
            .find(|e| e.name == c.inspector)
            .and_then(|e| e.effect);
        match effect {
            Some(effect) => sheet.write_number_with_format(row, 4, effect, &styles.offset)?,
            None => sheet.write_string_with_format(row, 4, "样本不足", &too_few)?,
        };
        sheet.write_number(row, 5, c.halls_compared as f64)?;
        sheet.write_number(row, 6, c.shared_visits as f64)?;
    }
    let last = report.calibration.len() as u32;
    sheet.write_string(
        last + 2,
        0,
        "与他人偏差:同一营业厅中本人平均得分率减去其他暗访员的平均得分率,再对可比较的营业厅取平均;正数偏宽,负数偏严。",
    )?;
    sheet.write_string(
        last + 3,
        0,
        format!(
            "同厅暗访次数:本人在也有其他暗访员去过的营业厅的暗访次数;不足 {} 次时偏差多是偶然,记为「样本不足」。",
            crate::domain::calibration::MIN_SHARED_VISITS
        ),
    )?;
    sheet.write_string(
        last + 4,
        0,
        format!(
            "暗访员效应:同时考虑各营业厅自身水平后,本人打分比平均偏高(+)或偏低(−)的百分点数,校准后得分率即扣除它后的得分率;本期暗访不足 {MIN_FITTED_VISITS} 次的不估计,记为「样本不足」。"
        ),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The styles are nothing but formats, and `Styles::all` names every
    /// one of them: a style added and not listed would not be registered
    /// before the sheets are written side by side.
    #[test]
    fn every_style_is_registered() {
        let styles = Styles::new();
        assert_eq!(
            std::mem::size_of::<Styles>(),
            styles.all().len() * std::mem::size_of::<Format>()
        );
        let all = styles.all();
        for (i, a) in all.iter().enumerate() {
            assert!(
                all[i + 1..].iter().all(|b| !std::ptr::eq(*a, *b)),
                "style {i} listed twice"
            );
        }
    }
}
