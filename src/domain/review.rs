//! Review before a visit counts: a visit's review status, the decisions a
//! reviewer takes, and the automatic flags that point the reviewer at the
//! usual ways a mystery-shopping visit goes wrong — impossible timings,
//! recycled photos and copy-pasted answers.

use std::fmt;

use chrono::{Duration, NaiveDateTime};

use super::answer::{Answer, is_minutes};
use super::checklist::{Checklist, ItemKind};
use super::plan::Hours;

/// Days within which the same inspector visiting the same hall again is
/// flagged, as a visit plan keeps them apart by default.
pub const LOCKOUT_DAYS: u32 = 30;

/// Where a visit stands. Only accepted visits count in any figure; visits
/// of a checklist without review are accepted when they arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pending,
    Accepted,
    /// Back with the inspector, to be corrected and submitted again.
    Returned,
    /// Taken out for good, with a reason.
    Excluded,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Accepted,
        Status::Returned,
        Status::Excluded,
    ];

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::Returned => "returned",
            Status::Excluded => "excluded",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The status a newly submitted visit takes.
    pub fn on_arrival(review: bool) -> Status {
        if review {
            Status::Pending
        } else {
            Status::Accepted
        }
    }

    /// Whether the inspector may submit the visit again under its id.
    pub fn is_open_to_inspector(self) -> bool {
        self == Status::Returned
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reviewer decides about a pending visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Return,
    Exclude,
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("「{0}」不是审核决定(可用 accept 通过、return 退回、exclude 剔除)")]
    Unknown(String),
    #[error("退回必须写明要暗访员修改什么")]
    ReturnNeedsComment,
    #[error("剔除必须写明原因")]
    ExcludeNeedsReason,
    #[error("这次暗访当前为「{0}」,只有待审核的暗访可以审核")]
    NotPending(&'static str),
}

impl Decision {
    pub fn parse(text: &str) -> Result<Decision, DecisionError> {
        match text.trim() {
            "accept" | "通过" => Ok(Decision::Accept),
            "return" | "退回" => Ok(Decision::Return),
            "exclude" | "剔除" => Ok(Decision::Exclude),
            other => Err(DecisionError::Unknown(other.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Return => "return",
            Decision::Exclude => "exclude",
        }
    }

    /// The status this decision leaves a visit in, if it may be taken on a
    /// visit in `current` with this comment.
    pub fn apply(self, current: Status, comment: Option<&str>) -> Result<Status, DecisionError> {
        if current != Status::Pending {
            return Err(DecisionError::NotPending(status_word(current)));
        }
        let written = comment.is_some_and(|c| !c.trim().is_empty());
        match self {
            Decision::Accept => Ok(Status::Accepted),
            Decision::Return if written => Ok(Status::Returned),
            Decision::Return => Err(DecisionError::ReturnNeedsComment),
            Decision::Exclude if written => Ok(Status::Excluded),
            Decision::Exclude => Err(DecisionError::ExcludeNeedsReason),
        }
    }
}

/// The Chinese word for a status, as people read it.
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pending => "待审核",
        Status::Accepted => "已通过",
        Status::Returned => "已退回",
        Status::Excluded => "已剔除",
    }
}

/// One automatic flag: a stable code and a sentence for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Flag {
    pub code: &'static str,
    pub message: String,
}

/// Where a photo's capture time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSource {
    /// The EXIF data of the original file the server received.
    Exif,
    /// Read by the tablet from the original before it resized the photo.
    Device,
}

/// What the server knows of one photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub sha256: String,
    pub taken_at: Option<(NaiveDateTime, TimeSource)>,
}

