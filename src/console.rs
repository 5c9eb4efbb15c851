//! The local console (`chat`) and the text rendering shared with `ask`.
//!
//! It reads a question per line and prints the answer with its section,
//! text and source. It works the same on a terminal and on piped stdin (no
//! prompt, no colours there), so it can be scripted and tested.

use std::io::{self, BufRead, Write};
use std::time::{Duration, Instant};

use crate::answer::{answer, Answer, AnswerOptions, Question};
use crate::brain::Brain;
use crate::conversation::{self, Conversations, FollowUp, Turn};
use crate::echo::echo;
use crate::i18n::{self, Msg};
use crate::lang::Lang;
use crate::live::Live;
use crate::metrics::Outcome;
use crate::store::Surface;

/// How text is decorated: bold on a terminal, nothing in a pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Terminal,
}

impl Style {
    fn bold(self) -> (&'static str, &'static str) {
        match self {
            Style::Plain => ("", ""),
            Style::Terminal => ("\x1b[1m", "\x1b[0m"),
        }
    }
}

/// How many topics a "no clear answer" suggests.
const TOPICS_TO_TRY: usize = 3;

/// An answer as readable text.
pub fn render_answer(answer: &Answer, brain: &Brain, style: Style) -> String {
    let (b, e) = style.bold();
    let lang = answer.lang;
    let t = |msg| i18n::text(lang, msg);
    let confidence = format!("{} {:.2}", t(Msg::Confidence), answer.confidence);
    let mut out = String::new();
    if !answer.answered {
        out.push_str(&format!(
            "{}. {} ({confidence}).\n",
            t(Msg::NoAnswerTitle),
            t(Msg::NoAnswerBody)
        ));
        let mut topics: Vec<&str> = Vec::new();
        for p in &answer.passages {
            if !topics.contains(&p.section.as_str()) {
                topics.push(&p.section);
            }
        }
        if topics.is_empty() {
            out.push_str(t(Msg::NoTopics));
            out.push('\n');
            topics = brain.knowledge.section_titles(lang);
        } else {
            out.push_str(t(Msg::TopicsIntro));
            out.push('\n');
            topics.truncate(TOPICS_TO_TRY);
        }
        for topic in &topics {
            out.push_str(&format!("  - {topic}\n"));
        }
        return out;
    }
    let best = &answer.passages[0];
    out.push_str(&format!("{b}{}{e}  ({confidence})\n", best.section));
    out.push_str(&best.highlighted(b, e));
    out.push_str(&format!(
        "\n  {}: {} ({})\n",
        t(Msg::Source).to_lowercase(),
        best.id,
        best.location
    ));
    if answer.passages.len() > 1 {
        out.push_str(&format!("{}:\n", t(Msg::SeeAlso)));
        for p in &answer.passages[1..] {
            out.push_str(&format!(
                "  - {}: {} [{}]\n",
                p.section,
                first_line(&p.text),
                p.id
            ));
        }
    }
    out
}

fn first_line(text: &str) -> String {
    crate::text::truncate(text.lines().next().unwrap_or(""), 90)
}

const HELP: &str = "\
Ask a question about BPO or KPO, one per line, in Spanish or English.
  :recommend KEY=VALUE...   BPO or KPO for your situation (:recommend alone lists the questions)
  :reload   reload the knowledge folder (a bad edit keeps the old knowledge)
  :teach [--lang es|en] PASSAGE_ID QUESTION   add QUESTION to a passage's alternate questions, then reload
  :insights [DAYS]   what was asked (30 days by default): answered share, votes, unanswered questions
  :suggestions       questions members resolved to a passage, to teach
  :topics   list the sections of the knowledge
  :help     show this help
  :quit     leave (Ctrl-D works too)";

/// Settings the console needs besides the Brain.
pub struct ConsoleOptions {
    pub answer: AnswerOptions,
    pub question_max_chars: usize,
    pub style: Style,
    /// Print a greeting and a prompt (only on a terminal).
    pub interactive: bool,
    /// Where questions are recorded (surface `console`).
    pub store: crate::store::Store,
    /// How long the session remembers its last answer for follow-ups.
    pub conversation_ttl: Duration,
}

