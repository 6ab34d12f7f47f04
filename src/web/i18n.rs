//! Every user-facing string of the web pages, in Simplified Chinese first
//! and English second. Templates take a `&Text`.

use std::fmt::Display;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

pub use crate::domain::lang::Lang;

use crate::domain::checklist::{Checklist, Critical};
use crate::domain::rectify::Status as TicketStatus;
use crate::domain::review::{Status, status_word};
use crate::domain::scoring::RedLine;
use crate::domain::uncertainty::Signal;

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The language chosen with the switch (a cookie), else the browser's
    /// first preference if it is English, else Chinese.
    fn of(parts: &Parts) -> Lang {
        let jar = CookieJar::from_headers(&parts.headers);
        match jar.get("lang").map(|c| c.value()) {
            Some("en") => return Lang::En,
            Some("zh") => return Lang::Zh,
            _ => {}
        }
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.trim_start().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang::of(parts))
    }
}

/// The strings. Field names say where they appear.
pub struct Text {
    pub app_name: &'static str,
    pub switch_language: &'static str,
    pub other_lang: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub user_name: &'static str,
    pub password: &'static str,
    pub sign_in_failed: &'static str,
    pub sign_in_throttled: &'static str,
    pub session_expired: &'static str,
    pub no_admin_yet: &'static str,
    pub error_unauthorized: &'static str,
    pub error_forbidden: &'static str,
    pub error_not_found: &'static str,
    pub error_csrf: &'static str,
    pub back_home: &'static str,
    pub nav_inspect: &'static str,
    pub nav_tasks: &'static str,
    pub nav_dashboard: &'static str,
    pub nav_imports: &'static str,
    pub nav_plans: &'static str,
    pub nav_audit: &'static str,
    pub nav_appeals: &'static str,
    pub nav_reviews: &'static str,
    pub pick_hall: &'static str,
    pub search_hall: &'static str,
    pub no_match: &'static str,
    pub recent_halls: &'static str,
    pub all_halls: &'static str,
    pub start_visit: &'static str,
    pub drafts: &'static str,
    pub no_drafts: &'static str,
    pub discard: &'static str,
    pub discard_draft: &'static str,
    pub discard_confirm: &'static str,
    pub my_visits: &'static str,
    pub no_visits: &'static str,
    pub tasks_today: &'static str,
    pub tasks_coming: &'static str,
    pub tasks_overdue: &'static str,
    pub no_tasks_today: &'static str,
    pub no_tasks: &'static str,
    pub task_done: &'static str,
    pub task_open: &'static str,
    pub task_peak: &'static str,
    pub task_start: &'static str,
    pub task_of: &'static str,
    pub unplanned: &'static str,
    pub unplanned_visit: &'static str,
    pub tasks_offline_copy: &'static str,
    pub continue_draft: &'static str,
    pub hall: &'static str,
    pub visited_at: &'static str,
    pub inspector: &'static str,
    pub rate: &'static str,
    pub progress: &'static str,
    pub answered: &'static str,
    pub required_missing: &'static str,
    pub unanswered: &'static str,
    pub fix_before_submit: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub not_applicable: &'static str,
    pub item_note: &'static str,
    pub add_photo: &'static str,
    pub visit_photos: &'static str,
    pub visit_notes: &'static str,
    pub stopwatch: &'static str,
    pub stopwatch_take: &'static str,
    pub stopwatch_call: &'static str,
    pub stopwatch_done: &'static str,
    pub stopwatch_reset: &'static str,
    pub stopwatch_reset_confirm: &'static str,
    pub stopwatch_take_first: &'static str,
    pub stopwatch_call_first: &'static str,
    pub review: &'static str,
    pub back_to_form: &'static str,
    pub submit: &'static str,
    pub saved_locally: &'static str,
    pub saved_server: &'static str,
    pub offline: &'static str,
    pub queued: &'static str,
    pub submitting: &'static str,
    pub submit_failed: &'static str,
    pub submit_failed_fix: &'static str,
    pub score: &'static str,
    pub sections: &'static str,
    pub lost: &'static str,
    pub answers: &'static str,
    pub code: &'static str,
    pub item: &'static str,
    pub answer: &'static str,
    pub points: &'static str,
    pub earned: &'static str,
    pub zeroed: &'static str,
    pub notes: &'static str,
    pub photos: &'static str,
    pub history: &'static str,
    pub checklist: &'static str,
    pub min_photos_rule: &'static str,
    pub comment_rule: &'static str,
    pub preview_offline: &'static str,
    pub minutes: &'static str,
    // The dashboard and the hall and county pages.
    pub period: &'static str,
    pub custom_from: &'static str,
    pub custom_to: &'static str,
    pub show: &'static str,
    pub visit_count: &'static str,
    pub download_rankings: &'static str,
    pub download_visits: &'static str,
    pub top_and_bottom: &'static str,
    pub callout_metric: &'static str,
    pub top_three: &'static str,
    pub bottom_three: &'static str,
    pub callout_sentences: &'static str,
    pub district_ranking: &'static str,
    pub hall_ranking: &'static str,
    pub rank: &'static str,
    pub district: &'static str,
    pub branch_count: &'static str,
    pub previous_rank: &'static str,
    pub rank_change: &'static str,
    /// The rank column's header when it shows possible ranks too.
    pub rank_with_range: &'static str,
    /// Under a ranking: what the ranks in brackets and the bars mean.
    pub rank_range_note: &'static str,
    /// The dashboard's hall table a page at a time: its search, county
    /// choice and page links.
    pub hall_search: &'static str,
    pub hall_search_hint: &'static str,
    pub all_districts: &'static str,
    pub hall_filter: &'static str,
    pub clear_hall_filter: &'static str,
    pub hall_pages: &'static str,
    pub ticket_pages: &'static str,
    pub previous_page: &'static str,
    pub next_page: &'static str,
    pub interval_95: &'static str,
    pub possible_ranks: &'static str,
    /// The inspector-adjusted rate's column (admins only).
    pub adjusted_rate: &'static str,
    pub adjust_switch: &'static str,
    /// A unit page's rank label when reached from the adjusted ranking.
    pub rank_by_adjusted: &'static str,
    pub adjusted_note: &'static str,
    pub adjust_admin_only: &'static str,
    pub funnel_heading: &'static str,
    pub funnel_visits_axis: &'static str,
    pub funnel_inner: &'static str,
    pub funnel_outer: &'static str,
    pub funnel_help: &'static str,
    pub signal_above: &'static str,
    pub signal_below: &'static str,
    pub funnel_none_outside: &'static str,
    pub weakest_heading: &'static str,
    pub weakest_items: &'static str,
    pub pareto: &'static str,
    pub lost_points: &'static str,
    pub cumulative: &'static str,
    pub waits_heading: &'static str,
    pub waits_by_city: &'static str,
    /// Where every county's and hall's waits are.
    pub waits_note: &'static str,
    pub city_column: &'static str,
    pub show_every_district: &'static str,
    pub check_item: &'static str,
    pub wait_count: &'static str,
    pub mean: &'static str,
    pub median: &'static str,
    pub p90: &'static str,
    pub over_share: &'static str,
    pub calibration: &'static str,
    pub mean_rate: &'static str,
    pub offset: &'static str,
    /// In place of an offset resting on too few visits.
    pub too_few_visits: &'static str,
    pub halls_compared: &'static str,
    pub shared_visits: &'static str,
    pub region: &'static str,
    pub trend: &'static str,
    /// Under the trend: what its whiskers are.
    pub trend_whiskers: &'static str,
    pub weakest_here: &'static str,
    pub comparison_heading: &'static str,
    pub here: &'static str,
    pub period_visits: &'static str,
    // The appeals page and the appeal form of a visit.
    pub publish_heading: &'static str,
    pub publish_help: &'static str,
    pub appeal_days: &'static str,
    pub publish: &'static str,
    pub version: &'static str,
    pub published_at: &'static str,
    pub published_by: &'static str,
    pub window_and_changes: &'static str,
    pub appeal_deadline: &'static str,
    pub no_appeals: &'static str,
    pub visit: &'static str,
    pub requested_answer: &'static str,
    pub reason: &'static str,
    pub filed_by: &'static str,
    pub status: &'static str,
    pub decision: &'static str,
    pub was: &'static str,
    pub status_open: &'static str,
    pub status_accepted: &'static str,
    pub status_rejected: &'static str,
    pub reject_reason: &'static str,
    pub accept: &'static str,
    pub confirm_accept: &'static str,
    pub reviews_heading: &'static str,
    pub reviews_help: &'static str,
    pub no_pending: &'static str,
    pub flags_heading: &'static str,
    pub no_flags: &'static str,
    pub accept_unflagged: &'static str,
    pub confirm_accept_unflagged: &'static str,
    pub review_accept: &'static str,
    pub review_return: &'static str,
    pub review_exclude: &'static str,
    pub return_comment: &'static str,
    pub exclude_reason: &'static str,
    pub review_comment: &'static str,
    pub returned_heading: &'static str,
    pub returned_help: &'static str,
    pub fix_and_resubmit: &'static str,
    pub review_decide: &'static str,
    pub reject: &'static str,
    pub appeal: &'static str,
    pub change_to: &'static str,
    pub requested_hint: &'static str,
    pub photo_optional: &'static str,
    pub file_appeal: &'static str,
    pub appeal_reason_short: &'static str,
    pub appeal_photo_type: &'static str,
    pub appeal_unpublished: &'static str,
    pub reject_needs_reason: &'static str,
    // 整改: the tickets' list and page, the dashboard's and the hall page's views.
    pub nav_rectify: &'static str,
    pub rectify_help: &'static str,
    pub rectify_published_periods: &'static str,
    pub rectify_no_tickets: &'static str,
    pub rectify_dashboard_unpublished: &'static str,
    pub rectify_dashboard_link: &'static str,
    pub tally_scope: &'static str,
    pub only_district: &'static str,
    pub every_district: &'static str,
    pub tally_tickets: &'static str,
    pub tally_on_time: &'static str,
    pub tally_verified: &'static str,
    pub tally_repeated: &'static str,
    pub tally_overdue: &'static str,
    pub tally_open: &'static str,
    pub total: &'static str,
    pub ticket_due_col: &'static str,
    pub evidence_visits: &'static str,
    pub overdue_mark: &'static str,
    pub repeated_mark: &'static str,
    pub under_appeal_mark: &'static str,
    pub open_ticket: &'static str,
    pub ticket_opened: &'static str,
    pub ticket_response: &'static str,
    pub ticket_decision: &'static str,
    pub ticket_recheck: &'static str,
    pub ticket_history: &'static str,
    pub ticket_photos: &'static str,
    pub no_ticket_photos: &'static str,
    pub respond_heading: &'static str,
    pub respond_text: &'static str,
    pub respond_photos: &'static str,
    pub respond_submit: &'static str,
    pub decide_heading: &'static str,
    pub decide_comment: &'static str,
    pub close_ticket: &'static str,
    pub reopen_ticket: &'static str,
    pub ticket_action_unknown: &'static str,
    pub ticket_photos_only_with_response: &'static str,
    pub hall_open_tickets: &'static str,
    pub recheck_mark: &'static str,
    pub recheck_note: &'static str,
    pub problem_heading: &'static str,
    // The visit form.
    pub critical: &'static str,
    // The upload page.
    pub sheet: &'static str,
    pub row: &'static str,
    pub column: &'static str,
    pub header: &'static str,
    pub value: &'static str,
    pub cause: &'static str,
    pub roster: &'static str,
    pub spreadsheet_file: &'static str,
    pub dry_run: &'static str,
    pub upload_roster: &'static str,
    pub visit_results: &'static str,
    pub replace_visits: &'static str,
    pub upload_visits: &'static str,
    pub scoring_rules: &'static str,
    pub checklist_file: &'static str,
    pub checklist_id: &'static str,
    pub title: &'static str,
    pub pass_mark: &'static str,
    pub load_checklist: &'static str,
    pub blank_template: &'static str,
    pub download_checklist_sheet: &'static str,
    pub roster_guide: &'static str,
    pub visits_guide: &'static str,
    pub checklist_guide: &'static str,
    pub choose_file: &'static str,
    // The visit plan page.
    pub plans_heading: &'static str,
    pub plan_make_heading: &'static str,
    pub plan_guide: &'static str,
    pub visits_per_hall: &'static str,
    pub plan_inspectors: &'static str,
    pub lockout_days: &'static str,
    pub max_per_day: &'static str,
    pub peak_share: &'static str,
    pub seed: &'static str,
    pub replace_plan: &'static str,
    pub make_plan: &'static str,
    pub no_plan: &'static str,
    pub coverage_heading: &'static str,
    pub coverage_by_district: &'static str,
    pub coverage_by_hall: &'static str,
    pub coverage_note: &'static str,
    pub planned: &'static str,
    pub done: &'static str,
    pub missing: &'static str,
    pub overdue: &'static str,
    pub done_share: &'static str,
    pub overdue_heading: &'static str,
    pub no_overdue: &'static str,
    pub plan_date: &'static str,
    pub time_window: &'static str,
    pub kind: &'static str,
    pub kind_visit: &'static str,
    pub kind_revisit: &'static str,
    pub download_plan: &'static str,
    pub revisit_heading: &'static str,
    pub revisit_guide: &'static str,
    pub revisit_window: &'static str,
    pub add_revisit: &'static str,
    // The audit log.
    pub audit_log: &'static str,
    pub actor: &'static str,
    pub action: &'static str,
    pub entity: &'static str,
    pub date_from: &'static str,
    pub date_to: &'static str,
    pub filter: &'static str,
    pub time: &'static str,
    pub entity_id: &'static str,
    pub audit_change: &'static str,
    /// The language itself, for the sentences built by the methods below.
    pub lang: Lang,
}

