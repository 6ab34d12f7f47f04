//! Reading spreadsheet files (.xlsx, .xls, .ods, .xlsb, .csv) into plain
//! rows of cells, with row numbers as the spreadsheet shows them.

use std::fmt;
use std::io::Cursor;
use std::ops::Deref;

use calamine::{
    CellErrorType, Data, DataRef, Ods, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook_auto_from_rs,
};
use chrono::NaiveDateTime;

/// The most cells (counting the blanks left of a row's last value) a
/// workbook may ask for. A year of national visits is about 6 million; a
/// sheet with one stray cell in every row at column XFD would be billions.
pub const MAX_CELLS: usize = 40_000_000;

/// One cell's value, as the spreadsheet program stored it. A cell takes 16
/// bytes and short text needs no allocation of its own: a year of national
/// visits is 6 million cells, nearly all of them 是, 否 or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(Text),
    Number(f64),
    /// A date or date-time cell.
    DateTime(NaiveDateTime),
    /// A time-of-day or duration cell, in days (Excel's unit).
    Time(f64),
    Bool(bool),
    /// An error value such as #DIV/0!.
    Error(CellErrorType),
}

/// A text cell's content: up to 14 bytes are kept inline, longer text in a
/// box. Reads as a `&str`.
#[derive(Clone)]
pub struct Text(TextRepr);

const INLINE: usize = 14;

#[derive(Clone)]
enum TextRepr {
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer keeps the cell at 16 bytes; long text is rare"
    )]
    Heap(Box<String>),
}

impl Text {
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Built from a whole `&str`, so always valid.
            TextRepr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            TextRepr::Heap(text) => text,
        }
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        if text.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Text(TextRepr::Inline {
                len: text.len() as u8,
                bytes,
            })
        } else {
            Text(TextRepr::Heap(Box::new(text.to_string())))
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        if text.len() <= INLINE {
            Text::from(text.as_str())
        } else {
            Text(TextRepr::Heap(Box::new(text)))
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => crate::domain::answer::normalize_text(text).is_empty(),
            _ => false,
        }
    }

    /// The cell as text for messages and for header matching.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.to_string(),
            Cell::Number(n) => crate::domain::answer::format_number(*n),
            Cell::DateTime(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Time(days) => {
                let seconds = (days * 86_400.0).round() as i64;
                format!(
                    "{}:{:02}:{:02}",
                    seconds / 3600,
                    seconds / 60 % 60,
                    seconds % 60
                )
            }
            Cell::Bool(b) => b.to_string(),
            Cell::Error(e) => e.to_string(),
        }
    }
}

/// A row that holds at least one value; `number` is 1-based, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u32,
    /// From column A up to the row's last value.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("无法读取文件 {0}:{1}")]
    Io(String, std::io::Error),
    #[error(
        "{0} 不是 UTF-8 编码的 CSV(可能是 GBK):请在 Excel 中另存为「CSV UTF-8(逗号分隔)」后再导入"
    )]
    NotUtf8(String),
    #[error("{0} 的 CSV 格式有误:{1}")]
    Csv(String, String),
    #[error("{0} 不是可读取的电子表格:支持 .xlsx、.xls、.ods、.xlsb 和 .csv")]
    UnknownFormat(String),
    #[error("{0} 受密码保护或已加密:请去掉密码后另存一份再导入")]
    Encrypted(String),
    #[error("{0} 已损坏或不是有效的 {1} 文件:{2}")]
    Corrupt(String, &'static str, String),
    #[error(
        "{0} 过大:工作表「{1}」占用超过 {2} 个单元格(可能在远处有零散内容),请删除多余的行列后再导入"
    )]
    TooLarge(String, String, usize),
    /// The same, found before the sheet's name is known (.ods).
    #[error(
        "{0} 过大:有工作表占用超过 {1} 个单元格(可能在远处有零散内容),请删除多余的行列后再导入"
    )]
    TooLargeBook(String, usize),
    #[error("{0} 中没有任何内容")]
    Empty(String),
}

