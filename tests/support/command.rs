//! The bot binary as a command for one-shot runs (`ask`, `chat` through a
//! pipe…), in the tests' working folder. Included by path, beside
//! `files.rs`, by the tests that need it.
#![allow(dead_code)]

use assert_cmd::Command;

/// The binary, without a token or log settings from the environment, in
/// the tests' working folder (see `files::workdir`).
pub fn bot() -> Command {
    let mut cmd = Command::cargo_bin("outsourcing-bot").unwrap();
    cmd.current_dir(crate::files::workdir())
        .env_remove("DISCORD_TOKEN")
        .env_remove("RUST_LOG");
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
