//! Tests of the fake Discord itself (tests/support/fake_discord.rs), without the
//! bot: its payloads deserialize into serenity's models, serenity's real `Http`
//! talks to its REST API, and a real serenity `Client` connects to its gateway,
//! with one shard or several, events routed by guild as Discord routes them.

mod support;

use std::time::Duration;

use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use support::fake_discord::{
    guild_on_shard, shard_of, validate_dispatch, FakeConfig, FakeDiscord, DM_CHANNEL_ID,
    EVERYONE_PERMISSIONS, MANAGE_GUILD, TEXT_CHANNEL_ID,
};
use support::session::eventually;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);
const USER: u64 = 800_000_000_000_000_001;

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_test_writer()
        .try_init();
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> T {
    match serde_json::from_value(value.clone()) {
        Ok(v) => v,
        Err(e) => panic!("{what} does not deserialize: {e}\n{value:#}"),
    }
}

fn rest_client(fake: &FakeDiscord, token: &str) -> serenity::Http {
    serenity::HttpBuilder::new(token)
        .proxy(fake.api_base())
        .ratelimiter_disabled(true)
        .application_id(serenity::ApplicationId::new(fake.config().application_id))
        .build()
}

#[tokio::test]
async fn payload_builders_deserialize_into_serenity_models() {
    init_tracing();
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let config = fake.config().clone();

    // Slash command in the guild.
    let member = fake.member(
        USER,
        "alice",
        &[config.admin_role_id],
        MANAGE_GUILD | EVERYONE_PERMISSIONS,
    );
    let payload = fake.slash_command(
        "ask",
        json!([{"name": "question", "type": 3, "value": "what is BPO?"}]),
        "de",
        Some(member.clone()),
        USER,
    );
    validate_dispatch("INTERACTION_CREATE", &payload).unwrap();
    let serenity::Interaction::Command(command) = parse("slash command", payload.clone()) else {
        panic!("not a command interaction");
    };
    assert_eq!(command.data.name, "ask");
    assert_eq!(command.locale, "de");
    assert_eq!(command.guild_id.map(|g| g.get()), Some(config.guild_id));
    assert_eq!(command.channel_id.get(), TEXT_CHANNEL_ID);
    assert_eq!(command.user.id.get(), USER, "user is filled from member");
    let m = command.member.as_ref().expect("member");
    assert_eq!(m.roles, vec![serenity::RoleId::new(config.admin_role_id)]);
    assert!(m.permissions.expect("member permissions").manage_guild());
    assert!(command
        .app_permissions
        .expect("app_permissions")
        .send_messages());
    match &command.data.options[0].value {
        serenity::CommandDataOptionValue::String(s) => assert_eq!(s, "what is BPO?"),
        other => panic!("unexpected option value {other:?}"),
    }
    // A second one has another id and token.
    let again = fake.slash_command("ask", Value::Null, "en-US", Some(member.clone()), USER);
    assert_ne!(again["id"], payload["id"]);
    assert_ne!(again["token"], payload["token"]);

    // Slash command in a DM.
    let payload = fake.slash_command("help", json!([]), "en-US", None, USER);
    validate_dispatch("INTERACTION_CREATE", &payload).unwrap();
    let serenity::Interaction::Command(dm) = parse("DM slash command", payload) else {
        panic!("not a command interaction");
    };
    assert!(dm.guild_id.is_none() && dm.member.is_none());
    assert_eq!(dm.user.id.get(), USER);
    assert_eq!(dm.channel_id.get(), DM_CHANNEL_ID);

    // Autocomplete.
    let payload = fake.autocomplete(
        "ask",
        json!([{"name": "question", "type": 3, "value": "wha", "focused": true}]),
        "en-US",
        member.clone(),
        USER,
    );
    validate_dispatch("INTERACTION_CREATE", &payload).unwrap();
    let serenity::Interaction::Autocomplete(auto) = parse("autocomplete", payload) else {
        panic!("not an autocomplete interaction");
    };
    let focused = auto.data.autocomplete().expect("a focused option");
    assert_eq!((focused.name, focused.value), ("question", "wha"));

    // Button click.
    let payload = fake.button_click("more:42", "fr", member.clone(), USER, TEXT_CHANNEL_ID);
    validate_dispatch("INTERACTION_CREATE", &payload).unwrap();
    let serenity::Interaction::Component(click) = parse("button click", payload) else {
        panic!("not a component interaction");
    };
    assert_eq!(click.data.custom_id, "more:42");
    assert!(matches!(
        click.data.kind,
        serenity::ComponentInteractionDataKind::Button
    ));
    assert_eq!(click.message.author.id.get(), config.bot_user_id);
    assert_eq!(click.message.components.len(), 1);
    assert_eq!(click.user.id.get(), USER);

    // Messages, in the guild and in a DM.
    let payload = fake.message(
        TEXT_CHANNEL_ID,
        Some(config.guild_id),
        USER,
        "alice",
        false,
        &format!(
            "<@{}> hello <@&{}>",
            config.bot_user_id, config.member_role_id
        ),
        &[config.bot_user_id],
        &[config.member_role_id],
        false,
    );
    validate_dispatch("MESSAGE_CREATE", &payload).unwrap();
    let message: serenity::Message = parse("guild message", payload);
    assert_eq!(message.author.name, "alice");
    assert!(!message.author.bot);
    assert_eq!(message.guild_id.map(|g| g.get()), Some(config.guild_id));
    assert!(message.member.is_some());
    assert_eq!(message.mentions[0].id.get(), config.bot_user_id);
    assert!(message.mentions[0].bot);
    assert_eq!(
        message.mention_roles,
        vec![serenity::RoleId::new(config.member_role_id)]
    );
    let payload = fake.message(
        DM_CHANNEL_ID,
        None,
        USER,
        "alice",
        false,
        "hi",
        &[],
        &[],
        false,
    );
    validate_dispatch("MESSAGE_CREATE", &payload).unwrap();
    let message: serenity::Message = parse("DM message", payload);
    assert!(message.guild_id.is_none() && message.member.is_none());

    // READY and GUILD_CREATE.
    let ready_payload = fake.ready_payload();
    validate_dispatch("READY", &ready_payload).unwrap();
    let ready: serenity::Ready = parse("READY", ready_payload);
    assert_eq!(ready.user.id.get(), config.bot_user_id);
    assert!(ready.user.bot);
    assert_eq!(ready.application.id.get(), config.application_id);
    assert_eq!(ready.guilds[0].id.get(), config.guild_id);
    assert_eq!(ready.resume_gateway_url, fake.gateway_url());
    let guild_payload = fake.guild_create_payload();
    validate_dispatch("GUILD_CREATE", &guild_payload).unwrap();
    let guild: serenity::Guild = parse("GUILD_CREATE", guild_payload.clone());
    assert_eq!(guild.id.get(), config.guild_id);
    assert_eq!(guild.roles.len(), 3);
    let admin = &guild.roles[&serenity::RoleId::new(config.admin_role_id)];
    assert_eq!(admin.name, "Admin");
    assert!(admin.permissions.manage_guild());
    let member_role = &guild.roles[&serenity::RoleId::new(config.member_role_id)];
    assert!(member_role.permissions.is_empty());
    assert!(guild.roles[&serenity::RoleId::new(config.guild_id)]
        .permissions
        .send_messages());
    assert!(guild
        .members
        .contains_key(&serenity::UserId::new(config.bot_user_id)));
    assert_eq!(guild.channels.len(), 1, "the text channel must deserialize");
    assert_eq!(
        guild.channels[&serenity::ChannelId::new(TEXT_CHANNEL_ID)].kind,
        serenity::ChannelType::Text
    );
    // Through the gateway's own path (fills guild_id into members and roles).
    let event: serenity::Event = parse(
        "GUILD_CREATE event",
        json!({"t": "GUILD_CREATE", "d": guild_payload}),
    );
    let serenity::Event::GuildCreate(event) = event else {
        panic!("not a GuildCreate event");
    };
    assert_eq!(
        event.guild.members.values().next().unwrap().guild_id.get(),
        config.guild_id
    );

    // REST shapes.
    let _: serenity::CurrentApplicationInfo = parse("application info", fake.application_info());
    let body = json!({
        "content": "hello",
        "embeds": [{"title": "t", "description": "d", "color": 3447003,
                    "fields": [{"name": "n", "value": "v", "inline": false}],
                    "footer": {"text": "f"}}],
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "custom_id": "x", "label": "X"},
            {"type": 2, "style": 5, "url": "https://example.com", "label": "Y"}]}],
        "flags": 64,
    });
    let message: serenity::Message =
        parse("REST message", fake.rest_message(TEXT_CHANNEL_ID, &body));
    assert_eq!(message.content, "hello");
    assert_eq!(message.embeds[0].title.as_deref(), Some("t"));
    assert_eq!(message.components[0].components.len(), 2);
    assert!(message
        .flags
        .unwrap()
        .contains(serenity::MessageFlags::EPHEMERAL));
    let commands = fake
        .registered_commands(
            &json!([{"name": "ask", "description": "Ask", "options": []}]),
            None,
        )
        .unwrap();
    let commands: Vec<serenity::Command> = parse("registered commands", commands);
    assert_eq!(commands[0].name, "ask");

    // The validation catches what serenity would drop.
    let mut broken = fake.message(
        DM_CHANNEL_ID,
        None,
        USER,
        "alice",
        false,
        "hi",
        &[],
        &[],
        false,
    );
    broken.as_object_mut().unwrap().remove("author");
    assert!(
        validate_dispatch("MESSAGE_CREATE", &broken).is_err(),
        "a message without author must be rejected"
    );
    let mut no_perms = fake.slash_command("ask", json!([]), "en-US", Some(member), USER);
    no_perms["member"]
        .as_object_mut()
        .unwrap()
        .remove("permissions");
    assert!(serde_json::from_value::<serenity::Interaction>(no_perms.clone()).is_ok());
    assert!(
        validate_dispatch("INTERACTION_CREATE", &no_perms).is_err(),
        "poise would panic on it"
    );
}