/// `n` and a noun, singular or plural, for the English sentences.
fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The sentences with numbers or names in them. Chinese output is the same
/// as it always was; English reads naturally.
impl Text {
    /// A date range: "2024-07-01 至 2024-09-30".
    pub fn date_range(&self, from: impl Display, to: impl Display) -> String {
        match self.lang {
            Lang::Zh => format!("{from} 至 {to}"),
            Lang::En => format!("{from} to {to}"),
        }
    }

    /// The dashboard's line under the filters: the period's dates, the
    /// previous period's and the checklist.
    pub fn period_line(&self, current: &str, previous: &str, checklist: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{current}(上期 {previous})· {checklist}"),
            Lang::En => format!("{current} (previous period {previous}) · {checklist}"),
        }
    }

    /// Under the inspector calibration table: what an offset is, and why
    /// some inspectors have none.
    pub fn calibration_note(&self) -> String {
        let min = crate::domain::calibration::MIN_SHARED_VISITS;
        match self.lang {
            Lang::Zh => format!(
                "与他人偏差:在同一营业厅,本人平均得分率减去其他暗访员的平均得分率;正数偏宽,负数偏严。同厅暗访不足 {min} 次时偏差多是偶然,记为「样本不足」。"
            ),
            Lang::En => format!(
                "Offset: at the same halls, this inspector's mean score rate minus the others'; positive is lenient, negative strict. With fewer than {min} visits at halls shared with others, an offset is mostly chance and is not given."
            ),
        }
    }

    /// A funnel point's text: the hall, its visits and its rate.
    pub fn funnel_point(&self, hall: &str, visits: usize, rate: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{hall}:暗访 {visits} 次,得分率 {rate}"),
            Lang::En => format!(
                "{hall}: {}, rate {rate}",
                counted(visits, "visit", "visits")
            ),
        }
    }

    /// The funnel's average line: "全区 75.0%".
    pub fn funnel_average(&self, rate: &str) -> String {
        format!("{} {rate}", self.region)
    }

    /// A visit's review status in a word.
    pub fn review_status(&self, status: Status) -> &'static str {
        match self.lang {
            Lang::Zh => status_word(status),
            Lang::En => match status {
                Status::Pending => "pending review",
                Status::Accepted => "accepted",
                Status::Returned => "returned",
                Status::Excluded => "excluded",
            },
        }
    }

    /// What the queue says after `count` visits were left in `status`.
    pub fn reviewed(&self, status: Status, count: usize) -> String {
        match self.lang {
            Lang::Zh => format!("{count} 次暗访{}", status_word(status)),
            Lang::En => format!("{count} visit(s) {}", self.review_status(status)),
        }
    }

    /// Visits of the period still waiting for review, which no figure of
    /// the page counts.
    pub fn pending_visits(&self, pending: usize) -> String {
        match self.lang {
            Lang::Zh => format!(
                "另有 {pending} 次暗访待审核,审核通过前不计入本页的任何数字;有待审核暗访的期间不能发布。"
            ),
            Lang::En => format!(
                "{pending} more visits are waiting for review: no figure on this page counts them until they are accepted, and the period cannot be published before."
            ),
        }
    }

    /// In place of a funnel and intervals when the spread is unknown.
    pub fn no_spread(&self, df: usize) -> String {
        match self.lang {
            Lang::Zh => format!(
                "本期同一营业厅的重复暗访太少(自由度 {df},至少需要 2),无法估计得分率的偶然波动,因此没有漏斗图、95% 区间和可能名次。"
            ),
            Lang::En => format!(
                "Too few repeat visits to the same hall this period (degrees of freedom {df}, at least 2 needed) to tell how much rates move by chance: no funnel, 95% intervals or possible ranks."
            ),
        }
    }

    /// A ranking row's interval bar, read aloud and on hover.
    pub fn interval_title(&self, rate: &str, low: &str, high: &str) -> String {
        match self.lang {
            Lang::Zh => format!("得分率 {rate},95% 区间 {low}–{high}"),
            Lang::En => format!("Rate {rate}, 95% interval {low}–{high}"),
        }
    }

    /// A hall page's funnel line: outside the 99.8% limits or within.
    pub fn hall_signal(&self, signal: Option<Signal>, region: &str) -> String {
        match (self.lang, signal) {
            (Lang::Zh, Some(Signal::Above)) => {
                format!("显著偏高:高于全区({region})的 99.8% 控制限,差距很难用偶然解释。")
            }
            (Lang::Zh, Some(Signal::Below)) => {
                format!("显著偏低:低于全区({region})的 99.8% 控制限,差距很难用偶然解释。")
            }
            (Lang::Zh, None) => {
                format!("在全区({region})的 99.8% 控制限以内:与全区的差距可能出于偶然。")
            }
            (Lang::En, Some(Signal::Above)) => format!(
                "Significantly high: above the 99.8% limit around the region's {region}; more than chance explains."
            ),
            (Lang::En, Some(Signal::Below)) => format!(
                "Significantly low: below the 99.8% limit around the region's {region}; more than chance explains."
            ),
            (Lang::En, None) => format!(
                "Within the 99.8% limits around the region's {region}: the difference may be chance."
            ),
        }
    }

    /// An audit log's word for an action, a kind of record or a field
    /// (`visit.add`, `appeal`, `display_name`), or the word itself when it
    /// has none.
    pub fn audit_word<'a>(&self, key: &'a str) -> &'a str {
        const WORDS: [(&str, &str, &str); 65] = [
            ("visit.add", "新增暗访", "visits added"),
            ("visit.replace", "替换暗访", "visit replaced"),
            (
                "visit.hold",
                "新增暗访(待审核)",
                "visit added, pending review",
            ),
            (
                "visit.resubmit",
                "退回后重新提交",
                "visit resubmitted after return",
            ),
            ("review.accept", "审核通过", "review: accepted"),
            ("review.return", "审核退回", "review: returned"),
            ("review.exclude", "审核剔除", "review: excluded"),
            ("appeal.file", "提出申诉", "appeal filed"),
            ("appeal.accept", "采纳申诉", "appeal accepted"),
            ("appeal.reject", "驳回申诉", "appeal rejected"),
            (
                "rectify.open",
                "发布时开整改单",
                "rectification tickets opened at publication",
            ),
            ("rectify.respond", "整改回复", "ticket answered"),
            ("rectify.close", "关闭整改单", "ticket closed"),
            ("rectify.reopen", "重新打开整改单", "ticket reopened"),
            (
                "rectify.verified",
                "整改复查通过",
                "ticket verified by a visit",
            ),
            (
                "rectify.repeated",
                "整改复查再次失分",
                "item failed again on a visit",
            ),
            ("rectify.withdraw", "撤销整改单", "ticket withdrawn"),
            ("checklist.load", "载入检查表", "checklist loaded"),
            ("period.publish", "发布期间", "period published"),
            ("period.reissue", "再次发布", "period reissued"),
            ("plan.make", "安排暗访计划", "visit plan made"),
            ("plan.revisit", "加复查", "re-visit added"),
            ("roster.add", "新增网点", "hall added"),
            ("roster.update", "更新网点", "hall updated"),
            ("user.add", "新增账号", "account added"),
            ("user.display_name", "设置显示名", "display name set"),
            ("user.can_review", "设置审核权限", "review right set"),
            ("visit", "暗访", "visit"),
            ("appeal", "申诉", "appeal"),
            ("rectification", "整改单", "rectification ticket"),
            ("item", "检查项", "item"),
            ("due", "整改期限", "due"),
            ("publication", "发布", "publication"),
            ("plan", "暗访计划", "visit plan"),
            ("assignment", "暗访安排", "assignment"),
            ("user", "账号", "account"),
            ("branch", "网点", "hall"),
            ("checklist", "检查表", "checklist"),
            ("visit_id", "暗访编号", "visit id"),
            ("branch_code", "网点编码", "hall code"),
            ("visited_at", "暗访时间", "visited at"),
            ("inspector", "暗访员", "inspector"),
            ("notes", "备注", "notes"),
            ("appeal_days", "申诉期(天)", "appeal days"),
            ("changes", "变更说明", "changes"),
            ("assignments", "安排次数", "assignments"),
            ("name", "名称", "name"),
            ("display_name", "显示名", "display name"),
            ("role", "角色", "role"),
            ("can_review", "可审核暗访", "may review visits"),
            ("status", "状态", "status"),
            ("comment", "意见", "comment"),
            ("scope", "范围", "scope"),
            ("code", "编码", "code"),
            ("district", "区县", "district"),
            ("city", "地市", "city"),
            ("address", "地址", "address"),
            ("branch_type", "网点类型", "hall type"),
            ("opening_hours", "营业时间", "opening hours"),
            ("peak_hours", "高峰时段", "busy hours"),
            ("new", "新增", "new"),
            ("replaced", "替换", "replaced"),
            ("unchanged", "未变", "unchanged"),
            ("file", "文件", "file"),
            ("version", "版本", "version"),
        ];
        WORDS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or(key, |&(_, zh, en)| match self.lang {
                Lang::Zh => zh,
                Lang::En => en,
            })
    }

    /// A column heading with the unit its figures are in, when they share one.
    pub fn with_unit(&self, label: &str, unit: &Option<String>) -> String {
        match (unit, self.lang) {
            (None, _) => label.to_string(),
            (Some(unit), Lang::Zh) => format!("{label}({unit})"),
            (Some(unit), Lang::En) => format!("{label} ({unit})"),
        }
    }

    /// A checklist in a `<select>`: its title and id.
    pub fn checklist_choice(&self, title: &str, id: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{title}({id})"),
            Lang::En => format!("{title} ({id})"),
        }
    }

    /// A checklist with its version.
    pub fn checklist_version(&self, title: &str, id: &str, version: u32) -> String {
        match self.lang {
            Lang::Zh => format!("{title}({id} 第 {version} 版)"),
            Lang::En => format!("{title} ({id} version {version})"),
        }
    }

    /// The headline of a city's figures.
    pub fn city_scope(&self, name: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{name}市"),
            Lang::En => format!("{name} city"),
        }
    }

    /// The headline of a county's figures.
    pub fn district_scope(&self, name: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{name}分公司"),
            Lang::En => format!("{name} county"),
        }
    }

    /// "3 个营业厅".
    pub fn halls_count(&self, n: usize) -> String {
        match self.lang {
            Lang::Zh => format!("{n} 个营业厅"),
            Lang::En => counted(n, "hall", "halls"),
        }
    }

    /// Which rows of the hall table a page shows: `first`–`last` of the
    /// `total` halls the county and search leave, of `all` in the ranking.
    pub fn hall_rows_shown(&self, first: usize, last: usize, total: usize, all: usize) -> String {
        match (self.lang, total) {
            (Lang::Zh, 0) => format!("没有符合条件的营业厅(排名共 {all} 个营业厅)"),
            (Lang::En, 0) => format!(
                "No hall matches (the ranking has {})",
                counted(all, "hall", "halls")
            ),
            (Lang::Zh, _) if total == all => format!("第 {first}–{last} 行,共 {total} 个营业厅"),
            (Lang::En, _) if total == all => {
                format!("Rows {first}–{last} of {}", counted(total, "hall", "halls"))
            }
            (Lang::Zh, _) => {
                format!("第 {first}–{last} 行,共 {total} 个符合条件的营业厅(排名共 {all} 个)")
            }
            (Lang::En, _) => format!(
                "Rows {first}–{last} of {} that match (of {all} ranked)",
                counted(total, "hall", "halls")
            ),
        }
    }

    /// Which tickets a page of the 整改 list shows: `first`–`last` of
    /// `total`.
    pub fn ticket_rows_shown(&self, first: usize, last: usize, total: usize) -> String {
        match self.lang {
            Lang::Zh => format!("第 {first}–{last} 张,共 {total} 张整改单"),
            Lang::En => format!("Tickets {first}–{last} of {total}"),
        }
    }

    /// A call-out cell with more halls than it lists (ties), as a link to
    /// the ranking in the metric's order.
    pub fn halls_tied(&self, n: usize) -> String {
        match self.lang {
            Lang::Zh => format!("{n} 个营业厅(含并列),在排名中查看"),
            Lang::En => format!("{n} halls (ties included): see the ranking"),
        }
    }

    /// A hall table page number in the address that is not one.
    pub fn bad_page(&self, text: &str) -> String {
        match self.lang {
            Lang::Zh => format!("页码「{text}」无效:应为 1 或更大的整数(地址中的 page)"),
            Lang::En => format!(
                "Page \"{text}\" is not valid: it should be a whole number from 1 (page in the address)"
            ),
        }
    }

    /// A hall table column to sort by that the table does not have.
    pub fn bad_sort_column(&self, text: &str) -> String {
        match self.lang {
            Lang::Zh => format!("营业厅排名没有「{text}」这一列,无法按它排序(地址中的 sort)"),
            Lang::En => format!(
                "The hall ranking has no column \"{text}\" to sort by (sort in the address)"
            ),
        }
    }

    /// A `districts` value in the address other than `all`.
    pub fn bad_districts(&self, text: &str) -> String {
        match self.lang {
            Lang::Zh => format!("地址中的 districts 只能是 all(列出全部区县),不能是「{text}」"),
            Lang::En => format!(
                "The districts in the address can only be all (list every county), not \"{text}\""
            ),
        }
    }

    /// Above a county table that lists only the manager's city's counties.
    pub fn city_districts(&self, city: &str, shown: usize, all: usize) -> String {
        match self.lang {
            Lang::Zh => format!("列出{city}的 {shown} 个区县;名次是在全部 {all} 个区县中的名次。"),
            Lang::En => format!("The {shown} counties of {city}, ranked among all {all} counties."),
        }
    }

    /// Above a county table that lists every county, for a manager.
    pub fn all_districts_listed(&self, all: usize) -> String {
        match self.lang {
            Lang::Zh => format!("列出全部 {all} 个区县。"),
            Lang::En => format!("All {all} counties."),
        }
    }

    /// The link back to the manager's own city's counties.
    pub fn only_city_districts(&self, city: &str) -> String {
        match self.lang {
            Lang::Zh => format!("只看{city}的区县"),
            Lang::En => format!("Only the counties of {city}"),
        }
    }

    /// A sort order in the address other than ascending or descending.
    pub fn bad_sort_order(&self, text: &str) -> String {
        match self.lang {
            Lang::Zh => {
                format!("排序方向「{text}」无效:应为 asc(升序)或 desc(降序)(地址中的 order)")
            }
            Lang::En => format!(
                "Sort order \"{text}\" is not valid: it should be asc or desc (order in the address)"
            ),
        }
    }

    /// A publication's appeal window and the number of changed answers.
    pub fn appeal_note(&self, days: u32, changes: usize) -> String {
        match self.lang {
            Lang::Zh => format!("{days} 天;变更 {changes} 项"),
            Lang::En => format!(
                "{}; {}",
                counted(days as usize, "day", "days"),
                counted(changes, "change", "changes")
            ),
        }
    }

    pub fn appeal_closed(&self, period: impl Display) -> String {
        match self.lang {
            Lang::Zh => format!("期间 {period} 的申诉期已结束"),
            Lang::En => format!("The appeal window of period {period} has closed"),
        }
    }

    pub fn no_such_item(&self, item: &str) -> String {
        match self.lang {
            Lang::Zh => format!("检查表中没有检查项「{item}」"),
            Lang::En => format!("The checklist has no item “{item}”"),
        }
    }

    /// What is wrong with the answer an appeal asks for (the problem itself
    /// comes from the scoring core, in Chinese).
    pub fn requested_answer_problem(&self, problem: impl Display) -> String {
        match self.lang {
            Lang::Zh => format!("申诉的答案:{problem}"),
            Lang::En => format!("Requested answer: {problem}"),
        }
    }

    /// A ticket's status in words.
    pub fn ticket_status(&self, status: TicketStatus) -> &'static str {
        match self.lang {
            Lang::Zh => status.label(),
            Lang::En => match status {
                TicketStatus::Open => "Open",
                TicketStatus::Responded => "Answered",
                TicketStatus::Closed => "Closed",
                TicketStatus::Verified => "Verified",
                TicketStatus::Repeated => "Repeated weakness",
                TicketStatus::Withdrawn => "Withdrawn",
            },
        }
    }

    /// The period and checklist the 整改 page shows.
    pub fn rectify_period(&self, period: &str, checklist: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{period} · {checklist}"),
            Lang::En => format!("{period} · {checklist}"),
        }
    }

    /// Why the 整改 page lists nothing when no period is published.
    pub fn rectify_nothing_published(&self, admin: bool) -> &'static str {
        match (self.lang, admin) {
            (Lang::Zh, true) => {
                "还没有发布的期间,所以还没有整改单。请在「申诉」页发布一个期间:发布时每个失分的网点检查项都会生成整改单。"
            }
            (Lang::Zh, false) => {
                "还没有发布的期间,所以还没有整改单。总部发布期间后,这里会列出您负责网点的整改单。"
            }
            (Lang::En, true) => {
                "No period is published yet, so there are no tickets. Publish a period on the Appeals page: publishing opens a ticket for every hall item that lost points."
            }
            (Lang::En, false) => {
                "No period is published yet, so there are no tickets. Once headquarters publishes a period, your halls' tickets are listed here."
            }
        }
    }

    /// Why the 整改 page lists nothing for a period not published.
    pub fn rectify_unpublished(&self, checklist: &str, period: &str, admin: bool) -> String {
        match (self.lang, admin) {
            (Lang::Zh, true) => format!(
                "检查表 {checklist} 的期间 {period} 尚未发布,还没有整改单。请在「申诉」页发布该期间,或在上面选择已发布的期间。"
            ),
            (Lang::Zh, false) => format!(
                "检查表 {checklist} 的期间 {period} 尚未发布,还没有整改单。总部发布后这里会列出整改单;可先在上面选择已发布的期间。"
            ),
            (Lang::En, true) => format!(
                "Period {period} of checklist {checklist} is not published, so it has no tickets. Publish it on the Appeals page, or choose a published period above."
            ),
            (Lang::En, false) => format!(
                "Period {period} of checklist {checklist} is not published, so it has no tickets yet. Choose a published period above."
            ),
        }
    }

    /// "整改单 #12".
    pub fn ticket_heading(&self, id: i64) -> String {
        match self.lang {
            Lang::Zh => format!("整改单 #{id}"),
            Lang::En => format!("Ticket #{id}"),
        }
    }

    /// How many tickets are overdue, above the list.
    pub fn overdue_count(&self, n: usize) -> String {
        match self.lang {
            Lang::Zh => format!("{n} 张整改单已逾期(过了整改期限仍未回复),排在最前"),
            Lang::En => format!(
                "{} overdue (past due with no response), listed first",
                counted(n, "ticket", "tickets")
            ),
        }
    }

    /// What the recheck visit found, in a ticket's history: full points,
    /// or points lost again and the new due date.
    pub fn recheck_outcome(&self, status: TicketStatus, due: &str) -> String {
        match (self.lang, status) {
            (Lang::Zh, TicketStatus::Verified) => "得满分:复查通过".to_string(),
            (Lang::Zh, _) => format!("再次失分(顽固短板),整改期限顺延至 {due}"),
            (Lang::En, TicketStatus::Verified) => "full points: verified".to_string(),
            (Lang::En, _) => format!("points lost again (repeated weakness); now due {due}"),
        }
    }

    /// Why a ticket offers nothing more to do.
    pub fn ticket_done(&self, status: &str) -> String {
        match self.lang {
            Lang::Zh => format!("该整改单已办结(「{status}」),无需再处理。"),
            Lang::En => format!("This ticket is settled ({status}); nothing more to do."),
        }
    }

    /// A file of a ticket's answer that is not a photo.
    pub fn ticket_photo_type(&self, name: &str) -> String {
        match self.lang {
            Lang::Zh => format!(
                "整改照片「{name}」不是 JPEG、PNG 或 WebP 图片:回复和照片都没有保存,请重新选择照片"
            ),
            Lang::En => format!(
                "Photo “{name}” is not a JPEG, PNG or WebP image: neither the answer nor the photos were saved; please choose the photos again"
            ),
        }
    }

    /// An item's present answer, after its title in the appeal form.
    /// When an appeal window closes.
    pub fn appeal_closes(&self, at: &str) -> String {
        match self.lang {
            Lang::Zh => format!("申诉截止:{at}"),
            Lang::En => format!("Appeals close at {at}"),
        }
    }

    /// A period in the publish form, with the checklists and latest
    /// versions it is already published for.
    pub fn period_published(&self, period: &str, published: &[(String, u32)]) -> String {
        if published.is_empty() {
            return period.to_string();
        }
        let each = |(id, v): &(String, u32)| match self.lang {
            Lang::Zh => format!("{id} 第 {v} 版"),
            Lang::En => format!("{id} version {v}"),
        };
        let versions: Vec<String> = published.iter().map(each).collect();
        match self.lang {
            Lang::Zh => format!("{period}(已发布:{})", versions.join(",")),
            Lang::En => format!("{period} (published: {})", versions.join(", ")),
        }
    }

    pub fn currently(&self, answer: &str) -> String {
        match self.lang {
            Lang::Zh => format!("(现为 {answer})"),
            Lang::En => format!(" (now {answer})"),
        }
    }

    /// Which critical item zeroed what, for the form and the visit page.
    pub fn red_line(&self, checklist: &Checklist, red_line: RedLine) -> String {
        let item = checklist
            .items()
            .nth(red_line.item)
            .map(|(_, item)| (item.code.as_str(), item.title.as_str()))
            .unwrap_or_default();
        let section = checklist
            .sections
            .get(red_line.section)
            .map(|s| (s.code.as_str(), s.title.as_str()))
            .unwrap_or_default();
        let (code, title) = item;
        match (self.lang, red_line.scope) {
            (Lang::Zh, Critical::Section) => format!(
                "红线项 {code}「{title}」不合格,本大项({} {})得分清零",
                section.0, section.1
            ),
            (Lang::Zh, Critical::Visit) => {
                format!("红线项 {code}「{title}」不合格,整次暗访得分清零")
            }
            (Lang::En, Critical::Section) => format!(
                "Red-line item {code} “{title}” failed: section {} {} scores zero",
                section.0, section.1
            ),
            (Lang::En, Critical::Visit) => {
                format!("Red-line item {code} “{title}” failed: the whole visit scores zero")
            }
        }
    }

    pub fn upload_failed(&self, detail: impl Display) -> String {
        match self.lang {
            Lang::Zh => format!("上传失败:{detail}"),
            Lang::En => format!("Upload failed: {detail}"),
        }
    }

    /// The start of an upload's outcome: what was read, from which sheet.
    /// `what` is [`Text::roster`] or [`Text::visit_results`].
    pub fn upload_source(&self, what: &str, file: &str, sheet: &str, header_row: u32) -> String {
        match self.lang {
            Lang::Zh => format!("{what}「{file}」:工作表「{sheet}」(表头在第 {header_row} 行),"),
            Lang::En => format!("{what} “{file}”: sheet “{sheet}” (header in row {header_row}), "),
        }
    }

    /// What a roster upload did to the halls.
    pub fn roster_counts(
        &self,
        halls: usize,
        new: usize,
        updated: usize,
        unchanged: usize,
    ) -> String {
        match self.lang {
            Lang::Zh => format!("{halls} 个网点:新增 {new},更新 {updated},未变 {unchanged}"),
            Lang::En => format!(
                "{}: {new} new, {updated} updated, {unchanged} unchanged",
                counted(halls, "hall", "halls")
            ),
        }
    }

    /// What a visits upload did.
    pub fn visits_counts(
        &self,
        visits: usize,
        new: usize,
        unchanged: usize,
        replaced: usize,
    ) -> String {
        match self.lang {
            Lang::Zh => format!("{visits} 次暗访:新增 {new},未变 {unchanged},替换 {replaced}"),
            Lang::En => format!(
                "{}: {new} new, {unchanged} unchanged, {replaced} replaced",
                counted(visits, "visit", "visits")
            ),
        }
    }

    /// How many blank answer cells a visits upload read as 不适用 (nothing
    /// when none).
    pub fn blanks_as_na(&self, blanks: usize) -> String {
        match (self.lang, blanks) {
            (_, 0) => String::new(),
            (Lang::Zh, n) => {
                format!(";{n} 个空白答案按表格约定记为「不适用」(仅限允许不适用的检查项)")
            }
            (Lang::En, n) => format!(
                "; {} read as N/A, the spreadsheet convention (items that allow N/A only)",
                counted(n, "blank answer", "blank answers")
            ),
        }
    }

    /// What a made plan holds.
    pub fn plan_made(
        &self,
        period: &str,
        halls: usize,
        per_hall: u32,
        loads: &[(String, usize)],
        peak: usize,
    ) -> String {
        let total: usize = loads.iter().map(|(_, n)| n).sum();
        let each: Vec<String> = loads.iter().map(|(who, n)| format!("{who} {n}")).collect();
        match self.lang {
            Lang::Zh => format!(
                "已生成 {period} 的暗访计划:{halls} 个营业厅各 {per_hall} 次,共 {total} 次;{} 名暗访员({});高峰时段 {peak} 次",
                loads.len(),
                each.join("、")
            ),
            Lang::En => format!(
                "Plan for {period} made: {} × {per_hall}, {} in all; {} ({}); {peak} in busy hours",
                counted(halls, "hall", "halls"),
                counted(total, "visit", "visits"),
                counted(loads.len(), "inspector", "inspectors"),
                each.join(", ")
            ),
        }
    }

    /// A hall's own hours from the roster, as the plan page notes them.
    pub fn roster_hours(&self, open: Option<&str>, peaks: Option<&str>) -> String {
        let (open_word, peak_word) = match self.lang {
            Lang::Zh => ("营业", "高峰"),
            Lang::En => ("open", "busy"),
        };
        let parts: Vec<String> = [(open_word, open), (peak_word, peaks)]
            .into_iter()
            .filter_map(|(word, hours)| hours.map(|h| format!("{word} {h}")))
            .collect();
        parts.join(" · ")
    }

    /// What an added re-visit is.
    pub fn revisit_added(&self, code: &str, inspector: &str, date: &str, window: &str) -> String {
        match self.lang {
            Lang::Zh => format!("已为营业厅 {code} 加一次复查:{inspector},{date} {window}"),
            Lang::En => format!("Re-visit of hall {code} added: {inspector}, {date} {window}"),
        }
    }

    /// A form's number that is not one.
    pub fn not_a_number(&self, what: &str, value: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{what}「{value}」不是有效的数字,未写入任何数据"),
            Lang::En => format!("{what}: \"{value}\" is not a valid number; nothing was stored"),
        }
    }

    /// The plan's totals in one line.
    pub fn plan_totals(&self, planned: u32, done: u32, missing: u32, overdue: u32) -> String {
        match self.lang {
            Lang::Zh => {
                format!("计划 {planned} 次,已完成 {done},未完成 {missing}(其中逾期 {overdue})")
            }
            Lang::En => {
                format!("{planned} planned, {done} done, {missing} missing ({overdue} overdue)")
            }
        }
    }

    /// What a checklist upload did: loaded a new version, or found it there.
    pub fn checklist_loaded(&self, id: &str, version: u32, items: usize, new: bool) -> String {
        match self.lang {
            Lang::Zh => format!(
                "检查表 {id} 第 {version} 版({items} 项):{}",
                if new { "已载入" } else { "已存在,未变" }
            ),
            Lang::En => format!(
                "Checklist {id} version {version} ({}): {}",
                counted(items, "item", "items"),
                if new {
                    "loaded"
                } else {
                    "already there, unchanged"
                }
            ),
        }
    }

    /// An upload's outcome when it only checked the file.
    pub fn dry_run_outcome(&self, outcome: &str) -> String {
        match self.lang {
            Lang::Zh => format!("{outcome}(试运行,未写入)"),
            Lang::En => format!("{outcome} (dry run, nothing written)"),
        }
    }

    /// The headline of a rejected upload; the problems are listed below it.
    pub fn problems_found(&self, file: &str, problems: usize) -> String {
        match self.lang {
            Lang::Zh => format!("{file}:共 {problems} 处错误,未写入任何数据"),
            Lang::En => format!(
                "{file}: {}, nothing was written",
                counted(problems, "error", "errors")
            ),
        }
    }
}

