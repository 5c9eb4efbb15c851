//! The `chat` console as a process under test, stdin and stdout piped,
//! with its info logs read on a thread: for tests that talk to a running
//! console or watch what it logs (reloads, the watcher, signals). Included
//! by path (`#[path = "support/console.rs"]`) so those tests do not compile
//! the fake Discord.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a log line or an answer may take before the test fails: long,
/// because CI machines are slow; a hang still fails instead of blocking.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The console command over `knowledge`, with info logs and piped stdio;
/// `config` when given. Callers may adjust it before [`Console::spawn`].
pub fn command(knowledge: &Path, config: Option<&Path>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outsourcing-bot"));
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    // Wherever the test runs, what the bot writes beside it (the store)
    // goes to the tests' working folder.
    cmd.current_dir(crate::files::workdir())
        .arg("--knowledge")
        .arg(knowledge)
        .arg("chat")
        .env_remove("DISCORD_TOKEN")
        .env("RUST_LOG", "outsourcing_bot=info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub struct Console {
    pub child: Child,
    pub logs: mpsc::Receiver<String>,
}

impl Console {
    pub fn spawn(mut cmd: Command) -> Console {
        let mut child = cmd.spawn().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, logs) = mpsc::channel();
        thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Console { child, logs }
    }

    pub fn start(knowledge: &Path, config: Option<&Path>) -> Console {
        Console::spawn(command(knowledge, config))
    }

    /// The first log line from now on that contains `needle`; the process
    /// is killed and the test fails when none comes in time.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.logs.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        panic!("no log line with {needle:?}");
    }

    /// Asks `question` as the last line, closes stdin and waits for the
    /// console to end; killed and failed if it does not in time.
    pub fn ask_last(mut self, question: &str) -> Output {
        let mut stdin = self.child.stdin.take().unwrap();
        writeln!(stdin, "{question}").unwrap();
        drop(stdin);
        let pid = self.child.id();
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            let _ = done.send(self.child.wait_with_output().unwrap());
        });
        let Ok(out) = finished.recv_timeout(PATIENCE) else {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("the console did not end");
        };
        out
    }
}