#[tokio::test]
async fn serenity_http_talks_to_the_fake_rest_api() {
    init_tracing();
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let config = fake.config().clone();
    let http = rest_client(&fake, "token");

    let gateway = http.get_gateway().await.expect("get_gateway");
    assert_eq!(gateway.url, fake.gateway_url());
    let bot_gateway = http.get_bot_gateway().await.expect("get_bot_gateway");
    assert_eq!(bot_gateway.shards, 1);
    let me = http.get_current_user().await.expect("get_current_user");
    assert_eq!(me.id.get(), config.bot_user_id);
    assert_eq!(me.name, config.bot_name);
    let app = http
        .get_current_application_info()
        .await
        .expect("get_current_application_info");
    assert_eq!(app.id.get(), config.application_id);
    assert!(app.owner.is_some());

    let sent = serenity::ChannelId::new(TEXT_CHANNEL_ID)
        .send_message(&http, serenity::CreateMessage::new().content("hi"))
        .await
        .expect("send_message");
    assert_eq!(sent.content, "hi");
    assert_eq!(sent.channel_id.get(), TEXT_CHANNEL_ID);
    assert_eq!(sent.author.id.get(), config.bot_user_id);

    // With an embed, a button and allowed_mentions, as the bot sends them.
    let sent = serenity::ChannelId::new(TEXT_CHANNEL_ID)
        .send_message(
            &http,
            serenity::CreateMessage::new()
                .content("answer")
                .embed(
                    serenity::CreateEmbed::new()
                        .title("T")
                        .description("D")
                        .field("a", "b", true),
                )
                .components(vec![serenity::CreateActionRow::Buttons(vec![
                    serenity::CreateButton::new("more").label("More"),
                ])])
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        )
        .await
        .expect("send_message with embed");
    assert_eq!(sent.embeds.len(), 1);
    assert_eq!(sent.components.len(), 1);

    // Command registration, global and guild.
    let create = || {
        vec![serenity::CreateCommand::new("ask")
            .description("Ask a question")
            .add_option(
                serenity::CreateCommandOption::new(
                    serenity::CommandOptionType::String,
                    "question",
                    "The question",
                )
                .required(true)
                .set_autocomplete(true),
            )]
    };
    let global = serenity::Command::set_global_commands(&http, create())
        .await
        .expect("global commands");
    assert_eq!(global[0].name, "ask");
    assert_eq!(global[0].options[0].name, "question");
    let guild = serenity::GuildId::new(config.guild_id)
        .set_commands(&http, create())
        .await
        .expect("guild commands");
    assert_eq!(guild[0].guild_id.map(|g| g.get()), Some(config.guild_id));

    // Interaction responses: callback, edit @original, get @original, followup.
    let interaction: serenity::Interaction = parse(
        "slash command",
        fake.slash_command(
            "ask",
            json!([]),
            "en-US",
            Some(fake.member(USER, "alice", &[], 0)),
            USER,
        ),
    );
    let serenity::Interaction::Command(command) = interaction else {
        panic!("not a command");
    };
    command
        .create_response(
            &http,
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content("first")
                    .ephemeral(true),
            ),
        )
        .await
        .expect("create_response (204)");
    let original = command.get_response(&http).await.expect("get_response");
    assert_eq!(original.content, "first");
    let edited = command
        .edit_response(
            &http,
            serenity::EditInteractionResponse::new().content("second"),
        )
        .await
        .expect("edit_response");
    assert_eq!(edited.content, "second");
    assert_eq!(edited.channel_id.get(), TEXT_CHANNEL_ID);
    let followup = command
        .create_followup(
            &http,
            serenity::CreateInteractionResponseFollowup::new().content("third"),
        )
        .await
        .expect("create_followup");
    assert_eq!(followup.content, "third");

    // Everything was recorded, in order.
    let requests = fake.requests();
    let seen: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let app_id = config.application_id;
    let token = command.token.clone();
    let expected: Vec<(String, String)> = [
        ("GET", "/api/v10/gateway".to_string()),
        ("GET", "/api/v10/gateway/bot".to_string()),
        ("GET", "/api/v10/users/@me".to_string()),
        ("GET", "/api/v10/oauth2/applications/@me".to_string()),
        (
            "POST",
            format!("/api/v10/channels/{TEXT_CHANNEL_ID}/messages"),
        ),
        (
            "POST",
            format!("/api/v10/channels/{TEXT_CHANNEL_ID}/messages"),
        ),
        ("PUT", format!("/api/v10/applications/{app_id}/commands")),
        (
            "PUT",
            format!(
                "/api/v10/applications/{app_id}/guilds/{}/commands",
                config.guild_id
            ),
        ),
        (
            "POST",
            format!("/api/v10/interactions/{}/{token}/callback", command.id),
        ),
        (
            "GET",
            format!("/api/v10/webhooks/{app_id}/{token}/messages/@original"),
        ),
        (
            "PATCH",
            format!("/api/v10/webhooks/{app_id}/{token}/messages/@original"),
        ),
        ("POST", format!("/api/v10/webhooks/{app_id}/{token}")),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), p))
    .collect();
    assert_eq!(seen, expected);
    assert_eq!(requests[4].body["content"], "hi");
    assert_eq!(requests[5].body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(requests[8].body["type"], 4);
    assert_eq!(requests[8].body["data"]["flags"], 64);
    let (index, patch) = fake
        .wait_request(0, |r| r.method == "PATCH", Duration::from_secs(1))
        .await;
    assert_eq!(index, 10);
    assert_eq!(patch.body["content"], "second");

    // Unknown routes: 404, still recorded.
    let err = serenity::ChannelId::new(TEXT_CHANNEL_ID)
        .to_channel(&http)
        .await
        .unwrap_err();
    assert_eq!(status_of(&err), Some(404), "{err:?}");
    assert_eq!(
        fake.requests().last().unwrap().path,
        format!("/api/v10/channels/{TEXT_CHANNEL_ID}")
    );

    // A bad token: 401 everywhere, recorded too.
    let before = fake.requests().len();
    let bad = rest_client(&fake, "bad-token");
    let err = bad.get_current_user().await.unwrap_err();
    assert_eq!(status_of(&err), Some(401), "{err:?}");
    let err = bad.get_gateway().await.unwrap_err();
    assert_eq!(status_of(&err), Some(401), "{err:?}");
    assert_eq!(fake.requests().len(), before + 2);
}