/// What the flags look at in the visit under review.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject<'a> {
    pub visit_id: &'a str,
    pub inspector: Option<&'a str>,
    pub branch_code: &'a str,
    pub checklist: (&'a str, u32),
    pub visited_at: NaiveDateTime,
    /// Minutes from opening the form at the hall to submitting it, when
    /// the tablet measured them.
    pub minutes_at_hall: Option<f64>,
    /// The minutes measured on the visit's stopwatch items, summed.
    pub stopwatch_minutes: f64,
    pub hours: &'a Hours,
    pub photos: &'a [Photo],
    pub answers: &'a [Answer],
}

/// Another stored visit, for the comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct Other<'a> {
    pub visit_id: &'a str,
    pub inspector: Option<&'a str>,
    pub branch_code: &'a str,
    pub checklist: (&'a str, u32),
    pub visited_at: NaiveDateTime,
    pub photo_hashes: &'a [String],
    pub answers: &'a [Answer],
}

/// The minutes a visit's stopwatch measured: its answers to the
/// checklist's measure items in minutes, summed.
pub fn stopwatch_minutes(checklist: &Checklist, answers: &[Answer]) -> f64 {
    checklist
        .items()
        .zip(answers)
        .filter_map(|((_, item), answer)| match (&item.kind, answer) {
            (ItemKind::Measure { unit, .. }, Answer::Number(minutes)) if is_minutes(unit) => {
                Some(*minutes)
            }
            _ => None,
        })
        .sum()
}

