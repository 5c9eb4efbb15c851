//! Reading a file that an admin (or a careless edit) put in the knowledge
//! folder without ever blocking or reading without end.
//!
//! A named pipe blocks `open` until someone writes to it, and `/dev/zero`
//! never ends, so a plain `fs::read` can hang a reload or exhaust memory.
//! Only regular files are read: the type is checked before opening (so a
//! device is never even opened), the open does not wait (so a file swapped
//! for a pipe in between cannot block it), the opened handle's type is
//! checked again, and at most `cap + 1` bytes are read (so a file that grows
//! meanwhile is caught, not read to its end).

use std::fmt;
use std::fs::{self, File, FileType};
use std::io::{self, Read};
use std::path::Path;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// It could not be opened or read (missing, a link to nowhere, a loop…).
    Io(io::Error),
    /// It is not a regular file: `what` says what it is.
    NotRegular { what: String },
    /// It holds more than `cap` bytes.
    TooBig { cap: u64 },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(err) if is_loop(err) => {
                write!(f, "cannot read the file: it is a loop of symbolic links")
            }
            ReadError::Io(err) => write!(f, "cannot read the file: {err}"),
            ReadError::NotRegular { what } => write!(
                f,
                "{what}, not a regular file: only regular files (or links to them) are read"
            ),
            ReadError::TooBig { cap } => write!(f, "the file is larger than {}", size(*cap)),
        }
    }
}

/// Whether `err` says a path's links go round in a loop.
pub fn is_loop(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
}

/// What stopped [`read_regular_or`], for its caller to put in words.
#[derive(Debug)]
pub enum Refusal {
    /// It could not be opened or read.
    Io(io::Error),
    /// It is not a regular file; this is what it is (links followed).
    NotRegular(FileType),
    /// It holds more than the cap: `len` is the size its metadata gave
    /// before opening, `None` when reading found more than the cap.
    TooBig { len: Option<u64> },
}

/// Reads `path` whole if it is a regular file (after following links) of at
/// most `cap` bytes.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_regular_or(path, cap, |refusal| match refusal {
        Refusal::Io(err) => ReadError::Io(err),
        Refusal::NotRegular(file_type) => ReadError::NotRegular {
            what: describe(path, file_type),
        },
        Refusal::TooBig { .. } => ReadError::TooBig { cap },
    })
}

/// [`read_regular`] with the caller's own errors, made by `refuse`: the
/// knowledge and the config file read the same way but say it differently.
pub fn read_regular_or<E>(
    path: &Path,
    cap: u64,
    refuse: impl Fn(Refusal) -> E,
) -> Result<Vec<u8>, E> {
    let io = |err| refuse(Refusal::Io(err));
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(refuse(Refusal::NotRegular(meta.file_type())));
    }
    if meta.len() > cap {
        return Err(refuse(Refusal::TooBig {
            len: Some(meta.len()),
        }));
    }
    let file = open_without_waiting(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(refuse(Refusal::NotRegular(meta.file_type())));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(cap) as usize);
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(refuse(Refusal::TooBig { len: None }));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_without_waiting(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Regular files ignore O_NONBLOCK; it only matters if the path became a
    // pipe after it was checked, and then it makes `open` return at once.
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// "it is a named pipe (FIFO)", "it links to /dev/zero, a character device"…
fn describe(path: &Path, file_type: FileType) -> String {
    let kind = kind(file_type);
    match fs::symlink_metadata(path) {
        Ok(link) if link.file_type().is_symlink() => match fs::read_link(path) {
            Ok(target) => format!("it links to {}, {kind}", target.display()),
            Err(_) => format!("it links to {kind}"),
        },
        _ => format!("it is {kind}"),
    }
}

fn kind(t: FileType) -> &'static str {
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// A byte count as people read it: "8 MiB", "1.5 KiB", "300 bytes".
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(size(300), "300 bytes");
        assert_eq!(size(8 << 20), "8 MiB");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(64 << 30), "64 GiB");
    }

    #[test]
    fn a_file_at_the_cap_is_read_and_one_past_it_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"12345").unwrap();
        assert_eq!(read_regular(&path, 5).unwrap(), b"12345");
        assert!(matches!(
            read_regular(&path, 4),
            Err(ReadError::TooBig { cap: 4 })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_described_with_its_link() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_regular(&link, 1024).unwrap_err().to_string();
        assert!(
            err.contains("links to /dev/zero, a character device, not a regular file"),
            "{err}"
        );
    }
}
