//! The real bot (the binary, `serve`) against a fake Discord on 127.0.0.1:
//! registration, commands in both locales, buttons, autocomplete, admin
//! checks, reloads, free text, mentions that must not ping, and floods.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use support::bot::BotProcess;
use support::fake_discord::{
    FakeConfig, FakeDiscord, Recorded, DM_CHANNEL_ID, EVERYONE_PERMISSIONS, MANAGE_GUILD,
    TEXT_CHANNEL_ID,
};
use support::session::{Session, WAIT};

const MEMBER: u64 = 500_000_000_000_000_001;
const ADMIN: u64 = 500_000_000_000_000_002;
const OTHER_BOT: u64 = 500_000_000_000_000_003;
const ANSWER_CHANNEL: u64 = 400_000_000_000_000_009;
const OTHER_CHANNEL: u64 = 400_000_000_000_000_010;
const PER_MINUTE: u32 = 5;
/// How long to wait for replies that must not come.
const QUIET: Duration = Duration::from_millis(800);

/// A running bot process and the fake Discord it talks to.
struct Bot {
    session: Session,
    process: BotProcess,
}

/// The fake Discord and what the bot sent it, as every test reads them.
impl std::ops::Deref for Bot {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl std::ops::DerefMut for Bot {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

impl Bot {
    async fn start() -> Bot {
        Bot::start_with(|_| {}).await
    }

    /// A bot whose fake Discord is first set up by `prepare` (scripted
    /// failures). Returns once the bot has sent its first registration,
    /// whatever Discord answered.
    async fn start_with(prepare: impl FnOnce(&FakeDiscord)) -> Bot {
        let fake = FakeDiscord::start(FakeConfig::default()).await;
        prepare(&fake);
        let process = BotProcess::spawn(
            &fake,
            &format!("answer_channels = [{ANSWER_CHANNEL}]\n"),
            &format!("[limits]\nquestions_per_minute = {PER_MINUTE}\n"),
        );
        fake.wait_ready(WAIT).await;
        let mut bot = Bot {
            session: Session::new(fake),
            process,
        };
        bot.next(|r| r.method == "PUT" && r.path.ends_with("/commands"))
            .await;
        bot
    }

    /// The served knowledge folder (a copy of the bundled one).
    fn knowledge(&self) -> &Path {
        self.process.knowledge()
    }

    async fn ask(&mut self, question: &str, locale: &str) -> Value {
        let options = json!([{"name": "question", "type": 3, "value": question}]);
        let d = self.as_member("ask", options, locale).await;
        self.callback(&d).await
    }

    async fn say(
        &mut self,
        channel: u64,
        guild: bool,
        author: u64,
        bot: bool,
        content: &str,
        mentions: &[u64],
    ) -> Value {
        let guild_id = guild.then_some(self.fake.config().guild_id);
        let d = self.fake.message(
            channel,
            guild_id,
            author,
            "someone",
            bot,
            content,
            mentions,
            &[],
            false,
        );
        self.fake.dispatch("MESSAGE_CREATE", d.clone()).await;
        d
    }

    /// A command from an ordinary member.
    async fn as_member(&mut self, name: &str, options: Value, locale: &str) -> Value {
        self.slash(name, options, locale, MEMBER, &[], EVERYONE_PERMISSIONS)
            .await
    }

    /// `/reload` from a member with the configured admin role, in English.
    async fn reload_as_admin(&mut self) -> Value {
        let admin_role = self.fake.config().admin_role_id;
        self.slash(
            "reload",
            json!([]),
            "en-US",
            ADMIN,
            &[admin_role],
            EVERYONE_PERMISSIONS,
        )
        .await
    }

    /// What the bot logged so far (its stderr).
    fn log(&self) -> String {
        self.process.log()
    }

    fn bot_id(&self) -> u64 {
        self.fake.config().bot_user_id
    }

    /// The channel messages sent, once what should not come has had time to
    /// (wrongly) show up.
    async fn settled_channel_messages(&self) -> Vec<Recorded> {
        tokio::time::sleep(QUIET).await;
        self.channel_messages()
    }

    /// `author` mentions the bot with `text` past their rate: one polite
    /// notice, pinging nobody. The channel messages once all is settled.
    async fn flood(&mut self, author: u64, text: &str) -> Vec<Recorded> {
        let me = self.bot_id();
        for _ in 0..PER_MINUTE + 3 {
            self.say(OTHER_CHANNEL, true, author, false, text, &[me])
                .await;
        }
        let notice = self
            .next(|r| r.method == "POST" && r.body.to_string().contains("vuelva a intentarlo"))
            .await;
        assert_no_pings(&notice.body);
        self.settled_channel_messages().await
    }

    /// Changes the questionnaire of the served folder (a choice's label), so
    /// the next reload has new commands to register.
    fn relabel_call_center(&self) {
        let rules = self.knowledge().join("rules.toml");
        let text = fs::read_to_string(&rules).unwrap();
        fs::write(
            &rules,
            text.replace("en = \"Call center\"", "en = \"Call centre\""),
        )
        .unwrap();
    }

    /// Waits for the next registration and checks it carries the label
    /// [`Bot::relabel_call_center`] wrote.
    async fn expect_relabelled_registration(&mut self) {
        let put = self
            .next(|r| r.method == "PUT" && r.path.ends_with("/commands"))
            .await;
        let commands = put.body.as_array().unwrap();
        let recommend = commands.iter().find(|c| c["name"] == "recommend").unwrap();
        assert_eq!(recommend["options"][0]["choices"][0]["name"], "Call centre");
    }

    /// A member's message in the guild's answer channel, as Discord sends it.
    fn in_answer_channel(&self, content: &str) -> Value {
        self.fake.message(
            ANSWER_CHANNEL,
            Some(self.fake.config().guild_id),
            MEMBER,
            "someone",
            false,
            content,
            &[],
            &[],
            false,
        )
    }

    fn channel_messages(&self) -> Vec<Recorded> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| {
                r.method == "POST"
                    && r.path.ends_with("/messages")
                    && r.path.starts_with("/api/v10/channels/")
            })
            .collect()
    }
}

/// The answer to a deferred interaction: an edit of @original or a follow-up.
fn is_deferred_reply(r: &Recorded) -> bool {
    (r.method == "PATCH" && r.path.ends_with("/messages/@original"))
        || (r.method == "POST" && r.path.starts_with("/api/v10/webhooks/"))
}

fn embed(response: &Value) -> &Value {
    &response["data"]["embeds"][0]
}

/// Nothing may ping: the same empty allowed_mentions on every reply.
fn assert_no_pings(body: &Value) {
    let am = &body["allowed_mentions"];
    assert_eq!(am["parse"], json!([]), "{body}");
    assert_eq!(am["users"], json!([]), "{body}");
    assert_eq!(am["roles"], json!([]), "{body}");
    assert_eq!(am["replied_user"], json!(false), "{body}");
}