fn status_of(err: &serenity::Error) -> Option<u16> {
    match err {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

#[tokio::test]
async fn raw_http_edge_cases() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let addr = fake.api_base().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Chunked JSON body, then multipart with payload_json, on one keep-alive
    // connection; the last request asks to close.
    let chunked = "POST /api/v10/channels/5/messages?x=1 HTTP/1.1\r\nHost: a\r\n\
                   Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n\
                   7\r\n{\"conte\r\nd\r\nnt\":\"chunk\"}\r\n0\r\n\r\n";
    let boundary = "XyZ";
    let multipart_body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nfile\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n\
         {{\"content\":\"multi\"}}\r\n--{boundary}--\r\n"
    );
    let multipart = format!(
        "POST /api/v10/channels/6/messages HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{multipart_body}",
        multipart_body.len()
    );
    stream.write_all(chunked.as_bytes()).await.unwrap();
    stream.write_all(multipart.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .expect("the server closes after Connection: close")
        .unwrap();
    assert_eq!(response.matches("HTTP/1.1 200 OK").count(), 2, "{response}");

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/api/v10/channels/5/messages");
    assert_eq!(requests[0].query, "x=1");
    assert_eq!(requests[0].body["content"], "chunk");
    assert_eq!(requests[1].body["content"], "multi");
}

#[derive(Debug)]
enum Seen {
    Ready(serenity::Ready),
    GuildCreate(serenity::Guild),
    Interaction(serenity::Interaction),
    Message(serenity::Message),
}

struct Forward(mpsc::UnboundedSender<Seen>);

#[serenity::async_trait]
impl serenity::EventHandler for Forward {
    async fn ready(&self, _: serenity::Context, ready: serenity::Ready) {
        let _ = self.0.send(Seen::Ready(ready));
    }
    async fn guild_create(&self, _: serenity::Context, guild: serenity::Guild, _: Option<bool>) {
        let _ = self.0.send(Seen::GuildCreate(guild));
    }
    async fn interaction_create(&self, _: serenity::Context, interaction: serenity::Interaction) {
        let _ = self.0.send(Seen::Interaction(interaction));
    }
    async fn message(&self, _: serenity::Context, message: serenity::Message) {
        let _ = self.0.send(Seen::Message(message));
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("no event from the client within 10 s")
        .expect("event channel closed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_client_runs_against_the_fake_gateway() {
    init_tracing();
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let config = fake.config().clone();
    let http = serenity::HttpBuilder::new("token")
        .proxy(fake.api_base())
        .ratelimiter_disabled(true)
        .build();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let intents = serenity::GatewayIntents::non_privileged();
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .event_handler(Forward(tx))
        .await
        .expect("client");
    let shard_manager = client.shard_manager.clone();
    let running = tokio::spawn(async move { client.start().await });

    fake.wait_ready(WAIT).await;
    let identify = fake.identify().expect("identify recorded");
    assert_eq!(identify["intents"].as_u64(), Some(intents.bits()));
    assert_eq!(identify["token"], "Bot token");
    assert_eq!(fake.requests()[0].path, "/api/v10/gateway");

    let Seen::Ready(ready) = next(&mut rx).await else {
        panic!("expected ready first");
    };
    assert_eq!(ready.user.id.get(), config.bot_user_id);
    let Seen::GuildCreate(guild) = next(&mut rx).await else {
        panic!("expected guild_create");
    };
    assert_eq!(guild.id.get(), config.guild_id);

    let member = fake.member(
        USER,
        "alice",
        &[config.member_role_id],
        EVERYONE_PERMISSIONS,
    );
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.slash_command(
            "ask",
            json!([{"name": "question", "type": 3, "value": "q"}]),
            "en-US",
            Some(member),
            USER,
        ),
    )
    .await;
    match next(&mut rx).await {
        Seen::Interaction(serenity::Interaction::Command(command)) => {
            assert_eq!(command.data.name, "ask");
            assert_eq!(command.user.id.get(), USER);
        }
        other => panic!("expected the slash command, got {other:?}"),
    }

    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message(
            TEXT_CHANNEL_ID,
            Some(config.guild_id),
            USER,
            "alice",
            false,
            &format!("<@{}> hi", config.bot_user_id),
            &[config.bot_user_id],
            &[],
            false,
        ),
    )
    .await;
    match next(&mut rx).await {
        Seen::Message(message) => {
            assert_eq!(message.content, format!("<@{}> hi", config.bot_user_id));
            assert_eq!(message.author.id.get(), USER);
        }
        other => panic!("expected the message, got {other:?}"),
    }

    // A reconnect request (op 7): the client resumes the same session.
    fake.request_reconnect().await;
    eventually("the client to RESUME", WAIT, async || {
        (fake.resume_count() > 0).then_some(())
    })
    .await;
    assert_eq!(fake.ready_count(), 1, "resumed, not re-identified");
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message(
            DM_CHANNEL_ID,
            None,
            USER,
            "alice",
            false,
            "after resume",
            &[],
            &[],
            false,
        ),
    )
    .await;
    match next(&mut rx).await {
        Seen::Message(message) => assert_eq!(message.content, "after resume"),
        other => panic!("expected the message after the resume, got {other:?}"),
    }

    shard_manager.shutdown_all().await;
    let result = tokio::time::timeout(WAIT, running)
        .await
        .expect("client stops within 10 s");
    assert!(result.is_ok(), "client task panicked: {result:?}");
}

/// The fake's formula is serenity's (which is Discord's), and the guild ids
/// it makes up land where they are meant to.
#[test]
fn guilds_are_placed_on_shards_as_discord_places_them() {
    // serenity's own documented example.
    assert_eq!(shard_of(81_384_788_765_712_384, 17), 7);
    for total in 1..=9 {
        for shard in 0..total {
            for n in 0..3 {
                let guild = guild_on_shard(shard, total, n);
                assert_eq!(shard_of(guild, total), shard, "{guild} of {total}");
                assert_eq!(
                    serenity::utils::shard_id(serenity::GuildId::new(guild), total),
                    shard
                );
            }
        }
    }
    let config = FakeConfig::default();
    for total in 1..=9 {
        assert_eq!(
            shard_of(config.guild_id, total),
            serenity::utils::shard_id(serenity::GuildId::new(config.guild_id), total)
        );
    }
}

/// A serenity client running one shard of `total`, its events forwarded.
async fn shard_client(
    fake: &FakeDiscord,
    shard: u32,
    total: u32,
) -> (
    mpsc::UnboundedReceiver<Seen>,
    std::sync::Arc<serenity::ShardManager>,
) {
    let http = serenity::HttpBuilder::new(format!("token-{shard}"))
        .proxy(fake.api_base())
        .ratelimiter_disabled(true)
        .build();
    let (tx, rx) = mpsc::unbounded_channel();
    let mut client =
        serenity::ClientBuilder::new_with_http(http, serenity::GatewayIntents::non_privileged())
            .event_handler(Forward(tx))
            .await
            .expect("client");
    let manager = client.shard_manager.clone();
    tokio::spawn(async move { client.start_shard(shard, total).await });
    (rx, manager)
}

/// A member's message mentioning nobody, in `guild` (None: a DM).
fn message_in(fake: &FakeDiscord, guild: Option<u64>, content: &str) -> Value {
    let channel = guild.map_or(DM_CHANNEL_ID, |g| g + 1);
    fake.message(
        channel,
        guild,
        USER,
        "alice",
        false,
        content,
        &[],
        &[],
        false,
    )
}

async fn expect_message(rx: &mut mpsc::UnboundedReceiver<Seen>, content: &str) {
    match next(rx).await {
        Seen::Message(message) => assert_eq!(message.content, content),
        other => panic!("expected the message {content:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_shard_gets_the_events_of_its_guilds_and_dms_go_to_shard_0() {
    init_tracing();
    let main = FakeConfig::default().guild_id;
    let main_shard = shard_of(main, 2);
    let other = guild_on_shard(1 - main_shard, 2, 0);
    let fake = FakeDiscord::start(FakeConfig {
        shards: 2,
        extra_guild_ids: vec![other],
        ..FakeConfig::default()
    })
    .await;
    let bot_gateway = rest_client(&fake, "token")
        .get_bot_gateway()
        .await
        .expect("get_bot_gateway");
    assert_eq!(bot_gateway.shards, 2, "the recommendation is configurable");

    let (mut zero, zero_manager) = shard_client(&fake, 0, 2).await;
    let (mut one, one_manager) = shard_client(&fake, 1, 2).await;
    fake.wait_shards_ready(2, WAIT).await;
    let mut identified = fake.identified_shards();
    identified.sort_unstable();
    assert_eq!(identified, [[0, 2], [1, 2]]);
    for identify in fake.identifies() {
        let shard = identify["shard"][0].as_u64().unwrap();
        assert_eq!(identify["token"], format!("Bot token-{shard}"));
    }

    // READY says which shard it is, and lists that shard's guilds only;
    // a GUILD_CREATE follows for each.
    let guild_of = |shard: u32| if shard == main_shard { main } else { other };
    for (shard, rx) in [(0, &mut zero), (1, &mut one)] {
        let Seen::Ready(ready) = next(rx).await else {
            panic!("shard {shard}: expected READY first");
        };
        let info = ready.shard.expect("READY carries the shard");
        assert_eq!((info.id.0, info.total), (shard, 2));
        let guilds: Vec<u64> = ready.guilds.iter().map(|g| g.id.get()).collect();
        assert_eq!(guilds, [guild_of(shard)], "shard {shard}");
        let Seen::GuildCreate(guild) = next(rx).await else {
            panic!("shard {shard}: expected GUILD_CREATE");
        };
        assert_eq!(guild.id.get(), guild_of(shard));
    }

    // Each guild's events reach its shard's client, DMs shard 0's. serenity
    // hands events to its handler in tasks of their own, so they are
    // compared without their order.
    let on_one = guild_of(1);
    let on_zero = guild_of(0);
    let d = message_in(&fake, Some(on_one), "for shard 1");
    assert_eq!(fake.shard_for("MESSAGE_CREATE", &d), Some(1));
    fake.dispatch("MESSAGE_CREATE", d).await;
    fake.dispatch(
        "MESSAGE_CREATE",
        message_in(&fake, Some(on_zero), "for shard 0"),
    )
    .await;
    fake.dispatch("MESSAGE_CREATE", message_in(&fake, None, "a DM"))
        .await;
    let member = fake.member(USER, "alice", &[], EVERYONE_PERMISSIONS);
    let in_guild = fake.slash_command("ask", json!([]), "en-US", Some(member), USER);
    assert_eq!(
        fake.shard_for("INTERACTION_CREATE", &in_guild),
        Some(main_shard)
    );
    fake.dispatch("INTERACTION_CREATE", in_guild).await;
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.slash_command("help", json!([]), "en-US", None, USER),
    )
    .await;
    let mut expected = [
        vec!["message for shard 0", "message a DM", "/help"],
        vec!["message for shard 1"],
    ];
    expected[main_shard as usize].push("/ask");
    for (shard, rx) in [(0, &mut zero), (1, &mut one)] {
        let mut seen = Vec::new();
        for _ in 0..expected[shard].len() {
            seen.push(match next(rx).await {
                Seen::Message(m) => format!("message {}", m.content),
                Seen::Interaction(serenity::Interaction::Command(c)) => format!("/{}", c.data.name),
                other => format!("{other:?}"),
            });
        }
        seen.sort_unstable();
        expected[shard].sort_unstable();
        assert_eq!(seen, expected[shard], "shard {shard}");
    }

    // A reconnect request reaches both; each resumes its own session.
    fake.request_reconnect().await;
    eventually("both shards to RESUME", WAIT, async || {
        (fake.resume_count() >= 2).then_some(())
    })
    .await;
    assert_eq!(fake.ready_count(), 2, "resumed, not re-identified");
    fake.dispatch(
        "MESSAGE_CREATE",
        message_in(&fake, Some(on_one), "after resume"),
    )
    .await;
    expect_message(&mut one, "after resume").await;

    zero_manager.shutdown_all().await;
    one_manager.shutdown_all().await;
}