/// The session's conversation: its last answer, and the follow-ups offered
/// under it, which `1`, `2`, `3` pick.
struct Session {
    memory: Conversations,
    follow_ups: Vec<FollowUp>,
}

/// The console is one conversation.
const SESSION: u64 = 0;

/// "(understood as: challenges of KPO)": how a follow-up was read, in `lang`.
pub fn understood_line(lang: Lang, note: &str) -> String {
    match lang {
        Lang::Es => format!("(entendí: {note})"),
        Lang::En => format!("(understood as: {note})"),
    }
}

/// The follow-ups, numbered for the console.
fn render_follow_ups(lang: Lang, follow_ups: &[FollowUp]) -> String {
    let mut out = String::from(match lang {
        Lang::Es => "Para seguir (escribe el número):\n",
        Lang::En => "Next (type the number):\n",
    });
    for (i, f) in follow_ups.iter().enumerate() {
        out.push_str(&format!("  {}. {}\n", i + 1, f.label));
    }
    out
}

/// Room a line may take beyond its question's own limit, in bytes: a
/// `:recommend` with every answer spelled out, or a question a little over
/// the limit, still arrives whole and gets a precise reply.
const LINE_SLACK_BYTES: usize = 4096;

/// The most bytes of one line the console holds: four per character of the
/// longest question (UTF-8's widest), plus slack. A longer line is skipped
/// as it streams past, never held whole.
pub fn line_max_bytes(question_max_chars: usize) -> usize {
    question_max_chars
        .saturating_mul(4)
        .saturating_add(LINE_SLACK_BYTES)
}

/// One line of input as the console reads it.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Text(String),
    /// Not UTF-8: the first bad byte and where it is (0-based).
    NotUtf8 {
        byte: u8,
        at: usize,
    },
    /// Longer than the bound; its bytes were read and dropped.
    TooLong {
        bytes: u64,
    },
    End,
}

/// Reads one line of at most `max_bytes` (without its newline). `buf` is
/// reused between lines so a session allocates once.
fn read_line(input: &mut impl BufRead, max_bytes: usize, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    if io::Read::take(&mut *input, limit).read_until(b'\n', buf)? == 0 {
        return Ok(Line::End);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > max_bytes {
        let rest = skip_line(input)?;
        return Ok(Line::TooLong {
            bytes: buf.len() as u64 + rest,
        });
    }
    match std::str::from_utf8(buf) {
        Ok(text) => Ok(Line::Text(text.to_string())),
        Err(err) => Ok(Line::NotUtf8 {
            byte: buf[err.valid_up_to()],
            at: err.valid_up_to(),
        }),
    }
}

/// Drops input up to and including the next newline (or the end), a
/// buffer at a time; returns how many bytes the line had, newline excluded.
fn skip_line(input: &mut impl BufRead) -> io::Result<u64> {
    let mut skipped = 0u64;
    loop {
        let available = match input.fill_buf() {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            return Ok(skipped);
        }
        if let Some(newline) = available.iter().position(|&b| b == b'\n') {
            input.consume(newline + 1);
            return Ok(skipped + newline as u64);
        }
        let len = available.len();
        skipped += len as u64;
        input.consume(len);
    }
}

/// Runs the console until `:quit` or end of input. A line that is not
/// UTF-8 or is too long gets a message and the session goes on.
pub fn run(
    live: &Live,
    opts: &ConsoleOptions,
    mut input: impl BufRead,
    mut output: impl Write,
) -> io::Result<()> {
    if opts.interactive {
        let snapshot = live.snapshot();
        writeln!(
            output,
            "outsourcing-bot: {} passages in {} sections. Type :help for help.",
            snapshot.brain.passage_count(),
            snapshot.brain.section_count()
        )?;
        prompt(&mut output)?;
    }
    let max_bytes = line_max_bytes(opts.question_max_chars);
    let mut session = Session {
        memory: Conversations::new(opts.conversation_ttl, 1),
        follow_ups: Vec::new(),
    };
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        number += 1;
        let text = match read_line(&mut input, max_bytes, &mut buf)? {
            Line::End => break,
            Line::Text(line) => match line.trim() {
                ":quit" | ":q" | ":exit" => break,
                line => respond(live, opts, &mut session, line),
            },
            Line::NotUtf8 { byte, at } => Some(format!(
                "line {number} is not UTF-8 text (byte 0x{byte:02X} at position {}), so it was skipped; write in UTF-8",
                at + 1
            )),
            Line::TooLong { bytes } => Some(format!(
                "line {number} is too long ({bytes} bytes), so it was skipped; a question may have at most {} characters",
                opts.question_max_chars
            )),
        };
        if let Some(text) = text {
            writeln!(output, "{}", text.trim_end())?;
            writeln!(output)?;
        }
        if opts.interactive {
            prompt(&mut output)?;
        }
    }
    output.flush()
}