#[tokio::test]
async fn commands_are_registered_with_their_options_and_permissions() {
    let bot = Bot::start().await;
    let put = bot
        .fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .unwrap();
    let guild = bot.fake.config().guild_id;
    assert_eq!(
        put.path,
        format!(
            "/api/v10/applications/{}/guilds/{guild}/commands",
            bot.fake.config().application_id
        )
    );
    let commands = put.body.as_array().unwrap();
    let names: Vec<&str> = commands
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ask",
            "reload",
            "topics",
            "help",
            "insights",
            "suggestions",
            "recommend"
        ]
    );
    let by_name = |n: &str| commands.iter().find(|c| c["name"] == n).unwrap();

    let ask = by_name("ask");
    assert_eq!(ask["options"][0]["name"], "question");
    assert_eq!(ask["options"][0]["autocomplete"], true);
    assert_eq!(ask["options"][0]["required"], true);
    assert_eq!(ask["options"][0]["name_localizations"]["es-ES"], "pregunta");
    // Discord's own box stops what the bot would refuse (limits.question_max_chars).
    assert_eq!(ask["options"][0]["max_length"], 500);
    assert_eq!(
        ask["description_localizations"]["es-ES"],
        "Haga una pregunta sobre BPO o KPO"
    );

    for admin_only in ["reload", "insights", "suggestions"] {
        assert_eq!(
            by_name(admin_only)["default_member_permissions"],
            MANAGE_GUILD.to_string(),
            "{admin_only}"
        );
    }
    assert!(by_name("ask")
        .get("default_member_permissions")
        .is_none_or(Value::is_null));

    let recommend = by_name("recommend");
    let keys: Vec<&str> = recommend["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "work",
            "complexity",
            "volume",
            "expertise",
            "judgment",
            "goal"
        ]
    );
    let work = &recommend["options"][0];
    assert_eq!(work["type"], 3);
    assert_eq!(work["required"], false);
    let choices = work["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 13);
    assert_eq!(choices[0]["value"], "call-center");
    assert_eq!(choices[0]["name"], "Call center");
    assert_eq!(
        choices[0]["name_localizations"]["es-ES"],
        "Centro de llamadas"
    );
    assert_eq!(
        choices[0]["name_localizations"]["es-419"],
        "Centro de llamadas"
    );
    let goal: Vec<&str> = recommend["options"][5]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        goal,
        [
            "cost",
            "focus",
            "technology",
            "talent",
            "assets",
            "competitiveness"
        ]
    );
}

