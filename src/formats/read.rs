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
    let extension = extension(name);
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let sheets = match extension.as_str() {
        "csv" | "txt" => vec![read_csv(name, bytes)?],
        // Encrypted OOXML files are OLE containers, not zips.
        "xlsx" | "xlsm" | "ods" | "xlsb" if ole => return Err(ReadError::Encrypted(name.into())),
        "xlsx" | "xlsm" if zip => guarded(name, &extension, || read_xlsx(name, bytes))?,
        "xls" | "ods" | "xlsb" if zip || ole => guarded(name, &extension, || {
            read_other(name, bytes, &extension, zip)
        })?,
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

thread_local! {
    /// Set while [`guarded`] runs a reader on this thread.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a spreadsheet reader that may panic on a malformed file (calamine
/// indexes past the end of some broken .xls files) and turns a panic into
/// [`ReadError::Corrupt`]: the command line prints one line, the web
/// application answers the request. The panic message is kept quiet on this
/// thread only; panics elsewhere reach the hook as before.
fn guarded(
    name: &str,
    extension: &str,
    read: impl FnOnce() -> Result<Vec<Sheet>, ReadError>,
) -> Result<Vec<Sheet>, ReadError> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    GUARDED.with(|g| g.set(was));
    result.unwrap_or_else(|_| {
        Err(ReadError::Corrupt(
            name.into(),
            format_name(extension),
            "文件结构异常,无法解析".into(),
        ))
    })
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

fn read_csv(name: &str, bytes: Vec<u8>) -> Result<Sheet, ReadError> {
    let rows = CsvRows::new(name, bytes)?;
    Ok(Sheet {
        name: rows.sheet.clone(),
        rows: rows.collect::<Result<_, _>>()?,
    })
}

/// The extension of a file's name, in lower case: it chooses the reader.
fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default()
}

/// A file as an importer takes it: every sheet read whole, or a .csv with
/// its first rows read and the rest read as they are taken, so that a
/// large file is never held as cells all at once.
pub enum Opened {
    Sheets(Vec<Sheet>),
    Csv { head: Sheet, rest: Box<CsvRows> },
}

impl Opened {
    /// Opens `name`: a .csv up to its first `head` rows (as far as a
    /// header is looked for), any other format whole. Refuses what
    /// [`read_workbook`] refuses, except a .csv's size, found only as its
    /// rows are taken.
    pub fn open(name: &str, bytes: Vec<u8>, head: usize) -> Result<Opened, ReadError> {
        if !matches!(extension(name).as_str(), "csv" | "txt") {
            return read_workbook(name, bytes).map(Opened::Sheets);
        }
        let mut rest = CsvRows::new(name, bytes)?;
        let rows: Vec<Row> = rest.by_ref().take(head).collect::<Result<_, _>>()?;
        if rows.is_empty() {
            return Err(ReadError::Empty(name.into()));
        }
        let head = Sheet {
            name: rest.sheet.clone(),
            rows,
        };
        Ok(Opened::Csv {
            head,
            rest: Box::new(rest),
        })
    }
}

/// The rows of a .csv file (UTF-8, with or without a BOM) one at a time:
/// rows without a value are left out, and a file of more than
/// [`MAX_CELLS`] cells is refused at the row that passes them.
pub struct CsvRows {
    name: String,
    sheet: String,
    reader: csv::Reader<Cursor<Vec<u8>>>,
    /// Where the text begins in the file, after a BOM.
    start: usize,
    record: csv::StringRecord,
    cells_used: usize,
    /// How far into the text lines are counted, and the line reached.
    counted_to: usize,
    line: u32,
}

impl CsvRows {
    fn new(name: &str, bytes: Vec<u8>) -> Result<CsvRows, ReadError> {
        let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if std::str::from_utf8(&bytes[start..]).is_err() {
            return Err(ReadError::NotUtf8(name.into()));
        }
        let mut text = Cursor::new(bytes);
        text.set_position(start as u64);
        Ok(CsvRows {
            name: name.into(),
            sheet: stem(name),
            reader: csv_reader(text),
            start,
            record: csv::StringRecord::new(),
            cells_used: 0,
            counted_to: 0,
            line: 1,
        })
    }

    /// The text of the file, after a BOM.
    fn text(&self) -> &[u8] {
        &self.reader.get_ref().get_ref()[self.start..]
    }

    /// Looks through the rows not taken yet, leaving them to be taken:
    /// hands `seen` each one's field in `column` (when asked for and
    /// there), and returns how many there are.
    pub fn look_ahead(&self, column: Option<usize>, seen: &mut dyn FnMut(&str)) -> usize {
        // From the top of the text, as the reader taking the rows read it
        // (a reader starting mid-text would drop a U+FEFF there as a BOM),
        // past the records it has read. Bytes, not text: only the fields
        // looked at are read as text (the text is known to be UTF-8).
        let mut reader = csv_reader(self.text());
        let mut record = csv::ByteRecord::new();
        let taken = self.reader.position().record();
        let mut count = 0;
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            if reader.position().record() <= taken {
                continue;
            }
            if !record.iter().any(|field| has_value(field_text(field))) {
                continue;
            }
            count += 1;
            if let Some(field) = column.and_then(|c| record.get(c)) {
                seen(field_text(field));
            }
        }
        count
    }

    /// The line the last row taken begins on.
    pub fn line(&self) -> u32 {
        self.line
    }

    fn read(&mut self) -> Result<Option<Row>, ReadError> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => return Err(ReadError::Csv(self.name.clone(), e.to_string())),
            }
            // The reader reports a record after blank lines as starting on
            // the first blank one, so lines are counted here from byte
            // offsets.
            let counted_to = self.counted_to;
            let text = self.text();
            let mut start = self.record.position().map_or(counted_to, |p| {
                usize::try_from(p.byte()).unwrap_or(counted_to)
            });
            while matches!(text.get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            let start = start.max(counted_to);
            let lines = text[counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u32;
            self.line += lines;
            self.counted_to = start;
            let record = &self.record;
            let last = (0..record.len())
                .rev()
                .find(|&i| record.get(i).is_some_and(has_value));
            let Some(last) = last else { continue };
            self.cells_used += last + 1;
            if self.cells_used > MAX_CELLS {
                return Err(ReadError::TooLarge(
                    self.name.clone(),
                    self.sheet.clone(),
                    MAX_CELLS,
                ));
            }
            let cells = record
                .iter()
                .take(last + 1)
                .map(|field| {
                    if field.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(field.into())
                    }
                })
                .collect();
            return Ok(Some(Row {
                number: self.line,
                cells,
            }));
        }
    }
}