impl TimeSource {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeSource::Exif => "exif",
            TimeSource::Device => "device",
        }
    }

    pub fn parse(text: &str) -> Option<TimeSource> {
        [TimeSource::Exif, TimeSource::Device]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A photo's capture time may differ from the visit time by this much.
const PHOTO_HOURS: i64 = 2;

/// Every flag the visit raises against the others, in a fixed order.
pub fn flags(subject: &Subject, others: &[Other], lockout_days: u32) -> Vec<Flag> {
    let others: Vec<&Other> = others
        .iter()
        .filter(|o| o.visit_id != subject.visit_id)
        .collect();
    let mut flags = Vec::new();
    flags.extend(stopwatch_over_stay(subject));
    flags.extend(outside_hours(subject));
    flags.extend(reused_photos(subject, &others));
    flags.extend(photo_times(subject));
    flags.extend(within_lockout(subject, &others, lockout_days));
    flags.extend(same_answers(subject, &others));
    flags
}

fn stopwatch_over_stay(subject: &Subject) -> Option<Flag> {
    let stay = subject.minutes_at_hall?;
    (subject.stopwatch_minutes > stay).then(|| Flag {
        code: "stopwatch_over_stay",
        message: format!(
            "秒表记录共 {:.1} 分钟,超过在厅时间 {:.1} 分钟",
            subject.stopwatch_minutes, stay
        ),
    })
}

fn outside_hours(subject: &Subject) -> Option<Flag> {
    let open = subject.hours.open;
    let time = subject.visited_at.time();
    (time < open.start || time > open.end).then(|| Flag {
        code: "outside_hours",
        message: format!("暗访时间 {} 不在营业时间 {open} 内", time.format("%H:%M")),
    })
}

fn reused_photos(subject: &Subject, others: &[&Other]) -> Vec<Flag> {
    subject
        .photos
        .iter()
        .enumerate()
        .filter_map(|(n, photo)| {
            let other = others
                .iter()
                .find(|o| o.photo_hashes.contains(&photo.sha256))?;
            Some(Flag {
                code: "photo_reused",
                message: format!(
                    "第 {} 张照片与暗访 {} 的照片完全相同",
                    n + 1,
                    other.visit_id
                ),
            })
        })
        .collect()
}

fn photo_times(subject: &Subject) -> Vec<Flag> {
    subject
        .photos
        .iter()
        .enumerate()
        .filter_map(|(n, photo)| {
            let (taken, source) = photo.taken_at?;
            let apart = (taken - subject.visited_at).abs();
            (apart > Duration::hours(PHOTO_HOURS)).then(|| Flag {
                code: "photo_time",
                message: format!(
                    "第 {} 张照片的拍摄时间 {}({})与暗访时间相差超过 {PHOTO_HOURS} 小时",
                    n + 1,
                    taken.format("%Y-%m-%d %H:%M"),
                    match source {
                        TimeSource::Exif => "取自照片原件的 EXIF",
                        TimeSource::Device => "由平板在压缩前读取",
                    }
                ),
            })
        })
        .collect()
}

fn within_lockout(subject: &Subject, others: &[&Other], lockout_days: u32) -> Option<Flag> {
    let inspector = subject.inspector?;
    let other = others.iter().find(|o| {
        o.inspector == Some(inspector)
            && o.branch_code == subject.branch_code
            && (o.visited_at - subject.visited_at).abs() < Duration::days(lockout_days.into())
    })?;
    Some(Flag {
        code: "lockout",
        message: format!(
            "同一暗访员 {lockout_days} 天内再访同一网点(上次为暗访 {},{})",
            other.visit_id,
            other.visited_at.format("%Y-%m-%d")
        ),
    })
}

fn same_answers(subject: &Subject, others: &[&Other]) -> Option<Flag> {
    let inspector = subject.inspector?;
    let other = others.iter().find(|o| {
        o.inspector == Some(inspector)
            && o.checklist == subject.checklist
            && o.answers == subject.answers
    })?;
    Some(Flag {
        code: "same_answers",
        message: format!(
            "全部答案与同一暗访员的暗访 {}({})完全相同",
            other.visit_id, other.branch_code
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 10, day)
            .and_then(|d| d.and_hms_opt(hour, minute, 0))
            .expect("a valid time")
    }

    const ANSWERS: [Answer; 3] = [Answer::Pass, Answer::Fail, Answer::Number(4.0)];

    fn subject<'a>(hours: &'a Hours, photos: &'a [Photo]) -> Subject<'a> {
        Subject {
            visit_id: "V1",
            inspector: Some("王敏"),
            branch_code: "B001",
            checklist: ("hall-visit", 1),
            visited_at: at(10, 10, 30),
            minutes_at_hall: Some(25.0),
            stopwatch_minutes: 12.0,
            hours,
            photos,
            answers: &ANSWERS,
        }
    }

    fn other<'a>(hashes: &'a [String], answers: &'a [Answer]) -> Other<'a> {
        Other {
            visit_id: "V2",
            inspector: Some("李强"),
            branch_code: "B002",
            checklist: ("hall-visit", 1),
            visited_at: at(20, 15, 0),
            photo_hashes: hashes,
            answers,
        }
    }

    fn codes(flags: &[Flag]) -> Vec<&'static str> {
        flags.iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_plain_visit_raises_no_flag() {
        let hours = Hours::default();
        let photos = [Photo {
            sha256: "aa".into(),
            taken_at: Some((at(10, 10, 20), TimeSource::Exif)),
        }];
        let hashes = ["bb".to_string()];
        let flags = flags(&subject(&hours, &photos), &[other(&hashes, &ANSWERS)], 30);
        assert_eq!(flags, vec![]);
    }

    #[test]
    fn each_way_of_going_wrong_has_its_flag() {
        let hours = Hours::default();
        let photos = [
            Photo {
                sha256: "same".into(),
                taken_at: None,
            },
            Photo {
                sha256: "cc".into(),
                taken_at: Some((at(9, 20, 0), TimeSource::Device)),
            },
        ];
        let mut visit = subject(&hours, &photos);
        visit.stopwatch_minutes = 40.0;
        visit.visited_at = at(10, 20, 30);
        let hashes = ["same".to_string()];
        let mut earlier = other(&hashes, &ANSWERS);
        earlier.inspector = Some("王敏");
        earlier.branch_code = "B001";
        earlier.visited_at = at(1, 11, 0);
        let flags = flags(&visit, &[earlier], 30);
        assert_eq!(
            codes(&flags),
            [
                "stopwatch_over_stay",
                "outside_hours",
                "photo_reused",
                "photo_time",
                "lockout",
                "same_answers"
            ]
        );
        assert!(flags[0].message.contains("40.0") && flags[0].message.contains("25.0"));
        assert!(flags[1].message.contains("20:30") && flags[1].message.contains("09:00-19:00"));
        assert!(flags[2].message.contains("第 1 张") && flags[2].message.contains("V2"));
        assert!(flags[3].message.contains("第 2 张") && flags[3].message.contains("压缩前"));
    }

    #[test]
    fn flags_name_only_what_crosses_the_line() {
        let hours = Hours::default();
        let photos = [Photo {
            sha256: "aa".into(),
            taken_at: Some((at(10, 17, 0), TimeSource::Exif)),
        }];
        let mut visit = subject(&hours, &photos);
        visit.stopwatch_minutes = 25.0;
        visit.visited_at = at(10, 19, 0);
        let hashes = [];
        let mut same_hall = other(&hashes, &[Answer::Pass, Answer::Pass, Answer::Number(4.0)]);
        same_hall.inspector = Some("王敏");
        same_hall.branch_code = "B001";
        same_hall.visited_at = at(10, 19, 0) - Duration::days(30);
        // Exactly two hours, exactly the stay, exactly closing time and
        // exactly the lockout apart: none of these is over the line.
        assert_eq!(flags(&visit, &[same_hall], 30), vec![]);
    }

    #[test]
    fn a_visit_is_not_compared_with_itself() {
        let hours = Hours::default();
        let hashes = ["aa".to_string()];
        let photos = [Photo {
            sha256: "aa".into(),
            taken_at: None,
        }];
        let mut itself = other(&hashes, &ANSWERS);
        itself.visit_id = "V1";
        itself.inspector = Some("王敏");
        assert_eq!(flags(&subject(&hours, &photos), &[itself], 30), vec![]);
    }

    #[test]
    fn decisions_need_a_pending_visit_and_a_reason_to_refuse() {
        use Decision::*;
        assert_eq!(Accept.apply(Status::Pending, None), Ok(Status::Accepted));
        assert_eq!(
            Return.apply(Status::Pending, Some("  ")),
            Err(DecisionError::ReturnNeedsComment)
        );
        assert_eq!(
            Return.apply(Status::Pending, Some("补拍门头")),
            Ok(Status::Returned)
        );
        assert_eq!(
            Exclude.apply(Status::Pending, None),
            Err(DecisionError::ExcludeNeedsReason)
        );
        assert_eq!(
            Accept.apply(Status::Excluded, None),
            Err(DecisionError::NotPending("已剔除"))
        );
        assert_eq!(Decision::parse("退回"), Ok(Return));
        assert!(matches!(
            Decision::parse("approve"),
            Err(DecisionError::Unknown(_))
        ));
    }

    #[test]
    fn the_stopwatch_sums_minutes_only() {
        let checklist = crate::domain::checklist::tests::sample();
        // The sample's one measure item (C01, in 分钟) is its last.
        let mut answers = vec![Answer::Pass; checklist.item_count()];
        assert_eq!(stopwatch_minutes(&checklist, &answers), 0.0);
        *answers.last_mut().expect("items") = Answer::Number(12.5);
        assert_eq!(stopwatch_minutes(&checklist, &answers), 12.5);
        *answers.last_mut().expect("items") = Answer::NotApplicable;
        assert_eq!(stopwatch_minutes(&checklist, &answers), 0.0);
    }

    #[test]
    fn time_sources_read_back_as_written() {
        for source in [TimeSource::Exif, TimeSource::Device] {
            assert_eq!(TimeSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(TimeSource::parse("guess"), None);
    }

    #[test]
    fn statuses_read_back_as_written() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::on_arrival(true), Status::Pending);
        assert_eq!(Status::on_arrival(false), Status::Accepted);
    }
}