#[tokio::test]
async fn ask_answers_in_the_users_locale_without_pinging() {
    let mut bot = Bot::start().await;
    let es = bot.ask("¿Qué es un KPO?", "es-ES").await;
    assert_eq!(es["type"], 4);
    let e = embed(&es);
    assert_eq!(e["title"], "¿Qué es un KPO?");
    assert!(
        e["description"].as_str().unwrap().contains("**KPO**"),
        "{e}"
    );
    let footer = e["footer"]["text"].as_str().unwrap();
    assert!(
        footer.starts_with("Fuente: bpo-kpo/que-es-un-kpo/1 · confianza "),
        "{footer}"
    );
    assert!(
        e["fields"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with("Ver también"),
        "{e}"
    );
    assert_no_pings(&es["data"]);

    let en = bot.ask("beneficios del kpo", "en-US").await;
    let e = embed(&en);
    // A Spanish question from an English client: the English twin passage.
    assert_eq!(e["title"], "Benefits of KPO");
    assert!(
        e["description"]
            .as_str()
            .unwrap()
            .starts_with("The main **benefits** of **KPO** are:"),
        "{e}"
    );
    assert!(e["footer"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Source: bpo-kpo/beneficios-de-kpo/1 · confidence "));
    assert!(e["fields"][0]["name"]
        .as_str()
        .unwrap()
        .starts_with("See also"));
    assert_no_pings(&en["data"]);
}

#[tokio::test]
async fn an_off_topic_question_is_answered_honestly_with_topic_buttons() {
    let mut bot = Bot::start().await;
    let reply = bot.ask("¿Cuál es la capital de Francia?", "es-ES").await;
    let e = embed(&reply);
    assert_eq!(e["title"], "Sin respuesta clara");
    assert!(
        e["description"].as_str().unwrap().contains("confianza"),
        "{e}"
    );
    let buttons = reply["data"]["components"][0]["components"]
        .as_array()
        .unwrap();
    assert!(!buttons.is_empty() && buttons.len() <= 3);
    let custom_id = buttons[0]["custom_id"].as_str().unwrap().to_string();
    assert!(custom_id.starts_with("topic:es:bpo-kpo/"), "{custom_id}");
    assert_no_pings(&reply["data"]);

    let member = bot
        .fake
        .member(MEMBER, "someone", &[], EVERYONE_PERMISSIONS);
    let click = bot
        .fake
        .button_click(&custom_id, "es-ES", member, MEMBER, TEXT_CHANNEL_ID);
    bot.fake.dispatch("INTERACTION_CREATE", click.clone()).await;
    let shown = bot.callback(&click).await;
    assert_eq!(shown["type"], 4);
    assert_eq!(shown["data"]["flags"], 64, "only the clicker sees it");
    assert_eq!(embed(&shown)["title"], buttons[0]["label"]);
    assert!(embed(&shown)["footer"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Fuente: bpo-kpo/"));
    assert_no_pings(&shown["data"]);
}

#[tokio::test]
async fn autocomplete_suggests_matching_section_titles() {
    let mut bot = Bot::start().await;
    let member = bot
        .fake
        .member(MEMBER, "someone", &[], EVERYONE_PERMISSIONS);
    let d = bot.fake.autocomplete(
        "ask",
        json!([{"name": "question", "type": 3, "value": "benef", "focused": true}]),
        "es-ES",
        member,
        MEMBER,
    );
    bot.fake.dispatch("INTERACTION_CREATE", d.clone()).await;
    let reply = bot.callback(&d).await;
    assert_eq!(reply["type"], 8);
    let names: Vec<&str> = reply["data"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Beneficios de BPO", "Beneficios de KPO"]);
}

#[tokio::test]
async fn recommend_answers_with_verdict_reasons_and_risks() {
    let mut bot = Bot::start().await;
    let options = json!([
        {"name": "work", "type": 3, "value": "legal"},
        {"name": "complexity", "type": 3, "value": "high"}
    ]);
    let d = bot.as_member("recommend", options, "es-ES").await;
    let reply = bot.callback(&d).await;
    let e = embed(&reply);
    assert_eq!(e["title"], "Recomendación: KPO");
    let fields = e["fields"].as_array().unwrap();
    assert_eq!(fields[0]["name"], "Razones");
    assert!(fields[0]["value"]
        .as_str()
        .unwrap()
        .contains("`bpo-kpo/tipos-de-kpo/1`"));
    assert!(fields.iter().any(
        |f| f["name"] == "Riesgos" && f["value"].as_str().unwrap().contains("desafios-de-kpo")
    ));
    assert_no_pings(&reply["data"]);

    // No option at all: a private hint, in English for an English client.
    let d = bot.as_member("recommend", json!([]), "en-US").await;
    let reply = bot.callback(&d).await;
    assert_eq!(reply["data"]["flags"], 64);
    assert!(embed(&reply)["description"]
        .as_str()
        .unwrap()
        .starts_with("Choose at least one /recommend option"));
}

const NEARSHORING: &str = "\n## ¿Qué es el nearshoring? {#nearshoring}\n\nEl nearshoring es externalizar a un proveedor de un país cercano.\n";
/// The English edition's twin of [`NEARSHORING`]: editions must line up.
const NEARSHORING_EN: &str = "\n## What is nearshoring? {#nearshoring}\n\nNearshoring is outsourcing to a provider in a nearby country.\n";

#[tokio::test]
async fn reload_is_for_admins_and_a_bad_edit_keeps_the_old_knowledge() {
    let mut bot = Bot::start().await;
    let md = bot.knowledge().join("es/bpo-kpo.md");
    let good = fs::read_to_string(&md).unwrap();
    fs::write(&md, format!("{good}{NEARSHORING}")).unwrap();
    let en = bot.knowledge().join("en/bpo-kpo.md");
    let en_good = fs::read_to_string(&en).unwrap();
    fs::write(&en, format!("{en_good}{NEARSHORING_EN}")).unwrap();

    // A member without Manage Server: refused privately, nothing reloaded.
    let d = bot.as_member("reload", json!([]), "en-US").await;
    let refused = bot.callback(&d).await;
    assert_eq!(refused["data"]["flags"], 64);
    assert!(
        embed(&refused)["description"]
            .as_str()
            .unwrap()
            .starts_with("Only server admins"),
        "{refused}"
    );
    // Not reloaded: the new section is not served.
    assert_ne!(
        embed(&bot.ask("¿Qué es el nearshoring?", "es-ES").await)["title"],
        "¿Qué es el nearshoring?"
    );

    // An admin (by role): deferred privately, then the report.
    let d = bot.reload_as_admin().await;
    let deferred = bot.callback(&d).await;
    assert_eq!(deferred["type"], 5);
    assert_eq!(deferred["data"]["flags"], 64);
    let edit = bot.next(is_deferred_reply).await;
    assert_eq!(edit.body["flags"], 64);
    let content = edit.body["content"].as_str().unwrap();
    assert!(content.starts_with("Knowledge reloaded"), "{content}");
    assert!(
        content.contains("58 → 60 passages")
            && content.contains(
                "added: en:bpo-kpo/nearshoring (What is nearshoring?); es:bpo-kpo/nearshoring (¿Qué es el nearshoring?)"
            ),
        "{content}"
    );
    assert_eq!(
        embed(&bot.ask("¿Qué es el nearshoring?", "es-ES").await)["title"],
        "¿Qué es el nearshoring?"
    );

    // An admin by Manage Server, after a broken edit: every problem, old knowledge kept.
    fs::write(&md, format!("- roto\n{good}")).unwrap();
    let d = bot
        .slash(
            "reload",
            json!([]),
            "es-ES",
            ADMIN + 10,
            &[],
            EVERYONE_PERMISSIONS | MANAGE_GUILD,
        )
        .await;
    bot.callback(&d).await;
    let edit = bot.next(is_deferred_reply).await;
    let content = edit.body["content"].as_str().unwrap();
    assert!(
        content.starts_with("Recarga rechazada; se sigue sirviendo el conocimiento anterior."),
        "{content}"
    );
    assert!(
        content.contains("bpo-kpo.md:1: list before any section"),
        "{content}"
    );
    assert_eq!(
        embed(&bot.ask("¿Qué es el nearshoring?", "es-ES").await)["title"],
        "¿Qué es el nearshoring?"
    );
}

#[tokio::test]
async fn a_near_miss_offers_the_closest_passages_as_did_you_mean() {
    let mut bot = Bot::start().await;
    let reply = bot
        .ask("que es lo que mas le cuesta a la industria bpo", "es-ES")
        .await;
    let e = embed(&reply);
    assert_eq!(e["title"], "Sin respuesta clara");
    assert!(
        e["description"]
            .as_str()
            .unwrap()
            .ends_with("¿Quiso decir…?"),
        "{e}"
    );
    let buttons = reply["data"]["components"][0]["components"]
        .as_array()
        .unwrap();
    assert!(!buttons.is_empty() && buttons.len() <= 3);
    // The closest first: both challenge sections are offered.
    let first = buttons[0]["custom_id"].as_str().unwrap();
    assert!(
        first.starts_with("dym1:") && first.ends_with(":es:bpo-kpo/desafios-de-kpo/1"),
        "{first}"
    );
    let label = buttons[0]["label"].as_str().unwrap();
    assert!(
        label.starts_with("¿Cuáles son los desafíos de KPO? · "),
        "{label}"
    );
    let bpo = buttons
        .iter()
        .find(|b| {
            b["custom_id"]
                .as_str()
                .unwrap()
                .ends_with(":es:bpo-kpo/desafios-de-bpo/1")
        })
        .expect("the BPO challenges are offered too");
    assert!(bpo["label"]
        .as_str()
        .unwrap()
        .starts_with("¿Cuáles son los desafíos del BPO? · "));
    let first = bpo["custom_id"].as_str().unwrap().to_string();

    let member = bot
        .fake
        .member(MEMBER, "someone", &[], EVERYONE_PERMISSIONS);
    let click = bot
        .fake
        .button_click(&first, "es-ES", member, MEMBER, TEXT_CHANNEL_ID);
    bot.fake.dispatch("INTERACTION_CREATE", click.clone()).await;
    let shown = bot.callback(&click).await;
    assert_eq!(shown["data"]["flags"], 64, "only the clicker sees it");
    assert_eq!(embed(&shown)["title"], "¿Cuáles son los desafíos del BPO?");
    assert_eq!(
        embed(&shown)["footer"]["text"],
        "Fuente: bpo-kpo/desafios-de-bpo/1"
    );
    assert_no_pings(&shown["data"]);
}

#[tokio::test]
async fn mentions_dms_and_answer_channels_are_answered_and_nothing_else() {
    let mut bot = Bot::start().await;
    let me = bot.bot_id();

    // Ignored: elsewhere without a mention, another bot, in the answer channel too.
    bot.say(OTHER_CHANNEL, true, MEMBER, false, "¿Qué es un KPO?", &[])
        .await;
    bot.say(
        ANSWER_CHANNEL,
        true,
        OTHER_BOT,
        true,
        "¿Qué es un KPO?",
        &[],
    )
    .await;
    bot.say(
        OTHER_CHANNEL,
        true,
        OTHER_BOT,
        true,
        &format!("<@{me}> ¿Qué es un KPO?"),
        &[me],
    )
    .await;

    // Answered: a mention, a DM, a message in the answer channel.
    let mention = bot
        .say(
            OTHER_CHANNEL,
            true,
            MEMBER,
            false,
            &format!("<@{me}> ¿qué es un BPO?"),
            &[me],
        )
        .await;
    let reply = bot
        .next(|r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{OTHER_CHANNEL}/messages")
        })
        .await;
    assert_eq!(reply.body["message_reference"]["message_id"], mention["id"]);
    assert_eq!(reply.body["embeds"][0]["title"], "¿Qué es un BPO?");
    assert_no_pings(&reply.body);

    bot.say(DM_CHANNEL_ID, false, MEMBER, false, "KPO benefits", &[])
        .await;
    let reply = bot
        .next(|r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{DM_CHANNEL_ID}/messages")
        })
        .await;
    assert!(
        reply.body["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Source: "),
        "English text, English labels"
    );

    bot.say(ANSWER_CHANNEL, true, MEMBER, false, "desafíos del kpo", &[])
        .await;
    let reply = bot
        .next(|r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{ANSWER_CHANNEL}/messages")
        })
        .await;
    assert_eq!(
        reply.body["embeds"][0]["title"],
        "¿Cuáles son los desafíos de KPO?"
    );

    // Give the ignored ones time to (wrongly) show up: exactly three replies.
    let sent = bot.settled_channel_messages().await;
    assert_eq!(sent.len(), 3, "{sent:#?}");
}

/// Questions in people's own words that used to get "no clear answer":
/// a DM and a mention, each answered with the passage that answers it.
#[tokio::test]
async fn questions_in_users_own_words_are_answered() {
    let mut bot = Bot::start().await;
    let me = bot.bot_id();
    let asked = [
        (
            DM_CHANNEL_ID,
            "What does KPO stand for?".to_string(),
            "What is a KPO?",
            "bpo-kpo/que-es-un-kpo/1",
        ),
        (
            OTHER_CHANNEL,
            format!("<@{me}> Why do BPO call centers lose so many employees?"),
            "What are the challenges of BPO?",
            "bpo-kpo/desafios-de-bpo/1",
        ),
        (
            ANSWER_CHANNEL,
            "que significa la sigla BPO".to_string(),
            "¿Qué es un BPO?",
            "bpo-kpo/que-es-un-bpo/1",
        ),
        // No grammar words: English, since the English edition uses them.
        (
            DM_CHANNEL_ID,
            "kpo full form".to_string(),
            "What is a KPO?",
            "bpo-kpo/que-es-un-kpo/1",
        ),
        // Markup around a mention's question is not its words (issue 10).
        (
            OTHER_CHANNEL,
            format!(
                "<@{me}> ||spoiler|| ```rust fn``` [link](https://example.com) ¿qué es un kpo?"
            ),
            "¿Qué es un KPO?",
            "bpo-kpo/que-es-un-kpo/1",
        ),
    ];
    for (channel, question, title, id) in asked {
        let mentions: &[u64] = if channel == OTHER_CHANNEL { &[me] } else { &[] };
        bot.say(
            channel,
            channel != DM_CHANNEL_ID,
            MEMBER,
            false,
            &question,
            mentions,
        )
        .await;
        let reply = bot
            .next(|r| {
                r.method == "POST" && r.path == format!("/api/v10/channels/{channel}/messages")
            })
            .await;
        let embed = &reply.body["embeds"][0];
        assert_eq!(embed["title"], title, "{question}: {embed}");
        let footer = embed["footer"]["text"].as_str().unwrap();
        assert!(
            footer.contains(&format!(": {id} · ")),
            "{question}: {footer}"
        );
        assert_no_pings(&reply.body);
    }
}

#[tokio::test]
async fn everyone_and_role_mentions_in_a_question_ping_nobody() {
    let mut bot = Bot::start().await;
    let me = bot.bot_id();
    let role = bot.fake.config().member_role_id;
    let content = format!("<@{me}> @everyone <@&{role}> ¿qué es un KPO?");
    let guild = bot.fake.config().guild_id;
    let d = bot.fake.message(
        OTHER_CHANNEL,
        Some(guild),
        MEMBER,
        "someone",
        false,
        &content,
        &[me],
        &[role],
        true,
    );
    bot.fake.dispatch("MESSAGE_CREATE", d).await;
    let reply = bot
        .next(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .await;
    assert_no_pings(&reply.body);
    let text = reply.body.to_string();
    assert!(
        !text.contains("@everyone") && !text.contains(&format!("<@&{role}>")),
        "{text}"
    );
    assert_eq!(reply.body["embeds"][0]["title"], "¿Qué es un KPO?");

    // The same through /ask.
    let reply = bot.ask("@everyone <@&1> ¿qué es un KPO?", "es-ES").await;
    assert_no_pings(&reply["data"]);
    assert!(!reply.to_string().contains("@everyone"));
}

#[tokio::test]
async fn a_flood_gets_one_polite_cooldown() {
    let mut bot = Bot::start().await;
    for _ in 0..PER_MINUTE {
        let reply = bot.ask("tipos de kpo", "en-US").await;
        assert_eq!(embed(&reply)["title"], "Types of KPOs");
    }
    let reply = bot.ask("tipos de kpo", "en-US").await;
    assert_eq!(reply["data"]["flags"], 64);
    let text = embed(&reply)["description"].as_str().unwrap();
    assert!(
        text.starts_with("You're asking faster than I can keep up: try again in "),
        "{text}"
    );

    // In a channel, another user: answers, one notice, then silence while the flood lasts.
    let me = bot.bot_id();
    let flooder = MEMBER + 7;
    let sent = bot.flood(flooder, &format!("<@{me}> tipos de kpo")).await;
    assert_eq!(sent.len(), PER_MINUTE as usize + 1, "{sent:#?}");
}

#[tokio::test]
async fn a_bad_token_exits_1_with_a_clear_message() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let out = tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_outsourcing-bot"))
            .env("DISCORD_TOKEN", support::fake_discord::BAD_TOKEN)
            .env("DISCORD_API_BASE", fake.api_base())
            .env("RUST_LOG", "trace")
            .current_dir(support::files::workdir())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        drop(fake);
        out
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Discord rejected the token (HTTP 401 Unauthorized)"),
        "{err}"
    );
    assert!(
        !err.contains(support::fake_discord::BAD_TOKEN),
        "the token is never printed"
    );
}

#[tokio::test]
async fn each_command_logs_one_line_without_the_message_text() {
    let mut bot = Bot::start().await;
    bot.ask("¿qué es un KPO? zanahoria", "es-ES").await;
    let me = bot.bot_id();
    bot.say(
        OTHER_CHANNEL,
        true,
        MEMBER,
        false,
        &format!("<@{me}> tipos de bpo zanahoria"),
        &[me],
    )
    .await;
    bot.next(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = bot.log();
    assert!(
        log.contains(&format!("user={MEMBER} command=\"ask\" outcome=\"ok\" ms=")),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "user={MEMBER} command=\"message\" outcome=\"ok\" ms="
        )),
        "{log}"
    );
    assert!(
        !log.contains("zanahoria"),
        "message contents stay out of the log: {log}"
    );
    assert!(
        !log.contains("test-token"),
        "the token stays out of the log"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_and_ctrl_c_shut_the_bot_down_cleanly() {
    for signal in ["-TERM", "-INT"] {
        let mut bot = Bot::start().await;
        let status = Command::new("kill")
            .args([signal, &bot.process.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = bot.process.exit_status().await.code();
        assert_eq!(code, Some(0), "{signal}: {}", bot.log());
        assert!(bot.log().contains("shutting down"), "{signal}");
    }
}

/// A reload no admin asked for (SIGHUP here; the watcher alike) registers
/// the changed questionnaire too.
#[tokio::test]
async fn a_sighup_reload_that_changes_the_questionnaire_registers_the_commands() {
    let mut bot = Bot::start().await;
    bot.relabel_call_center();
    let status = Command::new("kill")
        .args(["-HUP", &bot.process.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    bot.expect_relabelled_registration().await;
}

#[tokio::test]
async fn a_reload_that_changes_the_questionnaire_registers_the_commands_again() {
    let mut bot = Bot::start().await;
    bot.relabel_call_center();
    let d = bot.reload_as_admin().await;
    bot.callback(&d).await;
    bot.expect_relabelled_registration().await;

    // A reload that leaves the questionnaire alone registers nothing.
    let d = bot.reload_as_admin().await;
    bot.callback(&d).await;
    bot.next(is_deferred_reply).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let puts = bot
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(puts, 2);
}

// ------------------------------------------ never connected and silent

/// The PUT requests that registered (or tried to register) the commands.
fn registrations(bot: &Bot) -> Vec<Recorded> {
    bot.fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .collect()
}

#[tokio::test]
async fn a_registration_discord_fails_is_retried_and_questions_are_answered_meanwhile() {
    // Discord answers the first two registrations with 500.
    let mut bot = Bot::start_with(|fake| fake.fail_next("PUT", "/commands", 500, 2)).await;
    // Not registered yet, and yet the bot answers.
    let reply = bot.ask("¿qué es un KPO?", "es-ES").await;
    assert_eq!(embed(&reply)["title"], "¿Qué es un KPO?");
    // Registered on the third try, after a backoff.
    bot.next(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .await;
    bot.next(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .await;
    wait_for_log(&bot, "slash commands registered").await;
    let log = bot.log();
    assert_eq!(
        log.matches("could not register the slash commands").count(),
        2,
        "{log}"
    );
    assert!(
        log.contains("Internal Server Error"),
        "the cause is logged: {log}"
    );
    let reply = bot.ask("beneficios del bpo", "es-ES").await;
    assert_eq!(embed(&reply)["title"], "Beneficios de BPO");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(registrations(&bot).len(), 3, "nothing more once registered");
}

/// Polls the bot's log until it holds `text`.
async fn wait_for_log(bot: &Bot, text: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while !bot.log().contains(text) {
        assert!(
            std::time::Instant::now() < deadline,
            "no {text:?} in the log: {}",
            bot.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_registration_discord_refuses_after_a_reload_is_reported_to_the_admin() {
    let mut bot = Bot::start().await;
    bot.relabel_call_center();
    bot.fake.fail_next("PUT", "/commands", 400, 1);
    let d = bot.reload_as_admin().await;
    bot.callback(&d).await;
    let reply = bot.next(is_deferred_reply).await;
    let content = reply.body["content"].as_str().unwrap();
    assert!(content.starts_with("Knowledge reloaded"), "{content}");
    assert!(
        content.contains("Discord refused the new slash commands (Invalid Form Body)"),
        "{content}"
    );
    assert!(bot.log().contains("ERROR"), "{}", bot.log());
    // Refused for good: not sent again on its own…
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(registrations(&bot).len(), 2);
    // …but the admin's next /reload tries, and says so.
    let d = bot.reload_as_admin().await;
    bot.callback(&d).await;
    let reply = bot.next(is_deferred_reply).await;
    let content = reply.body["content"].as_str().unwrap();
    assert!(
        content.ends_with("Slash commands updated: /recommend has 6 options."),
        "{content}"
    );
    assert_eq!(registrations(&bot).len(), 3);
}

#[tokio::test]
async fn a_question_added_to_rules_toml_works_through_recommend() {
    let mut bot = Bot::start().await;
    let rules = bot.knowledge().join("rules.toml");
    let mut text = fs::read_to_string(&rules).unwrap();
    text.push_str(
        r#"
[[question]]
key = "data-sensitivity"
label = { es = "Sensibilidad de los datos", en = "Data sensitivity" }
description = { es = "Qué tan delicados son los datos.", en = "How sensitive the data is." }
values = [
  { id = "public", es = "Públicos", en = "Public" },
  { id = "confidential", es = "Confidenciales", en = "Confidential" },
]

[[rule]]
id = "confidential-data"
when = { data-sensitivity = ["confidential"] }
favors = "kpo"
weight = 5.0
reason = { es = "Los datos delicados piden el juicio de profesionales.", en = "Sensitive data calls for professionals' judgment." }
source = "bpo-kpo/que-es-un-kpo/1"
"#,
    );
    fs::write(&rules, text).unwrap();
    let d = bot.reload_as_admin().await;
    bot.callback(&d).await;
    let reply = bot.next(is_deferred_reply).await;
    let content = reply.body["content"].as_str().unwrap();
    assert!(
        content.ends_with("Slash commands updated: /recommend has 7 options."),
        "{content}"
    );
    let put = registrations(&bot).pop().unwrap();
    let recommend = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "recommend")
        .unwrap()
        .clone();
    assert_eq!(recommend["options"][6]["name"], "data-sensitivity");

    let options = json!([{"name": "data-sensitivity", "type": 3, "value": "confidential"}]);
    let d = bot.as_member("recommend", options, "en-US").await;
    let reply = bot.callback(&d).await;
    let e = embed(&reply);
    assert_eq!(e["title"], "Recommendation: KPO", "{e}");
    assert!(
        e["fields"][0]["value"]
            .as_str()
            .unwrap()
            .contains("Sensitive data calls for professionals' judgment."),
        "{e}"
    );

    // A key Discord still offers but the knowledge no longer has: said plainly.
    let options = json!([{"name": "budget", "type": 3, "value": "low"}]);
    let d = bot.as_member("recommend", options, "en-US").await;
    let reply = bot.callback(&d).await;
    assert_eq!(reply["data"]["flags"], 64);
    let text = embed(&reply)["description"].as_str().unwrap();
    assert!(
        text.contains("budget") && text.contains("data-sensitivity"),
        "{text}"
    );
}

#[tokio::test]
async fn notices_stickers_files_and_webhooks_in_an_answer_channel_get_no_reply() {
    let mut bot = Bot::start().await;
    let me = bot.bot_id();
    let mut ignored = Vec::new();
    // Discord's notices: a pin (6), a join (7), a new thread (18, whose
    // content is the thread's name).
    for (kind, content) in [(6, ""), (7, ""), (18, "¿Qué es un KPO?")] {
        let mut d = bot.in_answer_channel(content);
        d["type"] = json!(kind);
        ignored.push(d);
    }
    // A sticker alone, and a file alone.
    let mut sticker = bot.in_answer_channel("");
    sticker["sticker_items"] =
        json!([{"id": "749054660769218631", "name": "Wave", "format_type": 1}]);
    ignored.push(sticker);
    let mut file = bot.in_answer_channel("");
    file["attachments"] = json!([{
        "id": "749054660769218632", "filename": "kpo.png", "size": 10,
        "url": "https://cdn.invalid/kpo.png", "proxy_url": "https://cdn.invalid/kpo.png",
    }]);
    ignored.push(file);
    // A webhook's message, even one that mentions the bot.
    let mut hook = bot.fake.message(
        ANSWER_CHANNEL,
        Some(bot.fake.config().guild_id),
        MEMBER,
        "Captain Hook",
        false,
        &format!("<@{me}> ¿Qué es un KPO?"),
        &[me],
        &[],
        false,
    );
    hook["webhook_id"] = json!("749054660769218633");
    ignored.push(hook);
    for d in ignored {
        bot.fake.dispatch("MESSAGE_CREATE", d).await;
    }

    // An inline reply (19) is a person's words: answered.
    let mut reply = bot.in_answer_channel("tipos de kpo");
    reply["type"] = json!(19);
    bot.fake.dispatch("MESSAGE_CREATE", reply).await;
    let answer = bot
        .next(|r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{ANSWER_CHANNEL}/messages")
        })
        .await;
    assert_eq!(answer.body["embeds"][0]["title"], "Tipos de KPOs");
    assert_eq!(
        answer.body["message_reference"]["fail_if_not_exists"], false,
        "a question deleted meanwhile is no error"
    );
    let sent = bot.settled_channel_messages().await;
    assert_eq!(sent.len(), 1, "{sent:#?}");
}

#[tokio::test]
async fn a_flood_of_bare_mentions_is_rate_limited_like_questions() {
    let mut bot = Bot::start().await;
    let me = bot.bot_id();
    let sent = bot.flood(MEMBER, &format!("<@{me}>")).await;
    assert_eq!(sent.len(), PER_MINUTE as usize + 1, "{sent:#?}");
    let helps = sent
        .iter()
        .filter(|r| r.body["embeds"][0]["title"] == "outsourcing-bot")
        .count();
    assert_eq!(helps, PER_MINUTE as usize);
}

#[tokio::test]
async fn a_stale_topic_button_says_the_topic_is_gone_and_other_clicks_are_not_ours() {
    let mut bot = Bot::start().await;
    let member = bot
        .fake
        .member(MEMBER, "someone", &[], EVERYONE_PERMISSIONS);
    let click = bot.fake.button_click(
        "topic:es:bpo-kpo/nearshoring",
        "en-US",
        member.clone(),
        MEMBER,
        TEXT_CHANNEL_ID,
    );
    bot.fake.dispatch("INTERACTION_CREATE", click.clone()).await;
    let shown = bot.callback(&click).await;
    assert_eq!(shown["data"]["flags"], 64);
    assert!(
        embed(&shown)["description"]
            .as_str()
            .unwrap()
            .starts_with("That topic no longer exists"),
        "{shown}"
    );

    // Not a topic button: no reply from us.
    let other = bot
        .fake
        .button_click("poll:yes", "en-US", member, MEMBER, TEXT_CHANNEL_ID);
    bot.fake.dispatch("INTERACTION_CREATE", other.clone()).await;
    tokio::time::sleep(QUIET).await;
    let path = format!(
        "/api/v10/interactions/{}/{}/callback",
        other["id"].as_str().unwrap(),
        other["token"].as_str().unwrap()
    );
    assert!(!bot.fake.requests().iter().any(|r| r.path == path));
}

// ---------------------------------------------------- learning from use

impl Bot {
    /// A button click by `user` (with `roles`, `perms`) in the guild.
    async fn click(&mut self, custom_id: &str, user: u64, roles: &[u64], perms: u64) -> Value {
        let member = self.fake.member(user, "someone", roles, perms);
        let d = self
            .fake
            .button_click(custom_id, "en-US", member, user, TEXT_CHANNEL_ID);
        self.fake.dispatch("INTERACTION_CREATE", d.clone()).await;
        d
    }

    /// A member's choice of `value` in the select menu `custom_id`.
    async fn choose(&mut self, custom_id: &str, value: &str) -> Value {
        let member = self
            .fake
            .member(MEMBER, "someone", &[], EVERYONE_PERMISSIONS);
        let mut d = self
            .fake
            .button_click(custom_id, "en-US", member, MEMBER, TEXT_CHANNEL_ID);
        d["data"] = json!({"custom_id": custom_id, "component_type": 3, "values": [value]});
        self.fake.dispatch("INTERACTION_CREATE", d.clone()).await;
        d
    }

    /// A click by the admin (the configured role).
    async fn admin_click(&mut self, custom_id: &str) -> Value {
        let role = self.fake.config().admin_role_id;
        self.click(custom_id, ADMIN, &[role], EVERYONE_PERMISSIONS)
            .await
    }

    /// A command by the admin (the configured role), in English.
    async fn as_admin(&mut self, name: &str, options: Value) -> Value {
        let role = self.fake.config().admin_role_id;
        self.slash(name, options, "en-US", ADMIN, &[role], EVERYONE_PERMISSIONS)
            .await
    }
}

/// The custom ids of a reply's buttons and menus, row by row.
fn custom_ids(reply: &Value) -> Vec<String> {
    reply["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn an_unanswered_question_becomes_an_answered_one_through_discord_alone() {
    let mut bot = Bot::start().await;
    let question = "un kpo me arma capacitaciones internas?";
    let passage = "bpo-kpo/tipos-de-kpo/1";

    // A member asks; no clear answer, but the passage is among "did you mean".
    let reply = bot.ask(question, "es-ES").await;
    assert_eq!(embed(&reply)["title"], "Sin respuesta clara");
    let dym = custom_ids(&reply)
        .into_iter()
        .find(|id| id.ends_with(&format!(":es:{passage}")))
        .expect("the passage is offered");
    let click = bot.click(&dym, MEMBER, &[], EVERYONE_PERMISSIONS).await;
    let shown = bot.callback(&click).await;
    assert_eq!(
        embed(&shown)["footer"]["text"],
        format!("Source: {passage}")
    );

    // A member cannot see or use the admins' commands, even delivered anyway.
    for command in ["suggestions", "insights"] {
        let d = bot.as_member(command, json!([]), "en-US").await;
        let reply = bot.callback(&d).await;
        assert_eq!(reply["data"]["flags"], 64);
        assert!(
            embed(&reply)["description"]
                .as_str()
                .unwrap()
                .starts_with("Only server admins"),
            "{reply}"
        );
    }

    // The admin sees the suggestion, and accepts it.
    let d = bot.as_admin("suggestions", json!([])).await;
    let reply = bot.callback(&d).await;
    assert_eq!(reply["data"]["flags"], 64);
    let text = embed(&reply)["description"].as_str().unwrap().to_string();
    assert!(text.contains(question) && text.contains(passage), "{text}");
    let accept = custom_ids(&reply)
        .into_iter()
        .find(|id| id.starts_with("sug1:acc:"))
        .expect("an Accept button");
    let reject = accept.replace("sug1:acc:", "sug1:rej:");
    assert!(custom_ids(&reply).contains(&reject));

    // Accept is for admins too, checked on our side.
    let forged = bot.click(&accept, MEMBER, &[], EVERYONE_PERMISSIONS).await;
    let refused = bot.callback(&forged).await;
    assert!(embed(&refused)["description"]
        .as_str()
        .unwrap()
        .starts_with("Only server admins"));
    let markdown = bot.knowledge().join("es/bpo-kpo.md");
    assert!(!fs::read_to_string(&markdown).unwrap().contains(question));

    let click = bot.admin_click(&accept).await;
    bot.callback(&click).await;
    let report = bot.next(is_deferred_reply).await;
    let content = report.body["content"].as_str().unwrap();
    assert!(
        content.starts_with(&format!("Added “{question}” to `{passage}`")),
        "{content}"
    );
    assert!(content.contains("Knowledge reloaded"), "{content}");
    assert!(fs::read_to_string(&markdown)
        .unwrap()
        .contains(&format!("? {question}")));
    // A second Accept on the same button changes nothing.
    let again = bot.admin_click(&accept).await;
    bot.callback(&again).await;
    let report = bot.next(is_deferred_reply).await;
    assert_eq!(
        report.body["content"],
        "That suggestion was already decided or no longer exists."
    );
    let written = fs::read_to_string(&markdown).unwrap();
    assert_eq!(written.matches(&format!("? {question}")).count(), 1);

    // The same question is now answered with that passage; 👍 is recorded.
    let reply = bot.ask(question, "es-ES").await;
    assert_eq!(embed(&reply)["title"], "Tipos de KPOs", "{reply}");
    assert!(embed(&reply)["footer"]["text"]
        .as_str()
        .unwrap()
        .starts_with(&format!("Fuente: {passage}")));
    let ids = custom_ids(&reply);
    let up = ids.iter().find(|id| id.starts_with("fb1:up:")).unwrap();
    assert!(ids.iter().any(|id| id.starts_with("fb1:down:")));
    let click = bot.click(up, MEMBER, &[], EVERYONE_PERMISSIONS).await;
    let thanks = bot.callback(&click).await;
    assert_eq!(thanks["data"]["flags"], 64);
    assert_eq!(
        embed(&thanks)["description"],
        "Thanks! Your feedback is recorded."
    );

    // The suggestion is decided: it is not proposed again.
    let d = bot.as_admin("insights", json!([])).await;
    let reply = bot.callback(&d).await;
    let e = embed(&reply);
    assert_eq!(e["title"], "What was asked in the last 30 days");
    assert!(
        e["description"]
            .as_str()
            .unwrap()
            .starts_with("2 questions, 1 answered (50%), from 1 members."),
        "{e}"
    );
    let votes = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "👍 and 👎 per passage")
        .unwrap();
    assert!(votes["value"]
        .as_str()
        .unwrap()
        .contains(&format!("`{passage}` 👍 1 · 👎 0")));
    let d = bot.as_admin("suggestions", json!([])).await;
    let reply = bot.callback(&d).await;
    assert_eq!(
        embed(&reply)["description"],
        "No suggestions for now.",
        "{reply}"
    );
}

#[tokio::test]
async fn a_thumbs_down_offers_the_closest_passages_and_records_the_pick() {
    let mut bot = Bot::start().await;
    let reply = bot.ask("¿Qué es un KPO?", "es-ES").await;
    let down = custom_ids(&reply)
        .into_iter()
        .find(|id| id.starts_with("fb1:down:"))
        .unwrap();
    let answer = down.trim_start_matches("fb1:down:").to_string();
    let click = bot.click(&down, MEMBER, &[], EVERYONE_PERMISSIONS).await;
    let asked = bot.callback(&click).await;
    assert_eq!(asked["data"]["flags"], 64);
    assert_eq!(
        embed(&asked)["description"],
        "Thanks. Which passage did you expect?"
    );
    let menu = &asked["data"]["components"][0]["components"][0];
    assert_eq!(menu["custom_id"], format!("pick1:{answer}"));
    let options = menu["options"].as_array().unwrap();
    assert!(!options.is_empty() && options.len() <= 25);
    let expected = options[1]["value"].as_str().unwrap().to_string();

    let select = bot.choose(&format!("pick1:{answer}"), &expected).await;
    let shown = bot.callback(&select).await;
    assert_eq!(
        embed(&shown)["footer"]["text"],
        format!("Source: {expected}")
    );
    assert!(embed(&shown)["description"]
        .as_str()
        .unwrap()
        .starts_with("Thanks: we'll take it into account."));

    // A forged pick of a passage that does not exist changes nothing.
    let forged = bot
        .choose(&format!("pick1:{answer}"), "bpo-kpo/nowhere/9")
        .await;
    let refused = bot.callback(&forged).await;
    assert!(embed(&refused)["description"]
        .as_str()
        .unwrap()
        .starts_with("That topic no longer exists"));
}

// ------------------------------------------------------- conversations

impl Bot {
    /// `/ask` by `user` (an ordinary member) in `locale`: the response.
    async fn ask_as(&mut self, user: u64, question: &str, locale: &str) -> Value {
        let options = json!([{"name": "question", "type": 3, "value": question}]);
        let d = self
            .slash("ask", options, locale, user, &[], EVERYONE_PERMISSIONS)
            .await;
        self.callback(&d).await
    }
}

#[tokio::test]
async fn two_members_in_one_channel_keep_their_own_conversations() {
    let mut bot = Bot::start().await;
    let other = MEMBER + 40;
    let first = bot.ask_as(MEMBER, "¿Qué es un KPO?", "es-ES").await;
    assert_eq!(embed(&first)["title"], "¿Qué es un KPO?");
    // Under an answer: 👍 👎, then the natural next questions.
    let next: Vec<String> = first["data"]["components"][1]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["custom_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!next.is_empty() && next.len() <= 3, "{next:?}");
    assert!(
        next.iter().all(|id| id.starts_with("fu1:es:bpo-kpo/")),
        "{next:?}"
    );
    let second = bot.ask_as(other, "¿Qué es un BPO?", "es-ES").await;
    assert_eq!(embed(&second)["title"], "¿Qué es un BPO?");

    let reply = bot.ask_as(MEMBER, "¿y sus desafíos?", "es-ES").await;
    assert_eq!(embed(&reply)["title"], "¿Cuáles son los desafíos de KPO?");
    let footer = embed(&reply)["footer"]["text"].as_str().unwrap();
    assert!(footer.starts_with("Entendí: "), "{footer}");
    let reply = bot.ask_as(other, "¿y sus desafíos?", "es-ES").await;
    assert_eq!(embed(&reply)["title"], "¿Cuáles son los desafíos del BPO?");
    // The other model's same aspect.
    let reply = bot.ask_as(MEMBER, "¿y en el BPO?", "es-ES").await;
    assert_eq!(embed(&reply)["title"], "¿Cuáles son los desafíos del BPO?");
    // A question that says what it asks is taken as it is.
    let reply = bot.ask_as(other, "beneficios del kpo", "es-ES").await;
    assert_eq!(embed(&reply)["title"], "Beneficios de KPO");
    assert!(!embed(&reply)["footer"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Entendí"));
}

#[tokio::test]
async fn a_follow_up_in_a_dm_and_a_follow_up_button() {
    let mut bot = Bot::start().await;
    bot.say(DM_CHANNEL_ID, false, MEMBER, false, "what is a KPO?", &[])
        .await;
    let dm = format!("/api/v10/channels/{DM_CHANNEL_ID}/messages");
    let first = bot.next(|r| r.method == "POST" && r.path == dm).await;
    assert_eq!(first.body["embeds"][0]["title"], "What is a KPO?");
    bot.say(
        DM_CHANNEL_ID,
        false,
        MEMBER,
        false,
        "and its challenges?",
        &[],
    )
    .await;
    let reply = bot.next(|r| r.method == "POST" && r.path == dm).await;
    assert_eq!(
        reply.body["embeds"][0]["title"],
        "What are the challenges of KPO?"
    );
    let footer = reply.body["embeds"][0]["footer"]["text"].as_str().unwrap();
    assert!(footer.starts_with("Understood as: "), "{footer}");

    // A follow-up button answers its section for the clicker, with the
    // next ones under it, and moves their conversation there.
    let buttons = reply.body["components"][1]["components"]
        .as_array()
        .unwrap()
        .clone();
    let button = buttons
        .iter()
        .find(|b| b["custom_id"] == "fu1:en:bpo-kpo/desafios-de-bpo")
        .unwrap_or_else(|| panic!("the same aspect of the other model: {buttons:?}"));
    assert_eq!(button["label"], "What are the challenges of BPO?");
    let click = bot
        .click(
            "fu1:en:bpo-kpo/desafios-de-bpo",
            MEMBER,
            &[],
            EVERYONE_PERMISSIONS,
        )
        .await;
    let shown = bot.callback(&click).await;
    assert_eq!(shown["data"]["flags"], 64);
    assert_eq!(embed(&shown)["title"], "What are the challenges of BPO?");
    assert!(shown["data"]["components"][0]["components"]
        .as_array()
        .is_some_and(|b| !b.is_empty()));
    // In the guild channel where it was clicked, the conversation is now BPO's.
    let reply = bot
        .ask_as(MEMBER, "what about the benefits?", "en-US")
        .await;
    assert_eq!(embed(&reply)["title"], "Benefits of BPO", "{reply}");
}

// ------------------------------------- what `check` accepts, Discord accepts

mod naming {
    use super::*;
    use outsourcing_bot::discord::commands::recommend_builder;
    use outsourcing_bot::knowledge::{self, rules::name_problem, Rules};
    use support::fake_discord::validate_commands;

    fn bundled_rules() -> Rules {
        knowledge::load(&support::files::bundled())
            .unwrap()
            .rules
            .unwrap()
    }

    /// The PUT body that registers /recommend for `rules`.
    fn registration(rules: &Rules) -> Value {
        json!([serde_json::to_value(recommend_builder(Some(rules))).unwrap()])
    }

    /// A registration of one command with one option named `name`, whose one
    /// choice has `name` as its value: a question key and a value id.
    fn registration_named(name: &str) -> Value {
        json!([{
            "name": "recommend", "type": 1, "description": "d",
            "options": [{
                "type": 3, "name": name, "description": "d", "required": false,
                "choices": [{"name": "c", "value": name}],
            }],
        }])
    }

    #[test]
    fn the_bundled_questionnaire_registers_under_discords_rules() {
        validate_commands(&registration(&bundled_rules())).unwrap();
    }

    #[test]
    fn the_fake_refuses_what_discord_refuses() {
        let rules = bundled_rules();
        let mut body = registration(&rules);
        body[0]["options"][0]["name"] = json!("Work");
        assert!(validate_commands(&body).is_err());
        let mut body = registration(&rules);
        body[0]["options"][0]["description"] = json!("x".repeat(101));
        assert!(validate_commands(&body).is_err());
        let mut body = registration(&rules);
        let option = body[0]["options"][0].clone();
        body[0]["options"] = json!(vec![option; 26]
            .into_iter()
            .enumerate()
            .map(|(i, mut o)| {
                o["name"] = json!(format!("o{i}"));
                o
            })
            .collect::<Vec<_>>());
        assert!(validate_commands(&body).unwrap_err().contains("26 options"));
    }

    /// Every name `check` accepts as a key or value id, Discord accepts as an
    /// option name and a choice value; and what `check` refuses for breaking
    /// Discord's rules, the fake refuses too.
    #[test]
    fn every_name_check_accepts_discord_accepts() {
        let mut names: Vec<String> = (0u32..0x3100)
            .chain([0x1F600, 0xE01F0, 0x10FFFF])
            .filter_map(char::from_u32)
            .flat_map(|c| [c.to_string(), format!("a{c}b")])
            .collect();
        names.extend(
            [
                "",
                "work",
                "a=b",
                "a b",
                "Work",
                "año",
                "straße",
                "कार्य",
                "ประเภท",
                "工作",
                "ǆ",
                "ǅ",
                "İ",
                "x\u{200b}y",
                "-",
                "_",
                "'",
                "it's",
            ]
            .map(String::from),
        );
        names.extend(["a", "ñ", "क"].map(|c| c.repeat(32)));
        names.extend(["a", "ñ"].map(|c| c.repeat(33)));

        let (mut both_accept, mut both_refuse) = (0, 0);
        for name in &names {
            let discord = validate_commands(&registration_named(name));
            match name_problem(name) {
                None => {
                    assert!(
                        discord.is_ok(),
                        "check accepts {name:?}, Discord refuses it: {discord:?}"
                    );
                    both_accept += 1;
                }
                Some(_) if discord.is_err() => both_refuse += 1,
                // Stricter than Discord only where the command line needs it.
                Some(why) => assert!(name.contains('\''), "{name:?}: {why}"),
            }
        }
        assert!(
            both_accept > 1000 && both_refuse > 1000,
            "{both_accept} {both_refuse}"
        );
        for name in ["", "a=b", "a b", "Work", "İ", &"a".repeat(33)] {
            assert!(name_problem(name).is_some(), "{name:?}");
            assert!(
                validate_commands(&registration_named(name)).is_err(),
                "{name:?}"
            );
        }
    }

    /// 25 values register; a 26th, which `check` refuses, Discord refuses too
    /// (the front end used to drop it without a word).
    #[test]
    fn twenty_five_values_register_and_twenty_six_do_not() {
        let mut rules = bundled_rules();
        let work = &mut rules.questions[0];
        let template = work.values[0].clone();
        while work.values.len() < 25 {
            let mut v = template.clone();
            v.id = format!("extra-{}", work.values.len());
            work.values.push(v);
        }
        let body = registration(&rules);
        assert_eq!(
            body[0]["options"][0]["choices"].as_array().unwrap().len(),
            25
        );
        validate_commands(&body).unwrap();

        let mut body = body;
        let choices = body[0]["options"][0]["choices"].as_array_mut().unwrap();
        let mut extra = choices[0].clone();
        extra["value"] = json!("extra-25");
        choices.push(extra);
        assert!(validate_commands(&body).unwrap_err().contains("26 choices"));
    }
}

mod size {
    use super::*;
    use outsourcing_bot::discord::commands::recommend_builder;
    use outsourcing_bot::knowledge::rules::MAX_QUESTIONNAIRE_CHARS;
    use outsourcing_bot::knowledge::{self, Rules};
    use support::fake_discord::{combined_chars, validate_commands, MAX_COMMAND_CHARS};

    fn command(rules: &Rules) -> Value {
        serde_json::to_value(recommend_builder(Some(rules))).unwrap()
    }

    /// `check` counts a questionnaire as Discord counts /recommend, leaving
    /// room for the command's own name and description; past its budget the
    /// registration may fail, within it it never does.
    #[test]
    fn check_counts_the_questionnaire_as_discord_counts_the_command() {
        let mut rules = knowledge::load(&support::files::bundled())
            .unwrap()
            .rules
            .unwrap();
        let empty = {
            let mut r = rules.clone();
            r.questions.clear();
            combined_chars(&command(&r))
        };
        assert!(
            empty <= MAX_COMMAND_CHARS - MAX_QUESTIONNAIRE_CHARS,
            "{empty}"
        );
        let counted =
            |rules: &Rules| -> usize { rules.questions.iter().map(|q| q.registered_chars()).sum() };
        assert_eq!(combined_chars(&command(&rules)), empty + counted(&rules));
        validate_commands(&json!([command(&rules)])).unwrap();

        // Labels grow (past the 100 a label is cut to) until check's budget is spent.
        'grow: for q in 0..rules.questions.len() {
            for v in 0..rules.questions[q].values.len() {
                let mut bigger = rules.clone();
                bigger.questions[q].values[v].label.en = "x".repeat(150);
                if counted(&bigger) > MAX_QUESTIONNAIRE_CHARS {
                    break 'grow;
                }
                rules = bigger;
            }
        }
        assert_eq!(combined_chars(&command(&rules)), empty + counted(&rules));
        validate_commands(&json!([command(&rules)])).unwrap();

        // Past Discord's own limit the fake refuses it.
        for q in &mut rules.questions {
            q.description.en = "y".repeat(100);
            for v in &mut q.values {
                v.label.en = "z".repeat(100);
            }
        }
        assert!(combined_chars(&command(&rules)) > MAX_COMMAND_CHARS);
        let err = validate_commands(&json!([command(&rules)])).unwrap_err();
        assert!(err.contains("characters of names"), "{err}");
    }
}