pub static ZH: Text = Text {
    app_name: "营业厅暗访评分",
    switch_language: "English",
    other_lang: "en",
    sign_in: "登录",
    sign_out: "退出",
    user_name: "用户名",
    password: "密码",
    sign_in_failed: "用户名或密码不正确",
    sign_in_throttled: "登录失败次数过多,请 15 分钟后再试",
    session_expired: "登录已过期,请重新登录(未提交的暗访仍保存在本机)",
    no_admin_yet: "还没有管理员账号:请在服务器上运行 hallscore user add 姓名 --role admin 创建",
    error_unauthorized: "请先登录",
    error_forbidden: "您没有权限进行此操作",
    error_not_found: "找不到该页面或记录,或您无权查看",
    error_csrf: "表单已失效,请刷新页面后重试",
    back_home: "返回首页",
    nav_inspect: "暗访",
    nav_tasks: "我的任务",
    nav_dashboard: "看板",
    nav_imports: "导入",
    nav_plans: "暗访计划",
    nav_audit: "审计",
    nav_appeals: "申诉",
    nav_reviews: "审核",
    pick_hall: "选择营业厅",
    search_hall: "输入名称、编码或拼音首字母搜索",
    no_match: "无匹配",
    recent_halls: "最近暗访",
    all_halls: "全部营业厅",
    start_visit: "开始暗访",
    drafts: "未完成的暗访",
    no_drafts: "没有未完成的暗访",
    discard: "放弃",
    discard_draft: "放弃这次暗访",
    discard_confirm: "放弃后,这次暗访已填的答案、备注和照片都会删除,无法恢复。确定放弃吗?",
    my_visits: "我提交的暗访",
    no_visits: "还没有提交过暗访",
    tasks_today: "今天",
    tasks_coming: "接下来",
    tasks_overdue: "已过期未完成",
    no_tasks_today: "今天没有任务",
    no_tasks: "暂无分派给您的任务",
    task_done: "已完成",
    task_open: "未完成",
    task_peak: "高峰",
    task_start: "开始暗访",
    task_of: "任务",
    unplanned: "计划外",
    unplanned_visit: "计划外暗访(不按任务,自选营业厅)",
    tasks_offline_copy: "离线:显示的是上次联网时的任务",
    continue_draft: "继续",
    hall: "营业厅",
    visited_at: "暗访时间",
    inspector: "暗访员",
    rate: "得分率",
    progress: "进度",
    answered: "已答",
    required_missing: "还有检查项未作答",
    unanswered: "以下检查项未作答(不适用的请点「不适用」)",
    fix_before_submit: "提交前请先改正",
    yes: "是",
    no: "否",
    not_applicable: "不适用",
    item_note: "备注",
    add_photo: "拍照",
    visit_photos: "整体照片",
    visit_notes: "总体印象",
    stopwatch: "排队计时",
    stopwatch_take: "取号",
    stopwatch_call: "叫号",
    stopwatch_done: "办结",
    stopwatch_reset: "重新计时",
    stopwatch_reset_confirm: "重新计时会清除已记下的取号、叫号、办结时间,确定吗?",
    stopwatch_take_first: "请先点「取号」,再点「叫号」",
    stopwatch_call_first: "请先点「叫号」,再点「办结」",
    review: "检查并提交",
    back_to_form: "返回修改",
    submit: "提交",
    saved_locally: "已保存在本机",
    saved_server: "已同步到服务器",
    offline: "网络已断开:所有答案都保存在本机,联网后会自动提交",
    queued: "已排队,联网后自动提交",
    submitting: "正在提交……",
    submit_failed: "提交失败",
    submit_failed_fix: "提交失败,请按提示改正后再提交",
    score: "得分",
    sections: "大项",
    lost: "失分",
    answers: "逐项得分",
    code: "编码",
    item: "检查项目",
    answer: "答案",
    points: "分值",
    earned: "得分",
    zeroed: "红线清零",
    notes: "备注",
    photos: "照片",
    history: "修改记录",
    checklist: "检查表",
    min_photos_rule: "至少需要照片张数",
    comment_rule: "总体印象至少字数",
    preview_offline: "离线时无法计算得分,联网后显示",
    minutes: "分钟",
    // The dashboard and the hall and county pages.
    period: "期间",
    custom_from: "自定义起",
    custom_to: "至",
    show: "查看",
    visit_count: "暗访次数",
    download_rankings: "下载排名工作簿",
    download_visits: "下载暗访结果",
    top_and_bottom: "前三名与后三名",
    callout_metric: "指标",
    top_three: "前三名",
    bottom_three: "后三名",
    callout_sentences: "展开文字说明",
    district_ranking: "区县排名",
    hall_ranking: "营业厅排名",
    rank: "排名",
    district: "区县",
    branch_count: "网点数",
    previous_rank: "上期",
    rank_change: "变化",
    rank_with_range: "排名(可能名次)",
    rank_range_note: "括号内是可能名次:按 95% 区间,该单位可能排到的最好与最差名次。横条是 95% 区间(刻度见列名),圆点为得分率,竖线为全区得分率;横条越长,得分率越受偶然影响,名次差几位往往并无真实差别。",
    hall_search: "查找营业厅",
    hall_search_hint: "编码、名称或拼音首字母",
    all_districts: "全部区县",
    hall_filter: "筛选",
    clear_hall_filter: "清除筛选",
    hall_pages: "营业厅排名分页",
    ticket_pages: "整改单分页",
    previous_page: "上一页",
    next_page: "下一页",
    interval_95: "95% 区间",
    possible_ranks: "可能名次",
    adjusted_rate: "校准后",
    adjust_switch: "按校准后得分率排名",
    rank_by_adjusted: "校准后排名",
    adjusted_note: "当前按校准后得分率排名:已扣除每位暗访员(本期至少 5 次暗访)的宽严影响;名次、区间与漏斗图都按校准后得分率,「得分率」列仍是原始得分率。",
    adjust_admin_only: "按校准后得分率排名仅限管理员:校准依据暗访员数据(adjust=inspectors)",
    funnel_heading: "漏斗图:得分率与暗访次数",
    funnel_visits_axis: "本期暗访次数",
    funnel_inner: "95% 控制限",
    funnel_outer: "99.8% 控制限",
    funnel_help: "每个点是一个营业厅(悬停或点按看名称)。暗访越多,控制限越窄;点落在虚线(99.8% 控制限)之外,与全区的差距很难用偶然解释。",
    signal_above: "显著偏高",
    signal_below: "显著偏低",
    funnel_none_outside: "图中没有营业厅超出 99.8% 控制限:各厅与全区的差距都可能出于偶然。",
    weakest_heading: "短板:得分率最低的检查项",
    weakest_items: "得分率最低的检查项",
    pareto: "失分帕累托",
    lost_points: "失分",
    cumulative: "累计占比",
    waits_heading: "等候时长(区县)",
    waits_by_city: "等候时长(地市)",
    waits_note: "按区县、按营业厅的等候时长见排名工作簿的「等候时长」表。",
    city_column: "地市",
    show_every_district: "显示全部区县",
    check_item: "检查项",
    wait_count: "次数",
    mean: "平均",
    median: "中位数",
    p90: "90分位",
    over_share: "超时率",
    calibration: "暗访员校准",
    mean_rate: "平均得分率",
    offset: "与他人偏差",
    too_few_visits: "样本不足",
    halls_compared: "比较网点数",
    shared_visits: "同厅暗访次数",
    region: "全区",
    trend: "近六期得分率",
    trend_whiskers: "竖线为每期得分率的 95% 区间:两期的竖线重叠较多时,升降可能只是偶然。",
    weakest_here: "最弱的检查项",
    comparison_heading: "各大项:本单位 / 所在区县 / 全区",
    here: "本单位",
    period_visits: "本期暗访",
    // The appeals page and the appeal form of a visit.
    publish_heading: "发布期间结果",
    publish_help: "发布后,申诉期内经理可对本范围内的暗访逐项申诉;再次发布生成新版本,并附变更记录(写入排名工作簿的「说明」页)。申诉期结束后该期间锁定,不能再修改。",
    appeal_days: "申诉期(天)",
    publish: "发布 / 再次发布",
    version: "版本",
    published_at: "发布时间",
    published_by: "发布人",
    window_and_changes: "申诉期与变更",
    appeal_deadline: "申诉截止",
    no_appeals: "没有申诉。经理可在已发布期间的暗访页面上提出申诉。",
    visit: "暗访",
    requested_answer: "申诉答案",
    reason: "理由",
    filed_by: "申诉人",
    status: "状态",
    decision: "处理",
    was: "原:",
    status_open: "待处理",
    status_accepted: "已采纳",
    status_rejected: "已驳回",
    reject_reason: "理由(驳回时必填)",
    accept: "采纳",
    confirm_accept: "采纳后该项答案将改为申请的答案,得分和排名随之变化。确定采纳?",
    reviews_heading: "待审核的暗访",
    reviews_help: "审核通过前暗访不计入任何数字。打开一次暗访,看过答案、备注、照片和自动标记后再决定:通过、退回修改或剔除。",
    no_pending: "本期没有待审核的暗访。",
    flags_heading: "自动标记",
    no_flags: "无标记",
    accept_unflagged: "通过全部无标记的暗访",
    confirm_accept_unflagged: "本期所有没有自动标记的待审核暗访将被通过,随即计入得分和排名。确定?",
    review_accept: "通过",
    review_return: "退回修改",
    review_exclude: "剔除",
    return_comment: "退回意见(必填:要暗访员修改什么)",
    exclude_reason: "剔除原因(必填)",
    review_comment: "审核意见",
    returned_heading: "已退回,需修改",
    returned_help: "审核员退回了这些暗访。打开一次,按意见修改后重新提交。",
    fix_and_resubmit: "修改并重新提交",
    review_decide: "审核",
    reject: "驳回",
    appeal: "申诉",
    change_to: "应改为",
    requested_hint: "是 / 否 / 不适用 / 选项 / 数值",
    photo_optional: "照片(可选)",
    file_appeal: "提交申诉",
    appeal_reason_short: "请写明申诉理由(至少 5 个字)",
    appeal_photo_type: "申诉照片不是 JPEG、PNG 或 WebP 图片",
    appeal_unpublished: "该暗访所在期间尚未发布,发布后才能申诉",
    reject_needs_reason: "驳回申诉时请写明理由",
    nav_rectify: "整改",
    rectify_help: "已发布期间里每个失分的网点检查项各有一张整改单:区县经理写明整改情况并附照片,总部关闭或重新打开;期间结束后对该网点的第一次暗访即复查——得满分为「复查通过」,再次失分为「顽固短板」。逾期:过了整改期限仍未回复。",
    rectify_published_periods: "已发布期间",
    rectify_no_tickets: "该期间您负责的网点没有整改单:所有检查项都得了满分,或失分已经申诉撤销。",
    rectify_dashboard_unpublished: "本期间尚未发布:发布后每个失分的网点检查项会生成整改单。",
    rectify_dashboard_link: "查看整改单",
    tally_scope: "范围",
    only_district: "只列出",
    every_district: "列出全部区县",
    tally_tickets: "整改单",
    tally_on_time: "按时回复",
    tally_verified: "复查通过",
    tally_repeated: "顽固短板",
    tally_overdue: "逾期",
    tally_open: "未办结",
    total: "合计",
    ticket_due_col: "整改期限",
    evidence_visits: "失分暗访",
    overdue_mark: "逾期",
    repeated_mark: "顽固短板",
    under_appeal_mark: "申诉中",
    open_ticket: "查看 / 处理",
    ticket_opened: "开单",
    ticket_response: "区县回复",
    ticket_decision: "总部意见",
    ticket_recheck: "复查",
    ticket_history: "处理记录",
    ticket_photos: "整改照片",
    no_ticket_photos: "还没有整改照片。",
    respond_heading: "回复整改情况",
    respond_text: "做了哪些整改",
    respond_photos: "整改照片(可选多张,JPEG / PNG / WebP)",
    respond_submit: "提交回复",
    decide_heading: "总部处理",
    decide_comment: "意见(必填)",
    close_ticket: "关闭整改单",
    reopen_ticket: "重新打开",
    ticket_action_unknown: "请选择要做的处理(回复、关闭或重新打开)",
    ticket_photos_only_with_response: "照片只能随整改回复上传,关闭或重新打开时请不要选择照片",
    hall_open_tickets: "整改中的检查项",
    recheck_mark: "整改复查",
    recheck_note: "本网点有 {n} 个检查项在整改复查中,已标「整改复查」,请重点检查。",
    problem_heading: "未保存",
    // The visit form.
    critical: "红线",
    // The upload page.
    sheet: "工作表",
    row: "行",
    column: "列",
    header: "表头",
    value: "值",
    cause: "原因",
    roster: "网点名单",
    spreadsheet_file: "文件(.xlsx / .xls / .ods / .csv)",
    dry_run: "只检查,不写入",
    upload_roster: "上传网点名单",
    visit_results: "暗访结果",
    replace_visits: "已存在但内容不同的暗访以本文件为准(旧答案保留在历史中)",
    upload_visits: "上传暗访结果",
    scoring_rules: "评分细则(检查表)",
    checklist_file: "文件(.toml,或 .xlsx / .xls / .ods / .csv 评分细则)",
    checklist_id: "检查表 id(电子表格必填)",
    title: "标题",
    pass_mark: "达标线",
    load_checklist: "载入检查表",
    blank_template: "下载空白模板",
    download_checklist_sheet: "下载评分细则",
    roster_guide: "必填列:区县、网点编码、网点名称;可选:地市、地址、网点类型、营业时间(如 09:00-18:00)、高峰时段(如 11:00-13:00、17:00-19:00;不填则按工作日 11:00-13:00、17:00-19:00 和周末全天安排暗访)。表头在第一行或标题行之下均可,同一编码再次导入即更新。",
    visits_guide: "必填列:网点编码、暗访日期;可选:暗访编号(重复导入时据此识别)、暗访员、检查表、检查表版本、备注;网点名称、区县仅供阅读。之后每个检查项一列,表头为「编码 标题」或编码;答案填 是/否/不适用、选项名或数字,等候时长填分钟或 分:秒。",
    checklist_guide: "每个检查项一行:大项编码、大项、编码、检查项目、类型(check 是否 / scale 评分 / choice 选项 / measure 测量)、分值,以及不适用、红线、选项(如 优:2;良:1;差:0)、分档、单位、整改天数(1 到 365,空白用大项的或 15 天)。下载的是所选检查表当前版本的评分细则,改后再载入时填写检查表 id 和标题,载入为新版本。",
    choose_file: "请选择要上传的文件",
    // The visit plan page.
    plans_heading: "暗访计划",
    plan_make_heading: "制定计划",
    plan_guide: "为期间内每个营业厅安排同样次数的暗访,分给暗访员并定好日期和时段:同一暗访员在回避期内不重复去同一厅,每人每天不超过上限,至少按比例安排在高峰时段(营业时间、高峰时段取自网点名单)。规则无法满足时不生成计划并说明原因。",
    visits_per_hall: "每个营业厅暗访次数",
    plan_inspectors: "暗访员(都不勾选即全部暗访员)",
    lockout_days: "回避期(天)",
    max_per_day: "每人每天最多",
    peak_share: "高峰时段占比至少",
    seed: "随机种子",
    replace_plan: "替换日期重叠的已有计划",
    make_plan: "生成计划",
    no_plan: "这个期间还没有暗访计划,可用下面的表单生成。",
    coverage_heading: "完成情况",
    coverage_by_district: "按区县",
    coverage_by_hall: "按营业厅(逾期多的在前)",
    coverage_note: "已完成:该营业厅在计划日期由计划的暗访员完成的暗访,导入暗访结果后即计入;逾期:计划日期已过仍未完成;到期完成率:计划日期已到的安排中已完成的比例。",
    planned: "计划",
    done: "已完成",
    missing: "未完成",
    overdue: "逾期",
    done_share: "到期完成率",
    overdue_heading: "逾期未完成的安排",
    no_overdue: "没有逾期未完成的安排。",
    plan_date: "日期",
    time_window: "时段",
    kind: "类型",
    kind_visit: "暗访",
    kind_revisit: "复查",
    download_plan: "下载计划表(发给暗访公司)",
    revisit_heading: "加一次复查",
    revisit_guide: "为一个营业厅加一次复查,排进本期计划;日期须在期间内。",
    revisit_window: "时段(可空,默认该厅营业时间)",
    add_revisit: "加入计划",
    // The audit log.
    audit_log: "审计日志",
    actor: "操作人",
    action: "操作",
    entity: "对象",
    date_from: "起",
    date_to: "止",
    filter: "筛选",
    time: "时间",
    entity_id: "编号",
    audit_change: "变更(之前 → 之后)",
    lang: Lang::Zh,
};