/// The reply to one line (a command or a question), if it gets one.
fn respond(
    live: &Live,
    opts: &ConsoleOptions,
    session: &mut Session,
    line: &str,
) -> Option<String> {
    // One snapshot per line: a reload meanwhile changes nothing for it.
    let snapshot = live.snapshot();
    let brain = &snapshot.brain;
    Some(match line {
        "" => return None,
        ":reload" => match live.reload() {
            Ok(report) => report.to_string(),
            Err(problems) => format!("{problems}\nThe old knowledge is still served."),
        },
        ":help" | ":h" | ":?" => HELP.to_string(),
        ":topics" => brain
            .knowledge
            .section_titles(opts.answer.lang.unwrap_or(Lang::Es))
            .iter()
            .map(|t| format!("  - {t}"))
            .collect::<Vec<_>>()
            .join("\n"),
        cmd if cmd == ":recommend" || cmd.starts_with(":recommend ") => {
            recommend_line(brain, opts, &cmd[":recommend".len()..])
        }
        cmd if cmd == ":teach" || cmd.starts_with(":teach ") => {
            teach_line(live, opts, &cmd[":teach".len()..])
        }
        cmd if cmd == ":insights" || cmd.starts_with(":insights ") => {
            store_line(opts, ":insights", &cmd[":insights".len()..])
        }
        ":suggestions" => store_line(opts, ":suggestions", ""),
        cmd if cmd.starts_with(':') => format!(
            "unknown command '{}': type :help for the commands",
            echo(cmd)
        ),
        question => match Question::new(question, opts.question_max_chars) {
            Ok(q) => converse(brain, opts, session, &q),
            Err(err) => {
                let lang = opts.answer.lang.unwrap_or_else(|| brain.detect(question));
                crate::metrics::question(Surface::Console, lang, Outcome::RefusedInput);
                err.to_string()
            }
        },
    })
}

/// Answers `q` in the session's conversation: a follow-up number picks that
/// follow-up; a question is understood after the last answer. An answer
/// becomes the conversation's last and shows its follow-ups.
fn converse(brain: &Brain, opts: &ConsoleOptions, session: &mut Session, q: &Question) -> String {
    let now = Instant::now();
    let picked = q
        .as_str()
        .parse::<usize>()
        .ok()
        .and_then(|n| session.follow_ups.get(n.wrapping_sub(1)));
    let (searched, note) = match picked {
        // The section's title asks for it whole.
        Some(f) => (f.label.clone(), None),
        None => {
            let previous = session.memory.recall(SESSION, now);
            let lang = opts.answer.lang.unwrap_or_else(|| brain.detect(q.as_str()));
            let u = conversation::understand(brain, q.as_str(), previous.as_ref(), lang);
            (u.question, u.note)
        }
    };
    let mut a = match Question::new(&searched, usize::MAX) {
        Ok(searched) if searched != *q => answer(brain, &searched, &opts.answer),
        _ => answer(brain, q, &opts.answer),
    };
    a.question = q.as_str().to_string();
    crate::metrics::answered(Surface::Console, &a, now.elapsed());
    if opts.store.is_enabled() {
        opts.store
            .record(crate::store::Asked::of(brain, q, &a, Surface::Console));
    }
    let mut out = String::new();
    if let Some(note) = &note {
        out.push_str(&understood_line(a.lang, note));
        out.push('\n');
    }
    out.push_str(&render_answer(&a, brain, opts.style));
    session.follow_ups.clear();
    if let Some(turn) = Turn::of(brain, &a) {
        session.follow_ups = conversation::follow_ups(brain, &turn, a.lang);
        session.memory.remember(SESSION, turn, now);
        if !session.follow_ups.is_empty() {
            out.push_str(&render_follow_ups(a.lang, &session.follow_ups));
        }
    }
    out
}