impl Iterator for CsvRows {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Result<Row, ReadError>> {
        self.read().transpose()
    }
}

/// A field of a .csv known to be UTF-8, as text.
fn field_text(field: &[u8]) -> &str {
    std::str::from_utf8(field).unwrap_or_default()
}

/// Whether a .csv field holds a value: a row of fields without one is no
/// row.
fn has_value(field: &str) -> bool {
    !field.trim().is_empty()
}

fn csv_reader<R: std::io::Read>(text: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
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
/// The largest shared-strings table an .xlsx may declare. calamine
/// reserves room for the declared count before reading a string, so a
/// small file declaring billions would exhaust memory and abort.
const MAX_SHARED_STRINGS: u64 = MAX_CELLS as u64;

/// Reads the `count` and `uniqueCount` an .xlsx declares for its shared
/// strings, before calamine sees them.
fn declared_shared_strings(bytes: &[u8]) -> Result<u64, String> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let Ok(file) = archive.by_name("xl/sharedStrings.xml") else {
        return Ok(0);
    };
    let mut head = Vec::with_capacity(4096);
    file.take(4096)
        .read_to_end(&mut head)
        .map_err(|e| e.to_string())?;
    let head = String::from_utf8_lossy(&head);
    let Some(tag) = head.find("<sst").map(|at| &head[at..]) else {
        return Ok(0);
    };
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let mut largest = 0;
    for attribute in ["uniqueCount=\"", " count=\""] {
        if let Some(at) = tag.find(attribute) {
            let digits: String = tag[at + attribute.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            largest = largest.max(digits.parse::<u64>().unwrap_or(u64::MAX));
        }
    }
    Ok(largest)
}

fn read_xlsx(name: &str, bytes: Vec<u8>) -> Result<Vec<Sheet>, ReadError> {
    let corrupt = |e: calamine::XlsxError| {
        ReadError::Corrupt(name.into(), format_name("xlsx"), e.to_string())
    };
    let declared = declared_shared_strings(&bytes)
        .map_err(|e| ReadError::Corrupt(name.into(), format_name("xlsx"), e))?;
    if declared > MAX_SHARED_STRINGS {
        return Err(ReadError::Corrupt(
            name.into(),
            format_name("xlsx"),
            format!("共享字符串表声明了 {declared} 个字符串,远超文件所能容纳的数量"),
        ));
    }
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
        ("xls", false) => {
            xls_check::check(cursor.get_ref())
                .map_err(|reason| ReadError::Corrupt(name.into(), format, reason.into()))?;
            Sheets::Xls(Xls::new(cursor).map_err(|e| corrupt(e.into()))?)
        }
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

/// calamine 0.38 trusts the sizes and chains inside an .xls file: a
/// DIMENSIONS record or a cell far beyond column IV makes it reserve
/// gigabytes at once (the process aborts; no panic to catch), and a loop in
/// a sector chain makes it read forever. This walks the same structures the
/// way calamine will, with bounds, and refuses such files first. Whatever
/// calamine itself refuses or panics on is left to it (and to [`guarded`]).
mod xls_check {
    use std::collections::HashSet;

    const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
    /// An .xls sheet has 65536 rows and 256 columns.
    const ROWS: i64 = 65_536;
    const COLUMNS: i64 = 256;

    const LOOP: &str = "扇区链出现循环";
    const BROKEN: &str = "文件结构异常,无法解析";
    const TOO_WIDE: &str = "工作表的范围超出 .xls 格式的上限(65536 行、256 列)";

    fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
    }

    fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    }

    fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    }

    /// What calamine would make of a part of the file.
    enum Walk<T> {
        /// Read as calamine reads it.
        Read(T),
        /// calamine returns an error or panics here: nothing to fear.
        CalamineStops,
    }

    use Walk::{CalamineStops, Read};

    macro_rules! step {
        ($walk:expr) => {
            match $walk {
                Read(value) => value,
                CalamineStops => return Ok(()),
            }
        };
    }

    struct Sectors<'a> {
        file: &'a [u8],
        size: usize,
        max_id: usize,
        /// The FAT: the sectors it is made of, each `size / 4` entries.
        fat_sectors: Vec<u32>,
    }

    impl Sectors<'_> {
        /// Sector `id` as calamine's `Sectors::get` returns it (shorter at
        /// the end of the file).
        fn get(&self, id: u32) -> Option<&[u8]> {
            let id = usize::try_from(id).ok()?;
            if id > self.max_id {
                return None;
            }
            let start = (id + 1).checked_mul(self.size)?;
            let end = (start + self.size).min(self.file.len());
            Some(self.file.get(start..end).unwrap_or_default())
        }

        fn fat(&self, id: u32) -> Option<u32> {
            let per = self.size / 4;
            let id = usize::try_from(id).ok()?;
            let sector = self.get(*self.fat_sectors.get(id / per)?)?;
            u32_at(sector, id % per * 4)
        }

        /// A chain of whole sectors through the FAT.
        fn chain(&self, start: u32, len: usize) -> Result<Walk<Vec<u8>>, &'static str> {
            chain(
                start,
                len,
                |id| self.get(id).map(<[u8]>::to_vec),
                |id| self.fat(id),
            )
        }

        /// A directory entry's stream length (32 bits in version 3 files).
        fn entry_len(&self, entry: &[u8]) -> Option<usize> {
            if self.size == 512 {
                usize::try_from(u32_at(entry, 120)?).ok()
            } else {
                usize::try_from(u64_at(entry, 120)?).ok()
            }
        }

        /// Reads the DIFAT, 109 entries in the header and then a bounded
        /// chain, into the FAT's sectors.
        fn read_fat(&mut self, header: &[u8]) -> Result<Walk<()>, &'static str> {
            let field = |at: usize| u32_at(header, at).unwrap_or_default();
            let mut difat: Vec<u32> = (0..109).map(|i| field(76 + 4 * i)).collect();
            let mut id = field(68);
            let mut steps = 0;
            while id < RESERVED_SECTORS {
                steps += 1;
                if steps > self.max_id + 1 {
                    return Ok(CalamineStops);
                }
                let Some(sector) = self.get(id) else {
                    return Ok(CalamineStops);
                };
                difat.extend((0..sector.len() / 4).filter_map(|i| u32_at(sector, 4 * i)));
                let Some(following) = difat.pop() else {
                    return Ok(CalamineStops);
                };
                id = following;
            }
            for id in difat.into_iter().filter(|id| *id < DIFSECT) {
                match self.get(id) {
                    None => return Ok(CalamineStops),
                    // A FAT sector cut short by the end of the file would
                    // shift every later entry; no spreadsheet program
                    // writes one.
                    Some(sector) if sector.len() != self.size => return Err(BROKEN),
                    Some(_) => self.fat_sectors.push(id),
                }
            }
            Ok(Read(()))
        }

        /// The mini stream (the root entry's stream) and the mini FAT that
        /// chains its 64-byte sectors, when the file has one.
        fn mini_stream(
            &self,
            root: &[u8],
            mini_fat_start: u32,
            mini_fat_len: u32,
        ) -> Result<Walk<MiniStream>, &'static str> {
            if mini_fat_len == 0 {
                return Ok(Read(MiniStream::default()));
            }
            let root_start = u32_at(root, 116).unwrap_or(ENDOFCHAIN);
            let root_len = self.entry_len(root).unwrap_or_default();
            let Read(stream) = self.chain(root_start, root_len)? else {
                return Ok(CalamineStops);
            };
            let mini_fat_bytes = usize::try_from(mini_fat_len)
                .unwrap_or(usize::MAX)
                .saturating_mul(self.size);
            let Read(fat) = self.chain(mini_fat_start, mini_fat_bytes)? else {
                return Ok(CalamineStops);
            };
            let fat = (0..fat.len() / 4)
                .filter_map(|i| u32_at(&fat, 4 * i))
                .collect();
            Ok(Read(MiniStream { fat, stream }))
        }

        /// A directory entry's stream: short ones live in the mini stream.
        fn stream(&self, entry: &[u8], mini: &MiniStream) -> Result<Walk<Vec<u8>>, &'static str> {
            let start = u32_at(entry, 116).unwrap_or(ENDOFCHAIN);
            let len = self.entry_len(entry).unwrap_or_default();
            if len >= 4096 {
                return self.chain(start, len);
            }
            let mini_max = self.max_id.saturating_mul(8);
            let get = |id: u32| {
                let id = usize::try_from(id).ok()?;
                if id > mini_max {
                    return None;
                }
                let start = id.checked_mul(64)?;
                let end = (start + 64).min(mini.stream.len());
                Some(mini.stream.get(start..end).unwrap_or_default().to_vec())
            };
            let next = |id: u32| mini.fat.get(usize::try_from(id).ok()?).copied();
            match chain(start, len, get, next)? {
                // Past the mini stream calamine reads whatever follows in
                // the file; no spreadsheet program writes such a chain.
                Read(stream) if stream.len() < len => Err(BROKEN),
                walk => Ok(walk),
            }
        }
    }

    /// The mini stream's bytes and its FAT.
    #[derive(Default)]
    struct MiniStream {
        fat: Vec<u32>,
        stream: Vec<u8>,
    }

    /// The directory entry with a name, as calamine compares names.
    fn named<'e>(entries: &[&'e [u8]], wanted: &str) -> Option<&'e [u8]> {
        entries
            .iter()
            .find(|entry| {
                let units: Vec<u16> = (0..32).filter_map(|i| u16_at(entry, 2 * i)).collect();
                let name = String::from_utf16_lossy(&units);
                let name = name.split('\0').next().unwrap_or_default();
                name.eq_ignore_ascii_case(wanted)
            })
            .copied()
    }

    /// Follows a chain as calamine's `get_chain` does, refusing loops (which
    /// it would follow forever, or until it had read `len` bytes).
    fn chain(
        start: u32,
        len: usize,
        get: impl Fn(u32) -> Option<Vec<u8>>,
        next: impl Fn(u32) -> Option<u32>,
    ) -> Result<Walk<Vec<u8>>, &'static str> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut id = start;
        while id != ENDOFCHAIN {
            let Some(sector) = get(id) else {
                return Ok(CalamineStops);
            };
            if !seen.insert(id) {
                return Err(LOOP);
            }
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            let Some(following) = next(id) else {
                return Ok(CalamineStops);
            };
            id = following;
        }
        Ok(Read(out))
    }

    pub fn check(file: &[u8]) -> Result<(), &'static str> {
        let Some(header) = file.get(..512) else {
            return Ok(());
        };
        let size = match u16_at(header, 30) {
            Some(0x0009) => 512,
            Some(0x000C) => 4096,
            _ => return Ok(()),
        };
        let mut sectors = Sectors {
            file,
            size,
            max_id: file.len() / size,
            fat_sectors: Vec::new(),
        };
        step!(sectors.read_fat(header)?);
        let field = |at: usize| u32_at(header, at).unwrap_or_default();
        let directory = step!(sectors.chain(field(48), usize::MAX)?);
        let entries: Vec<&[u8]> = directory.chunks_exact(128).collect();
        let Some(root) = entries.first() else {
            return Ok(());
        };
        let mini = step!(sectors.mini_stream(root, field(60), field(64))?);
        // calamine reads "Workbook", or "Book" when that fails.
        let mut stream = CalamineStops;
        for name in ["Workbook", "Book"] {
            if let Some(entry) = named(&entries, name) {
                stream = sectors.stream(entry, &mini)?;
                if matches!(stream, Read(_)) {
                    break;
                }
            }
        }
        let stream = step!(stream);
        biff(&stream)
    }

    /// The records calamine reads: the globals, then each sheet from the
    /// position its BoundSheet8 record gives.
    fn biff(stream: &[u8]) -> Result<(), &'static str> {
        let mut sheets = Vec::new();
        for record in Records(stream) {
            let Some((kind, data)) = record else {
                return Ok(());
            };
            match kind {
                0x0085 => match u32_at(data, 0) {
                    Some(position) => sheets.push(position),
                    None => return Ok(()),
                },
                // FilePass: encrypted, calamine stops with "password".
                0x002F if u16_at(data, 0) != Some(0) => return Ok(()),
                0x000A => break,
                _ => {}
            }
        }
        for position in sheets {
            let Some(sheet) = usize::try_from(position).ok().and_then(|p| stream.get(p..)) else {
                continue;
            };
            let (mut seen_bof, mut depth) = (false, 0usize);
            for record in Records(sheet) {
                let Some((kind, data)) = record else {
                    return Ok(());
                };
                if depth > 0 {
                    match kind {
                        0x0809 => depth += 1,
                        0x000A => depth -= 1,
                        _ => {}
                    }
                    continue;
                }
                match kind {
                    0x0809 if seen_bof => depth += 1,
                    0x0809 => seen_bof = true,
                    0x000A => break,
                    0x0200 => dimensions(data)?,
                    // Cells: row, then column.
                    0x0006 | 0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                        let Some(column) = u16_at(data, 2) else {
                            return Ok(());
                        };
                        if i64::from(column) >= COLUMNS {
                            return Err(TOO_WIDE);
                        }
                    }
                    // MulRk: row, first column, values, last column.
                    0x00BD => {
                        let (Some(first), Some(last)) = (
                            u16_at(data, 2),
                            data.len().checked_sub(2).and_then(|at| u16_at(data, at)),
                        ) else {
                            return Ok(());
                        };
                        if data.len() < 6 {
                            return Ok(());
                        }
                        if i64::from(first.max(last)) >= COLUMNS {
                            return Err(TOO_WIDE);
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// calamine reserves room for every cell a DIMENSIONS record claims:
    /// (last row − first row) × (last column − first column), where a first
    /// column past IV or after the last counts as 0; with a last row or
    /// column of 0, one cell.
    fn dimensions(data: &[u8]) -> Result<(), &'static str> {
        let fields = match data.len() {
            10 => (
                u16_at(data, 0).map(u32::from),
                u16_at(data, 2).map(u32::from),
                u16_at(data, 4),
                u16_at(data, 6),
            ),
            14 | 16 => (
                u32_at(data, 0),
                u32_at(data, 4),
                u16_at(data, 8),
                u16_at(data, 10),
            ),
            _ => return Ok(()),
        };
        let (Some(first_row), Some(last_row), Some(first_column), Some(last_column)) = fields
        else {
            return Ok(());
        };
        let first_column = if first_column > 0xFF || last_column < first_column {
            0
        } else {
            first_column
        };
        if last_row == 0 || last_column == 0 {
            return Ok(());
        }
        let rows = i64::from(last_row) - i64::from(first_row);
        let columns = i64::from(last_column) - i64::from(first_column);
        if (1..=ROWS).contains(&rows) && (1..=COLUMNS).contains(&columns) {
            Ok(())
        } else {
            Err(TOO_WIDE)
        }
    }

    /// BIFF records as calamine's `RecordIter` splits them; `None` where it
    /// would return an error.
    struct Records<'a>(&'a [u8]);

    impl<'a> Iterator for Records<'a> {
        type Item = Option<(u16, &'a [u8])>;

        fn next(&mut self) -> Option<Self::Item> {
            if self.0.is_empty() {
                return None;
            }
            let (Some(kind), Some(len)) = (u16_at(self.0, 0), u16_at(self.0, 2)) else {
                self.0 = &[];
                return Some(None);
            };
            let end = 4 + usize::from(len);
            let Some(data) = self.0.get(4..end) else {
                self.0 = &[];
                return Some(None);
            };
            self.0 = &self.0[end..];
            // Continue records belong to the record before.
            while u16_at(self.0, 0) == Some(0x003C) && self.0.len() > 4 {
                let end = 4 + usize::from(u16_at(self.0, 2).unwrap_or_default());
                let Some(rest) = self.0.get(end..) else {
                    self.0 = &[];
                    return Some(None);
                };
                self.0 = rest;
            }
            Some(Some((kind, data)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xls_files_that_would_exhaust_memory_are_refused_first() {
        let fixture = |name: &str| {
            std::fs::read(format!(
                "{}/tests/fixtures/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("a fixture")
        };
        for name in [
            "roster.xls",
            "visits_cn.xls",
            "stray_iv.xls",
            "encrypted.xls",
        ] {
            assert_eq!(xls_check::check(&fixture(name)), Ok(()), "{name}");
        }
        // A 7 KB file whose DIMENSIONS record claims 4 billion rows: calamine
        // would reserve 51 GB and abort the process.
        assert_eq!(
            xls_check::check(&fixture("fuzz/dimensions-reserve.xls")),
            Err("工作表的范围超出 .xls 格式的上限(65536 行、256 列)")
        );
        assert!(matches!(
            read_workbook("a.xls", fixture("fuzz/dimensions-reserve.xls")),
            Err(ReadError::Corrupt(..))
        ));
    }

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

    /// A look ahead after any number of rows taken sees the rows still to
    /// come, and only those: not rows of blanks or commas, not a U+FEFF
    /// starting a line as a BOM would start a file.
    #[test]
    fn a_look_ahead_sees_the_rows_still_to_come() {
        let text =
            "\u{FEFF}网点编码,检查表\r\nB1,a\r\n\u{FEFF}\n,,\n \u{3000}, \r\nB2,\"b\r\nc\"\n\nB3,d";
        let bytes = text.as_bytes().to_vec();
        let all: Vec<Row> = CsvRows::new("t.csv", bytes.clone())
            .expect("opens")
            .collect::<Result<_, _>>()
            .expect("reads");
        assert_eq!(
            all.iter().map(|r| r.number).collect::<Vec<_>>(),
            vec![1, 2, 3, 6, 9]
        );
        for taken in 0..=all.len() {
            let mut rows = CsvRows::new("t.csv", bytes.clone()).expect("opens");
            rows.by_ref().take(taken).for_each(drop);
            let mut seen = Vec::new();
            let count = rows.look_ahead(Some(1), &mut |field| seen.push(field.to_string()));
            let later: Vec<Row> = rows.collect::<Result<_, _>>().expect("reads");
            assert_eq!(count, later.len(), "after {taken} rows");
            let fields: Vec<String> = later
                .iter()
                .map(|r| r.cells.get(1).map(Cell::display).unwrap_or_default())
                .filter(|field| !field.is_empty())
                .collect();
            assert_eq!(seen, fields, "after {taken} rows");
        }
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