/// Reads a whole workbook. `name` is the file name as the user knows it;
/// its extension chooses the reader, and the content is checked against it.
pub fn read_workbook(name: &str, bytes: Vec<u8>) -> Result<Vec<Sheet>, ReadError> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let sheets = match extension.as_str() {
        "csv" | "txt" => vec![read_csv(name, &bytes)?],
        // Encrypted OOXML files are OLE containers, not zips.
        "xlsx" | "xlsm" | "ods" | "xlsb" if ole => return Err(ReadError::Encrypted(name.into())),
        "xlsx" | "xlsm" if zip => read_xlsx(name, bytes)?,
        "xls" | "ods" | "xlsb" if zip || ole => read_other(name, bytes, &extension, zip)?,
        "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => {
            return Err(ReadError::Corrupt(
                name.into(),
                format_name(&extension),
                "文件内容与扩展名不符".into(),
            ));
        }
        _ => return Err(ReadError::UnknownFormat(name.into())),
    };
    if sheets.iter().all(|s| s.rows.is_empty()) {
        return Err(ReadError::Empty(name.into()));
    }
    Ok(sheets)
}

fn format_name(extension: &str) -> &'static str {
    match extension {
        "xls" => "Excel 97-2003 (.xls)",
        "ods" => "OpenDocument (.ods)",
        "xlsb" => "Excel 二进制 (.xlsb)",
        "csv" | "txt" => "CSV",
        _ => "Excel (.xlsx)",
    }
}

fn read_csv(name: &str, bytes: &[u8]) -> Result<Sheet, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(ReadError::NotUtf8(name.into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut cells_used = 0usize;
    let mut record = csv::StringRecord::new();
    // The reader reports a record after blank lines as starting on the
    // first blank one, so lines are counted here from byte offsets.
    let (mut counted_to, mut line) = (0usize, 1u32);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(ReadError::Csv(name.into(), e.to_string())),
        }
        let mut start = record.position().map_or(counted_to, |p| {
            usize::try_from(p.byte()).unwrap_or(counted_to)
        });
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let start = start.max(counted_to);
        line += bytes[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        counted_to = start;
        let number = line;
        let last = (0..record.len())
            .rev()
            .find(|&i| record.get(i).is_some_and(|f| !f.trim().is_empty()));
        let Some(last) = last else { continue };
        cells_used += last + 1;
        if cells_used > MAX_CELLS {
            return Err(ReadError::TooLarge(name.into(), stem(name), MAX_CELLS));
        }
        let mut cells = Vec::with_capacity(last + 1);
        for field in record.iter().take(last + 1) {
            cells.push(if field.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(field.into())
            });
        }
        rows.push(Row { number, cells });
    }
    Ok(Sheet {
        name: stem(name),
        rows,
    })
}

fn stem(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.rsplit_once('.').map_or(file, |(s, _)| s).to_string()
}

/// Collects cells given in row order into rows, refusing sheets that would
/// need more than [`MAX_CELLS`].
struct RowBuilder<'a> {
    file: &'a str,
    sheet: &'a str,
    rows: Vec<Row>,
    cells_used: usize,
}

impl RowBuilder<'_> {
    fn push(&mut self, row: u32, column: u32, cell: Cell) -> Result<(), ReadError> {
        if matches!(cell, Cell::Empty) {
            return Ok(());
        }
        let number = row + 1;
        if self.rows.last().is_none_or(|r| r.number != number) {
            self.rows.push(Row {
                number,
                cells: Vec::new(),
            });
        }
        let Some(current) = self.rows.last_mut() else {
            return Ok(());
        };
        let column = column as usize;
        if column >= current.cells.len() {
            self.cells_used += column + 1 - current.cells.len();
            if self.cells_used > MAX_CELLS {
                return Err(ReadError::TooLarge(
                    self.file.into(),
                    self.sheet.into(),
                    MAX_CELLS,
                ));
            }
            current.cells.resize(column + 1, Cell::Empty);
        }
        current.cells[column] = cell;
        Ok(())
    }

    fn finish(mut self) -> Vec<Row> {
        // Cells arrive in row order in every format we read, but sorting
        // keeps a malformed file from producing duplicate row numbers.
        self.rows.sort_by_key(|r| r.number);
        self.rows
    }
}

