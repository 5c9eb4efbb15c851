//! Copies of the bundled knowledge for tests that edit, replace or break
//! it. Included by path (`#[path = "support/files.rs"]`), like
//! `console.rs`, so those tests do not compile the fake Discord.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A section the bundled knowledge does not have, to append to the Spanish
/// document and then ask for ("¿Qué es el nearshoring?").
pub const NEARSHORING: &str = "\n## ¿Qué es el nearshoring? {#nearshoring}\n\nEl nearshoring es externalizar a un proveedor de un país cercano, con un huso horario parecido.\n";

pub fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// Copies `files` (paths inside the knowledge folder) of the bundled
/// knowledge into `dir`, making the folders they need.
pub fn copy_bundled(dir: &Path, files: &[&str]) {
    for f in files {
        let to = dir.join(f);
        fs::create_dir_all(to.parent().expect("a file inside dir")).unwrap();
        fs::copy(bundled().join(f), to).unwrap();
    }
}

pub fn append(path: &Path, text: &str) {
    let mut f = fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A working folder for the bot processes a test binary spawns: empty but
/// for a `knowledge` link to the bundled knowledge, so the defaults behave
/// as in the repository (`./knowledge`, no `./config.toml`), while what the
/// bot writes beside them — the question store, `data/` — lands here, never
/// in the repository or in a knowledge folder under test. One per test
/// process, under the system's temporary folder.
pub fn workdir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!(
            "outsourcing-bot-tests-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        fs::create_dir_all(&dir).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(bundled(), dir.join("knowledge")).unwrap();
        dir
    })
}