pub fn render_insights(i: &crate::learn::Insights) -> String {
    let share = if i.asked > 0 {
        format!(" ({:.0}%)", 100.0 * i.answered as f64 / i.asked as f64)
    } else {
        String::new()
    };
    let mut out = format!(
        "Last {} day{}: {} question{}, {} answered{share}, {} member{}.\n",
        i.days,
        plural(i.days as usize),
        i.asked,
        plural(i.asked as usize),
        i.answered,
        i.distinct_users,
        plural(i.distinct_users as usize),
    );
    let votes = |title: &str, list: &[crate::learn::PassageVotes], out: &mut String| {
        if list.is_empty() {
            return;
        }
        out.push_str(&format!("{title}\n"));
        for p in list {
            out.push_str(&format!(
                "  {:>4} up {:>4} down  {}\n",
                p.up, p.down, p.passage
            ));
        }
    };
    votes("Votes per passage:", &i.per_passage, &mut out);
    votes("Most voted down:", &i.most_down, &mut out);
    if !i.unanswered.is_empty() {
        out.push_str("Unanswered, grouped by meaning:\n");
        for g in &i.unanswered {
            out.push_str(&format!(
                "  {:>4}x  {}  [{}]\n",
                g.count,
                crate::echo::echo(&crate::text::truncate(&g.example, 90)),
                crate::echo::echo(&g.meaning)
            ));
        }
    }
    out
}

/// Suggestions as text: one line each, with how members resolved them.
pub fn render_suggestions(suggestions: &[crate::learn::Suggestion]) -> String {
    if suggestions.is_empty() {
        return "No suggestions: no member has resolved a question to a passage yet.\n".into();
    }
    let mut out = format!(
        "{} suggestion{} (teach one with: outsourcing-bot teach --lang LANG PASSAGE_ID QUESTION):\n",
        suggestions.len(),
        plural(suggestions.len())
    );
    for s in suggestions {
        let mut how = Vec::new();
        for (n, what) in [
            (s.sources.did_you_mean, "did you mean"),
            (s.sources.picked, "picked after a down vote"),
            (s.sources.up, "up vote at low confidence"),
        ] {
            if n > 0 {
                how.push(format!("{n} {what}"));
            }
        }
        out.push_str(&format!(
            "  {}  {}  \"{}\"  ({}: {})  id {}\n",
            s.lang,
            s.passage,
            crate::echo::echo(&s.question),
            s.count,
            how.join(", "),
            s.id
        ));
    }
    out
}

/// The `s` of a plural count.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `:insights [DAYS]` and `:suggestions`: what the console's store holds
/// (this session's questions written first).
fn store_line(opts: &ConsoleOptions, command: &str, args: &str) -> String {
    if !opts.store.is_enabled() {
        return "the question store is off (store.enabled = false): nothing is recorded".into();
    }
    opts.store.flush();
    let result = if command == ":suggestions" {
        if !args.trim().is_empty() {
            return "usage: :suggestions".into();
        }
        opts.store.suggestions().map(|s| render_suggestions(&s))
    } else {
        let days = match args.trim() {
            "" => 30,
            n => match n.parse::<u32>() {
                Ok(d) if (1..=crate::config::RETENTION_DAYS_LIMIT).contains(&d) => d,
                _ => {
                    return format!(
                        "usage: :insights [DAYS] (1 to {}; got '{}')",
                        crate::config::RETENTION_DAYS_LIMIT,
                        echo(n)
                    )
                }
            },
        };
        opts.store.insights(days).map(|i| render_insights(&i))
    };
    match result {
        Ok(text) => text.trim_end().to_string(),
        Err(err) => err.to_string(),
    }
}