/// .xlsx is streamed cell by cell, so a stray far-away cell costs nothing
/// and the size check happens before anything large is allocated.
fn read_xlsx(name: &str, bytes: Vec<u8>) -> Result<Vec<Sheet>, ReadError> {
    let corrupt = |e: calamine::XlsxError| {
        ReadError::Corrupt(name.into(), format_name("xlsx"), e.to_string())
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
    let mut sheets = Vec::new();
    for sheet_name in workbook.sheet_names() {
        let mut reader = workbook
            .worksheet_cells_reader(&sheet_name)
            .map_err(corrupt)?;
        let mut builder = RowBuilder {
            file: name,
            sheet: &sheet_name,
            rows: Vec::new(),
            cells_used: 0,
        };
        while let Some(cell) = reader.next_cell().map_err(corrupt)? {
            let (row, column) = cell.get_position();
            builder.push(row, column, from_data_ref(cell.get_value()))?;
        }
        sheets.push(Sheet {
            rows: builder.finish(),
            name: sheet_name,
        });
    }
    Ok(sheets)
}

fn read_other(
    name: &str,
    bytes: Vec<u8>,
    extension: &str,
    zip: bool,
) -> Result<Vec<Sheet>, ReadError> {
    let format = format_name(extension);
    let corrupt = |e: calamine::Error| match e {
        calamine::Error::Xls(calamine::XlsError::Password)
        | calamine::Error::Ods(calamine::OdsError::Password) => ReadError::Encrypted(name.into()),
        calamine::Error::Ods(calamine::OdsError::CellLimitExceeded { .. }) => {
            ReadError::TooLargeBook(name.into(), MAX_CELLS)
        }
        e => {
            let text = e.to_string();
            if text.to_lowercase().contains("password") || text.to_lowercase().contains("encrypt") {
                ReadError::Encrypted(name.into())
            } else {
                ReadError::Corrupt(name.into(), format, text)
            }
        }
    };
    // The reader the name promises, so that its own error (a password, a
    // size limit, a broken record) reaches the user; guessing the format
    // only when the content is of another kind (an .xlsx named .xls).
    let cursor = Cursor::new(bytes);
    let mut workbook: Sheets<_> = match (extension, zip) {
        ("xls", false) => Sheets::Xls(Xls::new(cursor).map_err(|e| corrupt(e.into()))?),
        ("ods", true) => Sheets::Ods(Ods::new(cursor).map_err(|e| corrupt(e.into()))?),
        ("xlsb", true) => Sheets::Xlsb(Xlsb::new(cursor).map_err(|e| corrupt(e.into()))?),
        _ => open_workbook_auto_from_rs(cursor).map_err(corrupt)?,
    };
    let mut sheets = Vec::new();
    for sheet_name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&sheet_name).map_err(corrupt)?;
        let (height, width) = range.get_size();
        if height.saturating_mul(width) > MAX_CELLS {
            return Err(ReadError::TooLarge(name.into(), sheet_name, MAX_CELLS));
        }
        let mut builder = RowBuilder {
            file: name,
            sheet: &sheet_name,
            rows: Vec::new(),
            cells_used: 0,
        };
        for (row, column, value) in range.used_cells() {
            let (start_row, start_column) = range.start().unwrap_or((0, 0));
            builder.push(
                start_row + row as u32,
                start_column + column as u32,
                from_data(value),
            )?;
        }
        sheets.push(Sheet {
            rows: builder.finish(),
            name: sheet_name,
        });
    }
    Ok(sheets)
}

fn from_date(value: &calamine::ExcelDateTime) -> Cell {
    if value.is_duration() || value.as_f64() < 1.0 {
        return Cell::Time(value.as_f64());
    }
    value
        .as_datetime()
        .map_or_else(|| Cell::Number(value.as_f64()), Cell::DateTime)
}

fn from_iso(text: &str) -> Cell {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]
        .iter()
        .find_map(|f| {
            NaiveDateTime::parse_from_str(text, f).ok().or_else(|| {
                chrono::NaiveDate::parse_from_str(text, f)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
        })
        .map_or_else(|| Cell::Text(text.into()), Cell::DateTime)
}

/// An ISO 8601 duration as OpenDocument stores time cells (`PT00H12M00S`,
/// `-P1DT2H30M15.5S`) in days, like Excel's time cells; other text as is.
fn from_iso_duration(text: &str) -> Cell {
    fn days(text: &str) -> Option<f64> {
        let (sign, rest) = match text.strip_prefix('-') {
            Some(rest) => (-1.0, rest),
            None => (1.0, text),
        };
        let rest = rest.strip_prefix('P')?;
        let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
        let mut seconds = 0.0;
        let mut add = |part: &str, units: &[(char, f64)]| -> Option<()> {
            let mut number = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' {
                    number.push(c);
                } else {
                    let &(_, size) = units.iter().find(|(unit, _)| *unit == c)?;
                    seconds += number.parse::<f64>().ok()? * size;
                    number.clear();
                }
            }
            number.is_empty().then_some(())
        };
        add(date, &[('D', 86_400.0)])?;
        add(time, &[('H', 3_600.0), ('M', 60.0), ('S', 1.0)])?;
        Some(sign * seconds / 86_400.0)
    }
    days(text).map_or_else(|| Cell::Text(text.into()), Cell::Time)
}

