//! The real bot binary (`serve`) as a child process on a fake Discord,
//! with the bundled knowledge copied to a temporary folder and config lines
//! of the test's own. Killed when dropped.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::fake_discord::FakeDiscord;
use super::files::copy_bundled;
use super::session::{eventually, WAIT};

pub struct BotProcess {
    pub child: Child,
    /// The knowledge, the config, the store and the log.
    pub dir: tempfile::TempDir,
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BotProcess {
    /// Starts the bot on `fake` with its guild and admin role (and
    /// `discord_extra`, more lines of `[discord]`), then `extra_config`:
    /// lines before its first `[section]` are more of `[store]`, which holds
    /// the process's own store path. Returns at once.
    pub fn spawn(fake: &FakeDiscord, discord_extra: &str, extra_config: &str) -> BotProcess {
        BotProcess::spawn_as(fake, "test-token", discord_extra, extra_config)
    }

    /// [`BotProcess::spawn`] with a token of its own: the fake records the
    /// token of every request and IDENTIFY, so a test running several
    /// processes on one fake sees which one sent what.
    pub fn spawn_as(
        fake: &FakeDiscord,
        token: &str,
        discord_extra: &str,
        extra_config: &str,
    ) -> BotProcess {
        BotProcess::launch(fake, token, discord_extra, None, extra_config)
    }

    /// [`BotProcess::spawn_as`] recording into the store at `store_url`
    /// (several processes can share one PostgreSQL database) instead of a
    /// SQLite file of its own.
    pub fn spawn_on_store(
        fake: &FakeDiscord,
        token: &str,
        discord_extra: &str,
        store_url: &str,
    ) -> BotProcess {
        BotProcess::launch(fake, token, discord_extra, Some(store_url), "")
    }

    fn launch(
        fake: &FakeDiscord,
        token: &str,
        discord_extra: &str,
        store_url: Option<&str>,
        extra_config: &str,
    ) -> BotProcess {
        let dir = tempfile::tempdir().unwrap();
        copy_bundled(
            dir.path(),
            &[
                "es/bpo-kpo.md",
                "en/bpo-kpo.md",
                "rules.toml",
                "synonyms.toml",
            ],
        );
        let config = dir.path().join("bot.toml");
        fs::write(
            &config,
            format!(
                "[knowledge]\ndir = {:?}\n[discord]\nguild_id = {}\nadmin_role_ids = [{}]\n{discord_extra}\
                 [store]\n{}\n{extra_config}",
                dir.path().to_str().unwrap(),
                fake.config().guild_id,
                fake.config().admin_role_id,
                match store_url {
                    Some(url) => format!("url = {url:?}"),
                    None => format!(
                        "path = {:?}",
                        dir.path().join(".store/bot.sqlite3").to_str().unwrap()
                    ),
                },
            ),
        )
        .unwrap();
        let log = fs::File::create(dir.path().join("bot.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_outsourcing-bot"))
            .arg("--config")
            .arg(&config)
            .env("DISCORD_TOKEN", token)
            .env("DISCORD_API_BASE", fake.api_base())
            .env("RUST_LOG", "outsourcing_bot=info,serenity=warn,poise=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        BotProcess { child, dir }
    }

    /// The folder of the knowledge it serves (and its config, store and log).
    pub fn knowledge(&self) -> &Path {
        self.dir.path()
    }

    /// What the bot logged so far (its stderr).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("bot.log")).unwrap()
    }

    /// How the process ended, once it has (panics after [`WAIT`]).
    pub async fn exit_status(&mut self) -> std::process::ExitStatus {
        let child = &mut self.child;
        eventually("the bot to exit", WAIT, async || child.try_wait().unwrap()).await
    }

    /// The address it logged it serves metrics on (given port 0).
    pub async fn metrics_addr(&self) -> String {
        eventually("the metrics address in the log", WAIT, async || {
            let log = self.log();
            let at = log.find("serving metrics addr=")? + "serving metrics addr=".len();
            Some(log[at..].split_whitespace().next()?.to_string())
        })
        .await
    }
}