pub static EN: Text = Text {
    app_name: "Hall inspection scoring",
    switch_language: "中文",
    other_lang: "zh",
    sign_in: "Sign in",
    sign_out: "Sign out",
    user_name: "User name",
    password: "Password",
    sign_in_failed: "Wrong user name or password",
    sign_in_throttled: "Too many failed attempts; try again in 15 minutes",
    session_expired: "Your session expired; please sign in again (unsent visits are kept on this device)",
    no_admin_yet: "No administrator yet: run `hallscore user add NAME --role admin` on the server",
    error_unauthorized: "Please sign in first",
    error_forbidden: "You may not do this",
    error_not_found: "Not found, or not yours to see",
    error_csrf: "This form has expired; reload the page and try again",
    back_home: "Home",
    nav_inspect: "Inspect",
    nav_tasks: "My tasks",
    nav_dashboard: "Dashboard",
    nav_imports: "Imports",
    nav_plans: "Visit plans",
    nav_audit: "Audit log",
    nav_appeals: "Appeals",
    nav_reviews: "Review",
    pick_hall: "Choose a hall",
    search_hall: "Search by name, code or pinyin initials",
    no_match: "No match",
    recent_halls: "Recently visited",
    all_halls: "All halls",
    start_visit: "Start visit",
    drafts: "Unfinished visits",
    no_drafts: "No unfinished visits",
    discard: "Discard",
    discard_draft: "Discard this visit",
    discard_confirm: "Discarding deletes this visit's answers, notes and photos for good. Discard it?",
    my_visits: "My submitted visits",
    no_visits: "No visits submitted yet",
    tasks_today: "Today",
    tasks_coming: "Coming up",
    tasks_overdue: "Overdue, not done",
    no_tasks_today: "No tasks today",
    no_tasks: "No tasks assigned to you",
    task_done: "Done",
    task_open: "Not done",
    task_peak: "Peak",
    task_start: "Start visit",
    task_of: "Task",
    unplanned: "Unplanned",
    unplanned_visit: "Unplanned visit (choose any hall)",
    tasks_offline_copy: "Offline: these are the tasks as last seen online",
    continue_draft: "Continue",
    hall: "Hall",
    visited_at: "Visited at",
    inspector: "Inspector",
    rate: "Score rate",
    progress: "Progress",
    answered: "answered",
    required_missing: "Some items are not answered yet",
    unanswered: "These items are not answered yet (choose “N/A” where one does not apply)",
    fix_before_submit: "Please fix before submitting",
    yes: "Yes",
    no: "No",
    not_applicable: "N/A",
    item_note: "Note",
    add_photo: "Photo",
    visit_photos: "Visit photos",
    visit_notes: "Overall impression",
    stopwatch: "Queue stopwatch",
    stopwatch_take: "Ticket",
    stopwatch_call: "Called",
    stopwatch_done: "Done",
    stopwatch_reset: "Reset",
    stopwatch_reset_confirm: "Resetting clears the ticket, call and done times. Reset?",
    stopwatch_take_first: "Tap “Ticket” before “Called”",
    stopwatch_call_first: "Tap “Called” before “Done”",
    review: "Review and submit",
    back_to_form: "Back to the form",
    submit: "Submit",
    saved_locally: "Saved on this device",
    saved_server: "Synced to the server",
    offline: "Offline: every answer is kept on this device and will be sent when the connection returns",
    queued: "Queued; it will be sent when online",
    submitting: "Submitting…",
    submit_failed: "Submission failed",
    submit_failed_fix: "Submission failed: please fix what is shown and submit again",
    score: "Score",
    sections: "Sections",
    lost: "Lost",
    answers: "Items",
    code: "Code",
    item: "Item",
    answer: "Answer",
    points: "Points",
    earned: "Earned",
    zeroed: "zeroed by red line",
    notes: "Notes",
    photos: "Photos",
    history: "History",
    checklist: "Checklist",
    min_photos_rule: "Photos required",
    comment_rule: "Minimum characters of the overall impression",
    preview_offline: "The score is computed when online",
    minutes: "min",
    // The dashboard and the hall and county pages.
    period: "Period",
    custom_from: "From",
    custom_to: "To",
    show: "Show",
    visit_count: "Visits",
    download_rankings: "Download the ranking workbook",
    download_visits: "Download the visit results",
    top_and_bottom: "Top three and bottom three",
    callout_metric: "Measure",
    top_three: "Top three",
    bottom_three: "Bottom three",
    callout_sentences: "Show as sentences",
    district_ranking: "County ranking",
    hall_ranking: "Hall ranking",
    rank: "Rank",
    district: "County",
    branch_count: "Halls",
    previous_rank: "Last period",
    rank_change: "Change",
    rank_with_range: "Rank (possible ranks)",
    rank_range_note: "In brackets: the possible ranks, the best and worst the 95% interval allows. The bar is the 95% interval (its scale in the header), the dot the rate, the tick the region's rate; the longer the bar, the more the rate is chance, and a few places apart often means no real difference.",
    hall_search: "Find a hall",
    hall_search_hint: "Code, name or pinyin initials",
    all_districts: "All counties",
    hall_filter: "Filter",
    clear_hall_filter: "Clear filter",
    hall_pages: "Hall ranking pages",
    ticket_pages: "Ticket pages",
    previous_page: "Previous",
    next_page: "Next",
    interval_95: "95% interval",
    possible_ranks: "Possible ranks",
    adjusted_rate: "Adjusted",
    adjust_switch: "Rank by inspector-adjusted rates",
    rank_by_adjusted: "Rank by adjusted rate",
    adjusted_note: "Ranked by inspector-adjusted rates: each inspector's leniency or strictness (inspectors with at least 5 visits this period) is taken out; ranks, intervals and the funnel use adjusted rates, the Rate column is still the plain rate.",
    adjust_admin_only: "Ranking by inspector-adjusted rates is for administrators only: it rests on inspector data (adjust=inspectors)",
    funnel_heading: "Funnel plot: score rate by number of visits",
    funnel_visits_axis: "Visits this period",
    funnel_inner: "95% limits",
    funnel_outer: "99.8% limits",
    funnel_help: "Each point is a hall (hover or tap for its name). The more visits, the narrower the limits; a point beyond the dashed 99.8% limits differs from the region by more than chance explains.",
    signal_above: "Significantly high",
    signal_below: "Significantly low",
    funnel_none_outside: "No hall in the plot is outside the 99.8% limits: each one's distance from the region may be chance.",
    weakest_heading: "Weak spots: the items with the lowest score rate",
    weakest_items: "Items with the lowest score rate",
    pareto: "Pareto of lost points",
    lost_points: "Points lost",
    cumulative: "Cumulative share",
    waits_heading: "Waiting times by county",
    waits_by_city: "Waiting times by city",
    waits_note: "Waiting times by county and by hall are in the ranking workbook's 等候时长 sheet.",
    city_column: "City",
    show_every_district: "Show every county",
    check_item: "Item",
    wait_count: "Count",
    mean: "Mean",
    median: "Median",
    p90: "90th percentile",
    over_share: "Over the limit",
    calibration: "Inspector calibration",
    mean_rate: "Mean score rate",
    offset: "Offset from the others",
    too_few_visits: "too few visits",
    halls_compared: "Halls compared",
    shared_visits: "Visits at shared halls",
    region: "Whole region",
    trend: "Score rate over the last six periods",
    trend_whiskers: "The whiskers are each period's 95% interval: where two overlap much, a rise or fall may be chance.",
    weakest_here: "Weakest items",
    comparison_heading: "Sections: here / the county / the whole region",
    here: "Here",
    period_visits: "Visits in this period",
    // The appeals page and the appeal form of a visit.
    publish_heading: "Publish the results of a period",
    publish_help: "Once a period is published, managers may appeal single answers of the visits in their scope until the appeal window closes; publishing again makes a new version with a change log (written to the notes sheet of the ranking workbook). After the appeal window the period is locked and cannot be changed.",
    appeal_days: "Appeal window (days)",
    publish: "Publish / re-issue",
    version: "Version",
    published_at: "Published at",
    published_by: "Published by",
    window_and_changes: "Appeal window and changes",
    appeal_deadline: "Appeals close",
    no_appeals: "No appeals. Managers can appeal from the page of a visit in a published period.",
    visit: "Visit",
    requested_answer: "Requested answer",
    reason: "Reason",
    filed_by: "Filed by",
    status: "Status",
    decision: "Decision",
    was: "was: ",
    status_open: "Open",
    status_accepted: "Accepted",
    status_rejected: "Rejected",
    reject_reason: "Reason (required to reject)",
    accept: "Accept",
    confirm_accept: "Accepting changes the answer to the one asked for, and the scores and ranks with it. Accept?",
    reviews_heading: "Visits waiting for review",
    reviews_help: "A visit counts in no figure until it is accepted. Open a visit and look at its answers, notes, photos and flags before you accept it, return it for changes or exclude it.",
    no_pending: "No visits of this period wait for review.",
    flags_heading: "Flags",
    no_flags: "No flags",
    accept_unflagged: "Accept all unflagged visits",
    confirm_accept_unflagged: "Every pending visit of this period without flags will be accepted and count in the scores and ranks at once. Go ahead?",
    review_accept: "Accept",
    review_return: "Return for changes",
    review_exclude: "Exclude",
    return_comment: "What to correct (required to return)",
    exclude_reason: "Reason (required to exclude)",
    review_comment: "Reviewer's comment",
    returned_heading: "Returned: please correct",
    returned_help: "A reviewer returned these visits. Open one, correct it as the comment says and submit it again.",
    fix_and_resubmit: "Correct and submit again",
    review_decide: "Review",
    reject: "Reject",
    appeal: "Appeal",
    change_to: "Change to",
    requested_hint: "yes / no / n/a / a choice / a number",
    photo_optional: "Photo (optional)",
    file_appeal: "File the appeal",
    appeal_reason_short: "Please give the reason for the appeal (at least 5 characters)",
    appeal_photo_type: "The appeal photo is not a JPEG, PNG or WebP image",
    appeal_unpublished: "The period of this visit is not published yet; appeals open once it is",
    reject_needs_reason: "Please give a reason when rejecting an appeal",
    nav_rectify: "Rectification",
    rectify_help: "Every hall item that lost points in a published period has a ticket: the district manager says what was done, with photos; headquarters closes or reopens it. The hall's first visit after the period rechecks the item: full points means verified, points lost again means a repeated weakness. Overdue: past the due date with no response.",
    rectify_published_periods: "Published periods",
    rectify_no_tickets: "No tickets for your halls in this period: every item got full points, or its lost points were withdrawn on appeal.",
    rectify_dashboard_unpublished: "This period is not published yet: publishing opens a ticket for every hall item that lost points.",
    rectify_dashboard_link: "See the tickets",
    tally_scope: "Scope",
    only_district: "Showing only",
    every_district: "show every district",
    tally_tickets: "Tickets",
    tally_on_time: "Answered on time",
    tally_verified: "Verified",
    tally_repeated: "Repeated",
    tally_overdue: "Overdue",
    tally_open: "Still open",
    total: "Total",
    ticket_due_col: "Due",
    evidence_visits: "Visits that lost points",
    overdue_mark: "Overdue",
    repeated_mark: "Repeated weakness",
    under_appeal_mark: "Under appeal",
    open_ticket: "Open",
    ticket_opened: "Opened",
    ticket_response: "District's response",
    ticket_decision: "Headquarters' decision",
    ticket_recheck: "Recheck",
    ticket_history: "History",
    ticket_photos: "Photos of the fix",
    no_ticket_photos: "No photos yet.",
    respond_heading: "Answer the ticket",
    respond_text: "What was done",
    respond_photos: "Photos (one or more, JPEG / PNG / WebP)",
    respond_submit: "Send the answer",
    decide_heading: "Headquarters' decision",
    decide_comment: "Comment (required)",
    close_ticket: "Close the ticket",
    reopen_ticket: "Reopen",
    ticket_action_unknown: "Please choose what to do (respond, close or reopen)",
    ticket_photos_only_with_response: "Photos go with a response; choose none to close or reopen",
    hall_open_tickets: "Items under rectification",
    recheck_mark: "Recheck",
    recheck_note: "{n} items of this hall are under rectification and marked “Recheck”: please look at them closely.",
    problem_heading: "Not saved",
    // The visit form.
    critical: "Red line",
    // The upload page.
    sheet: "Sheet",
    row: "Row",
    column: "Column",
    header: "Header",
    value: "Value",
    cause: "Reason",
    roster: "Hall roster",
    spreadsheet_file: "File (.xlsx / .xls / .ods / .csv)",
    dry_run: "Check only, write nothing",
    upload_roster: "Upload the roster",
    visit_results: "Visit results",
    replace_visits: "Where a visit already exists with other answers, this file wins (the old answers stay in the history)",
    upload_visits: "Upload the visit results",
    scoring_rules: "Scoring rules (checklist)",
    checklist_file: "File (.toml, or scoring rules as .xlsx / .xls / .ods / .csv)",
    checklist_id: "Checklist id (required for spreadsheets)",
    title: "Title",
    pass_mark: "Pass mark",
    load_checklist: "Load the checklist",
    blank_template: "Download a blank template",
    download_checklist_sheet: "Download the scoring rules sheet",
    roster_guide: "Required columns: district, branch_code, branch_name; optional: city, address, branch_type, opening_hours (e.g. 09:00-18:00), peak_hours (e.g. 11:00-13:00, 17:00-19:00; when blank, plans use weekdays 11:00-13:00 and 17:00-19:00 and all of the weekend) (the template's Chinese headers mean the same). The header may sit under a title row; importing a code again updates the hall.",
    visits_guide: "Required columns: branch_code, visit_date; optional: visit_id (recognises a re-import), inspector, checklist, checklist_version, notes; the hall's name and county are for reading only. Then one column per item, headed \"code title\" or the code; answers are yes/no/n.a. in Chinese (是/否/不适用), a choice's label or a number, waits in minutes or m:ss.",
    checklist_guide: "One row per item: section_code, section, code, title, kind (check / scale / choice / measure), points, then na, critical, choices (e.g. A:2;B:1;C:0), bands, unit, rectify_days (1 to 365; blank takes the section's or 15). The download is the chosen checklist's current sheet: edit it and load it again with the checklist's id and title, as a new version.",
    choose_file: "Please choose a file to upload",
    // The visit plan page.
    plans_heading: "Visit plans",
    plan_make_heading: "Make a plan",
    plan_guide: "Plans the same number of visits for every hall in the period, each with an inspector, a day and a time window: no inspector sees a hall twice within the lockout, nobody exceeds the daily cap, and at least the given share falls in busy hours (opening and busy hours come from the roster). When the rules cannot be kept, nothing is planned and the reason is shown.",
    visits_per_hall: "Visits per hall",
    plan_inspectors: "Inspectors (none ticked: every inspector)",
    lockout_days: "Lockout (days)",
    max_per_day: "Most per inspector a day",
    peak_share: "Busy-hour share at least",
    seed: "Random seed",
    replace_plan: "Replace a plan whose days overlap",
    make_plan: "Make the plan",
    no_plan: "This period has no visit plan yet; make one with the form below.",
    coverage_heading: "Coverage",
    coverage_by_district: "By county",
    coverage_by_hall: "By hall (most overdue first)",
    coverage_note: "Done: a visit of the hall by the assigned inspector on the planned day, counted as soon as the visits are imported; overdue: the day has passed and no visit carried it out; done of those due: the share done among assignments whose day has come.",
    planned: "Planned",
    done: "Done",
    missing: "Missing",
    overdue: "Overdue",
    done_share: "Done of those due",
    overdue_heading: "Overdue assignments",
    no_overdue: "No assignment is overdue.",
    plan_date: "Date",
    time_window: "Window",
    kind: "Kind",
    kind_visit: "Visit",
    kind_revisit: "Re-visit",
    download_plan: "Download the plan sheet (for the agency)",
    revisit_heading: "Add a re-visit",
    revisit_guide: "Adds one re-visit of a hall to this period's plan; the day must lie in the period.",
    revisit_window: "Window (optional; the hall's opening hours)",
    add_revisit: "Add to the plan",
    // The audit log.
    audit_log: "Audit log",
    actor: "Actor",
    action: "Action",
    entity: "Object",
    date_from: "From",
    date_to: "To",
    filter: "Filter",
    time: "Time",
    entity_id: "Id",
    audit_change: "Change (before → after)",
    lang: Lang::En,
};