fn from_data_ref(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.as_str().into()),
        DataRef::SharedString(s) => Cell::Text((*s).into()),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(d) => from_date(d),
        DataRef::DateTimeIso(s) => from_iso(s),
        DataRef::DurationIso(s) => from_iso_duration(s),
        DataRef::Error(e) => Cell::Error(e.clone()),
    }
}

fn from_data(value: &Data) -> Cell {
    match value {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.as_str().into()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => from_date(d),
        Data::DateTimeIso(s) => from_iso(s),
        Data::DurationIso(s) => from_iso_duration(s),
        Data::Error(e) => Cell::Error(e.clone()),
    }
}

/// The column letters of a 0-based column index: 0 → A, 27 → AB.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opendocument_durations_are_time_cells() {
        let minutes = |text: &str| match from_iso_duration(text) {
            Cell::Time(days) => Some((days * 24.0 * 60.0 * 1000.0).round() / 1000.0),
            _ => None,
        };
        assert_eq!(minutes("PT00H12M00S"), Some(12.0));
        assert_eq!(minutes("PT00H12M30S"), Some(12.5));
        assert_eq!(minutes("PT1H0M0.5S"), Some(60.008));
        assert_eq!(minutes("P1DT2H"), Some(1560.0));
        assert_eq!(minutes("-PT30M"), Some(-30.0));
        assert_eq!(minutes("PT12"), None);
        assert_eq!(minutes("12:00"), None);
        assert_eq!(minutes("PT1X"), None);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
    }

    #[test]
    fn csv_with_bom_keeps_row_numbers_and_skips_blank_rows() {
        let text = "\u{FEFF}标题\n\n网点编码,名称\nB1,\"一,号\"\n,,\nB2,二\n";
        let sheets = read_workbook("名单.csv", text.as_bytes().to_vec()).expect("reads");
        let rows = &sheets[0].rows;
        assert_eq!(sheets[0].name, "名单");
        assert_eq!(
            rows.iter().map(|r| r.number).collect::<Vec<_>>(),
            vec![1, 3, 4, 6]
        );
        assert_eq!(rows[0].cells[0], Cell::Text("标题".into()));
        assert_eq!(rows[2].cells[1], Cell::Text("一,号".into()));
    }

    #[test]
    fn short_text_lives_in_the_cell() {
        // 16 bytes a cell keeps a year of national visits small.
        assert!(std::mem::size_of::<Cell>() <= 16);
        for text in [
            "",
            "是",
            "不适用",
            "07:45",
            "AF20250000001",
            "仪容仪表规范",
            "2025-01-05 10:20",
        ] {
            let cell = Text::from(text);
            assert_eq!(cell.as_str(), text);
            assert_eq!(Text::from(text.to_string()), cell);
            assert_eq!(format!("{cell:?}"), format!("{text:?}"));
        }
        assert!(matches!(Text::from("不适用").0, TextRepr::Inline { .. }));
        assert!(matches!(Text::from("仪容仪表规范").0, TextRepr::Heap(_)));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let gbk = vec![0xCD, 0xF8, 0xB5, 0xE3, b',', b'1', b'\n'];
        assert!(matches!(
            read_workbook("a.csv", gbk),
            Err(ReadError::NotUtf8(_))
        ));
        assert!(matches!(
            read_workbook("a.xlsx", b"PK\x03\x04garbage".to_vec()),
            Err(ReadError::Corrupt(..))
        ));
        assert!(matches!(
            read_workbook("a.xlsx", b"hello".to_vec()),
            Err(ReadError::Corrupt(..))
        ));
        assert!(matches!(
            read_workbook("a.pdf", b"%PDF".to_vec()),
            Err(ReadError::UnknownFormat(_))
        ));
        assert!(matches!(
            read_workbook("a.csv", b"\n,,\n".to_vec()),
            Err(ReadError::Empty(_))
        ));
    }
}
