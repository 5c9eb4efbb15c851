//! The config file and environment as an operator meets them: every error
//! names the key, the line and what is wanted, special files are refused at
//! once, and blank settings count as absent.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

#[path = "support/files.rs"]
mod files;

fn bot() -> Command {
    let mut cmd = Command::cargo_bin("outsourcing-bot").unwrap();
    cmd.current_dir(files::workdir())
        .env_remove("DISCORD_TOKEN")
        .env_remove("DISCORD_API_BASE")
        .env_remove("RUST_LOG")
        // A config file that would not end must not hang a test run.
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// Runs `check` with `config`, which must be refused (exit code 1); its
/// stderr.
fn refused(config: &Path) -> String {
    let out = bot()
        .arg("--config")
        .arg(config)
        .arg("check")
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    err
}

fn config_file(text: impl AsRef<[u8]>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.toml");
    fs::write(&path, text).unwrap();
    (dir, path)
}

/// Runs `check` with a config file holding `text`: it must be refused,
/// and stderr must hold the file's path followed by `after`.
fn assert_refused(text: &str, after: &str) {
    let (_dir, path) = config_file(text);
    let err = refused(&path);
    assert!(err.contains(&format!("{}{after}", path.display())), "{err}");
}

#[test]
fn a_type_error_names_the_key_the_line_and_the_value_wanted() {
    assert_refused(
        "[limits]\nquestions_per_minute = 6\nquestion_max_chars = \"3\"\n",
        ":3: limits.question_max_chars must be a whole number, 0 or more (got the text \"3\")",
    );
}

#[test]
fn a_range_error_gives_the_line() {
    assert_refused(
        "[answer]\ntop = 3\nmin_confidence = 7\n",
        ":3: answer.min_confidence must be between 0 and 1 (got 7)",
    );
}

#[test]
fn guild_id_zero_is_refused() {
    assert_refused(
        "[discord]\nguild_id = 0\n",
        ":2: discord.guild_id must be a server's id",
    );
}

#[test]
fn shard_settings_are_checked_before_anything_runs() {
    assert_refused(
        "[discord]\nshards = 4\nshard_range = [2, 4]\n",
        ":3: discord.shard_range must name shards from 0 to 3 (discord.shards = 4; shards count from 0) (got [2, 4])",
    );
    assert_refused(
        "[discord]\nshards = \"auto\"\nshard_range = [0, 1]\n",
        ":3: discord.shard_range needs discord.shards set to a number",
    );
    assert_refused(
        "[discord]\nshards = 0\n",
        ":2: discord.shards must be \"auto\" or 1 or more (got 0)",
    );
    assert_refused(
        "[discord]\nshards = \"all\"\n",
        ":2: discord.shards must be \"auto\" or a whole number of shards, such as 4 (got the text \"all\")",
    );
}

#[test]
fn a_valid_shard_split_passes_check() {
    let (_dir, path) = config_file("[discord]\nshards = 4\nshard_range = [2, 3]\n");
    let out = bot()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `token = ""` is no token: without a terminal that is the "not configured"
/// error, not an attempt to reach Discord (which here would fail on a
/// closed port with another message).
#[test]
fn a_blank_token_in_the_file_means_no_token() {
    for token in ["\"\"", "\"  \""] {
        let (_dir, path) = config_file(format!(
            "[discord]\ntoken = {token}\napi_base = \"http://127.0.0.1:9\"\n"
        ));
        let out = bot()
            .arg("--config")
            .arg(&path)
            .write_stdin("")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("discord.token is not configured"),
            "{token}: {err}"
        );
        assert!(!err.contains("Discord API"), "{token}: {err}");
    }
}

#[test]
fn discord_api_base_from_the_environment_is_validated() {
    for (base, why) in [
        ("ftp://example.com", "must start with http:// or https://"),
        ("https://", "must name a host"),
        ("http://x\u{1b}[2J", "without spaces or control characters"),
        ("http://discord.com", "must use https://"),
    ] {
        let out = bot()
            .env("DISCORD_API_BASE", base)
            .arg("check")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{base:?}");
        assert!(!out.stderr.contains(&0x1b));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("environment: DISCORD_API_BASE ") && err.contains(why),
            "{base:?}: {err}"
        );
    }
}

/// A FIFO as the config: refused at once, without waiting for a writer.
#[cfg(unix)]
#[test]
fn a_fifo_config_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("bot.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let err = refused(&fifo);
    assert!(
        err.contains("is a FIFO (named pipe), not a regular file"),
        "{err}"
    );
}

/// A link to an endless device: refused, not read until memory runs out.
#[cfg(unix)]
#[test]
fn a_config_linked_to_dev_zero_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("bot.toml");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let err = refused(&link);
    assert!(err.contains("is a device, not a regular file"), "{err}");
}

#[test]
fn a_folder_or_an_oversized_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = refused(dir.path());
    assert!(err.contains("is a folder, not a regular file"), "{err}");

    let big = dir.path().join("big.toml");
    fs::write(&big, "#".repeat(2 << 20)).unwrap();
    let err = refused(&big);
    assert!(
        err.contains("is too large (2097152 bytes; a config file may have at most 1048576)"),
        "{err}"
    );
}

#[test]
fn a_config_that_is_not_utf8_says_where() {
    let (_dir, path) = config_file(b"[answer]\n# caf\xe9\ntop = 3\n");
    let err = refused(&path);
    assert!(err.contains("is not UTF-8 text (line 2"), "{err}");
}

#[test]
fn store_url_and_store_path_together_are_refused_naming_both() {
    assert_refused(
        "[store]\npath = \"a.sqlite3\"\nurl = \"sqlite://b.sqlite3\"\n",
        ":3: store.url and store.path are both set (store.path on line 2): keep one",
    );
}

#[test]
fn a_store_url_of_another_scheme_is_refused_without_its_password() {
    let (_dir, path) = config_file("[store]\nurl = \"mysql://bot:hunter2-secret@db/bot\"\n");
    let err = refused(&path);
    assert!(
        err.contains(":2: store.url must start with sqlite:// or postgres://"),
        "{err}"
    );
    assert!(err.contains("mysql://bot:***@db/bot"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

/// A PostgreSQL server that is not there (a closed port on this machine):
/// `ask` stops with exit 1 naming the store, and the password shows
/// nowhere, not even in the most verbose log.
#[test]
fn a_store_password_never_reaches_the_terminal() {
    let (dir, path) = config_file(
        "[store]\nurl = \"postgres://bot:hunter2-secret@127.0.0.1:1/bot?password=other-secret\"\n",
    );
    let out = bot()
        .current_dir(dir.path())
        .env("RUST_LOG", "trace")
        .arg("--config")
        .arg(&path)
        .args(["ask", "kpo"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "the store postgres://bot:***@127.0.0.1:1/bot?password=***: cannot connect: error connecting to server: "
        ),
        "{err}"
    );
    for text in [&err, &stdout] {
        assert!(
            !text.contains("hunter2") && !text.contains("other-secret"),
            "{text}"
        );
    }
}
