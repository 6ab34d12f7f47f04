//! What the browser and the tablet upload: multipart forms read whole, and
//! photos, whose file and row are kept together.

use std::collections::HashMap;
use std::path::Path;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;

use super::error::Error;
use crate::storage::{Photo, Store};

/// A file field of a multipart form.
pub(super) struct SentFile {
    /// The name the sender gave it, if any.
    pub(super) name: Option<String>,
    pub(super) bytes: Vec<u8>,
}

/// A multipart form read whole: its text fields, trimmed, and its files.
pub(super) struct FormParts {
    texts: HashMap<String, String>,
    /// Each file field's files, in the order sent (a field may hold
    /// several).
    files: HashMap<String, Vec<SentFile>>,
}

impl FormParts {
    /// Reads every field; those named in `files` are kept as bytes, the
    /// others as text.
    pub(super) async fn read(
        mut multipart: Multipart,
        files: &[&str],
    ) -> Result<FormParts, MultipartError> {
        let mut form = FormParts {
            texts: HashMap::new(),
            files: HashMap::new(),
        };
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            let bytes = field.bytes().await?;
            if files.contains(&name.as_str()) {
                let file = SentFile {
                    name: file_name,
                    bytes: bytes.to_vec(),
                };
                form.files.entry(name).or_default().push(file);
            } else {
                let text = String::from_utf8_lossy(&bytes).trim().to_string();
                form.texts.insert(name, text);
            }
        }
        Ok(form)
    }

    /// A text field, if it was sent.
    pub(super) fn text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    /// A file field, if it was sent (possibly empty): its first file.
    pub(super) fn take_file(&mut self, name: &str) -> Option<SentFile> {
        self.files.remove(name)?.into_iter().next()
    }

    /// Every file sent in a field, empty ones (nothing chosen) left out.
    pub(super) fn take_files(&mut self, name: &str) -> Vec<SentFile> {
        self.files
            .remove(name)
            .unwrap_or_default()
            .into_iter()
            .filter(|f| !f.bytes.is_empty())
            .collect()
    }
}

/// What kind of image the bytes are, by their signature: the content type
/// and the file extension.
pub(super) fn image_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// A new photo of `bytes` for `visit_id` (a visit's id, or `appeal-{id}`),
/// filed in a folder of that name; `None` when the bytes are not a JPEG,
/// PNG or WebP image.
pub(super) fn new_photo(visit_id: &str, item_code: Option<String>, bytes: &[u8]) -> Option<Photo> {
    let (content_type, extension) = image_type(bytes)?;
    let id = uuid::Uuid::new_v4().to_string();
    Some(Photo {
        file: format!("{visit_id}/{id}.{extension}"),
        id,
        visit_id: visit_id.to_string(),
        item_code,
        content_type: content_type.to_string(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: Some(crate::app::credentials::sha256_hex(bytes)),
        taken_at: None,
    })
}

/// Writes a photo's file under `dir`, then its row. A row that cannot be
/// written takes its file with it: no file stays behind that nothing
/// names.
pub(super) fn save_photo(
    store: &mut Store,
    dir: &Path,
    photo: &Photo,
    bytes: &[u8],
    user_id: i64,
) -> Result<(), Error> {
    let path = dir.join(&photo.file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(Error::internal)?;
    }
    std::fs::write(&path, bytes).map_err(Error::internal)?;
    if let Err(e) = store.add_photo(photo, user_id) {
        // The row's failure is what to report, whatever becomes of the
        // file; its folder goes too if nothing else is in it.
        let _ = std::fs::remove_file(&path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::remove_dir(parent);
        }
        return Err(e.into());
    }
    Ok(())
}