fn recommend_line(brain: &Brain, opts: &ConsoleOptions, args: &str) -> String {
    let rules = match brain.rules() {
        Ok(rules) => rules,
        Err(problems) => return problems.to_string(),
    };
    let args: Vec<&str> = args.split_whitespace().collect();
    let lang = opts.answer.lang.unwrap_or(Lang::Es);
    match crate::recommend::Answers::parse(rules, &args) {
        Ok(answers) => {
            let rec = crate::recommend::recommend(rules, &answers, lang);
            crate::metrics::recommendation(rec.verdict);
            crate::recommend::render(&rec, lang)
        }
        Err(err) => err.to_string(),
    }
}

/// `:teach [--lang es|en] PASSAGE_ID QUESTION`: writes the question into
/// the knowledge, then reloads it, as accepting a suggestion does on Discord.
fn teach_line(live: &Live, opts: &ConsoleOptions, args: &str) -> String {
    const USAGE: &str = "usage: :teach [--lang es|en] PASSAGE_ID QUESTION (a question's passage ids: `outsourcing-bot ask --json QUESTION`)";
    let mut rest = args.trim_start();
    let mut lang = None;
    if let Some(after) = rest.strip_prefix("--lang ") {
        let after = after.trim_start();
        let (code, tail) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        match code.parse::<Lang>() {
            Ok(l) => lang = Some(l),
            Err(_) => {
                return format!(
                    "unknown language '{}' (known: {})\n{USAGE}",
                    echo(code),
                    Lang::codes()
                )
            }
        }
        rest = tail.trim_start();
    }
    let Some((passage, question)) = rest.split_once(char::is_whitespace) else {
        return USAGE.to_string();
    };
    let limits = crate::knowledge::teach::TeachLimits {
        knowledge: live.limits(),
        question_max_chars: opts.question_max_chars,
    };
    let lang = lang.unwrap_or_else(|| live.snapshot().brain.detect(question));
    match crate::knowledge::teach::teach(live.dir(), lang, passage, question, limits) {
        Ok(taught) if !taught.added => taught.to_string(),
        Ok(taught) => match live.reload() {
            Ok(report) => format!("{taught}\n{report}"),
            Err(problems) => format!("{taught}\n{problems}\nThe old knowledge is still served."),
        },
        Err(err) => err.to_string(),
    }
}

fn prompt(output: &mut impl Write) -> io::Result<()> {
    write!(output, "> ")?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max_bytes: usize) -> Vec<Line> {
        let mut input = io::BufReader::with_capacity(16, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            match read_line(&mut input, max_bytes, &mut buf).unwrap() {
                Line::End => return out,
                line => out.push(line),
            }
            // Never more than the bound (and its newline) is held.
            assert!(buf.capacity() <= 64, "{}", buf.capacity());
        }
    }

    fn text(s: &str) -> Line {
        Line::Text(s.to_string())
    }

    #[test]
    fn lines_are_split_and_a_last_line_without_newline_counts() {
        assert_eq!(
            lines(b"kpo\r\n\nbpo", 10),
            [text("kpo\r"), text(""), text("bpo")]
        );
    }

    #[test]
    fn a_line_over_the_bound_is_skipped_whole_and_the_next_one_read() {
        let mut input = b"0123456789".to_vec();
        input.extend_from_slice(&[b'x'; 1000]);
        input.extend_from_slice(b"\nbpo\n0123456789\n");
        assert_eq!(
            lines(&input, 10),
            [
                Line::TooLong { bytes: 1010 },
                text("bpo"),
                // Exactly at the bound is fine.
                text("0123456789"),
            ]
        );
        // Without a newline at the end, to the end of input.
        assert_eq!(lines(&[b'y'; 100], 10), [Line::TooLong { bytes: 100 }]);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_reported_with_its_first_bad_byte() {
        assert_eq!(
            lines(b"kpo\nqu\xe9 es\nbpo\n", 40),
            [
                text("kpo"),
                Line::NotUtf8 { byte: 0xe9, at: 2 },
                text("bpo")
            ]
        );
    }

    #[test]
    fn the_bound_follows_the_question_limit_and_never_overflows() {
        assert_eq!(line_max_bytes(500), 500 * 4 + LINE_SLACK_BYTES);
        assert_eq!(line_max_bytes(usize::MAX), usize::MAX);
    }
}
