//! Every user-facing string of the web pages, in Simplified Chinese first
//! and English second. Templates take a `&Text`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

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
    pub nav_dashboard: &'static str,
    pub nav_imports: &'static str,
    pub nav_audit: &'static str,
    pub nav_appeals: &'static str,
    pub pick_hall: &'static str,
    pub search_hall: &'static str,
    pub recent_halls: &'static str,
    pub all_halls: &'static str,
    pub start_visit: &'static str,
    pub drafts: &'static str,
    pub no_drafts: &'static str,
    pub my_visits: &'static str,
    pub no_visits: &'static str,
    pub continue_draft: &'static str,
    pub hall: &'static str,
    pub visited_at: &'static str,
    pub inspector: &'static str,
    pub rate: &'static str,
    pub progress: &'static str,
    pub answered: &'static str,
    pub required_missing: &'static str,
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
    pub review: &'static str,
    pub back_to_form: &'static str,
    pub submit: &'static str,
    pub saved_locally: &'static str,
    pub saved_server: &'static str,
    pub offline: &'static str,
    pub queued: &'static str,
    pub submitting: &'static str,
    pub submit_failed: &'static str,
    pub score: &'static str,
    pub sections: &'static str,
    pub lost: &'static str,
    pub answers: &'static str,
    pub code: &'static str,
    pub item: &'static str,
    pub answer: &'static str,
    pub points: &'static str,
    pub earned: &'static str,
    pub notes: &'static str,
    pub photos: &'static str,
    pub history: &'static str,
    pub checklist: &'static str,
    pub min_photos_rule: &'static str,
    pub comment_rule: &'static str,
    pub preview_offline: &'static str,
    pub minutes: &'static str,
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
    nav_dashboard: "看板",
    nav_imports: "导入",
    nav_audit: "审计",
    nav_appeals: "申诉",
    pick_hall: "选择营业厅",
    search_hall: "输入名称、编码或拼音首字母搜索",
    recent_halls: "最近暗访",
    all_halls: "全部营业厅",
    start_visit: "开始暗访",
    drafts: "未完成的暗访",
    no_drafts: "没有未完成的暗访",
    my_visits: "我提交的暗访",
    no_visits: "还没有提交过暗访",
    continue_draft: "继续",
    hall: "营业厅",
    visited_at: "暗访时间",
    inspector: "暗访员",
    rate: "得分率",
    progress: "进度",
    answered: "已答",
    required_missing: "还有必答项未作答",
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
    review: "检查并提交",
    back_to_form: "返回修改",
    submit: "提交",
    saved_locally: "已保存在本机",
    saved_server: "已同步到服务器",
    offline: "网络已断开:所有答案都保存在本机,联网后会自动提交",
    queued: "已排队,联网后自动提交",
    submitting: "正在提交……",
    submit_failed: "提交失败",
    score: "得分",
    sections: "大项",
    lost: "失分",
    answers: "逐项得分",
    code: "编码",
    item: "检查项目",
    answer: "答案",
    points: "分值",
    earned: "得分",
    notes: "备注",
    photos: "照片",
    history: "修改记录",
    checklist: "检查表",
    min_photos_rule: "至少需要照片张数",
    comment_rule: "总体印象至少字数",
    preview_offline: "离线时无法计算得分,联网后显示",
    minutes: "分钟",
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
    nav_dashboard: "Dashboard",
    nav_imports: "Imports",
    nav_audit: "Audit log",
    nav_appeals: "Appeals",
    pick_hall: "Choose a hall",
    search_hall: "Search by name, code or pinyin initials",
    recent_halls: "Recently visited",
    all_halls: "All halls",
    start_visit: "Start visit",
    drafts: "Unfinished visits",
    no_drafts: "No unfinished visits",
    my_visits: "My submitted visits",
    no_visits: "No visits submitted yet",
    continue_draft: "Continue",
    hall: "Hall",
    visited_at: "Visited at",
    inspector: "Inspector",
    rate: "Score rate",
    progress: "Progress",
    answered: "answered",
    required_missing: "Some required items are not answered yet",
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
    review: "Review and submit",
    back_to_form: "Back to the form",
    submit: "Submit",
    saved_locally: "Saved on this device",
    saved_server: "Synced to the server",
    offline: "Offline: every answer is kept on this device and will be sent when the connection returns",
    queued: "Queued; it will be sent when online",
    submitting: "Submitting…",
    submit_failed: "Submission failed",
    score: "Score",
    sections: "Sections",
    lost: "Lost",
    answers: "Items",
    code: "Code",
    item: "Item",
    answer: "Answer",
    points: "Points",
    earned: "Earned",
    notes: "Notes",
    photos: "Photos",
    history: "History",
    checklist: "Checklist",
    min_photos_rule: "Photos required",
    comment_rule: "Minimum characters of the overall impression",
    preview_offline: "The score is computed when online",
    minutes: "min",
};
