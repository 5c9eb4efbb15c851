//! The local console (`chat`) and the text rendering shared with `ask`.
//!
//! It reads a question per line and prints the answer with its section,
//! text and source. It works the same on a terminal and on piped stdin (no
//! prompt, no colours there), so it can be scripted and tested.

use std::io::{BufRead, Write};

use crate::answer::{answer, Answer, AnswerOptions, Question};
use crate::brain::Brain;
use crate::i18n::{self, Msg};
use crate::lang::Lang;
use crate::live::Live;

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
            topics = section_titles(brain, lang);
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
    const MAX: usize = 90;
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_string()
    }
}

/// Every section title of `lang`'s edition (or the first edition), in order.
pub fn section_titles(brain: &Brain, lang: Lang) -> Vec<&str> {
    let edition = brain
        .knowledge
        .editions
        .get(&lang)
        .or_else(|| brain.knowledge.editions.values().next());
    edition
        .into_iter()
        .flat_map(|e| &e.documents)
        .flat_map(|d| &d.sections)
        .map(|s| s.title.as_str())
        .collect()
}

const HELP: &str = "\
Ask a question about BPO or KPO, one per line, in Spanish or English.
  :recommend KEY=VALUE...   BPO or KPO for your situation (:recommend alone lists the questions)
  :reload   reload the knowledge folder (a bad edit keeps the old knowledge)
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
}

/// Runs the console until `:quit` or end of input.
pub fn run(
    live: &Live,
    opts: &ConsoleOptions,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
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
    for line in input.lines() {
        let line = line?;
        let line = line.trim();
        // One snapshot per line: a reload meanwhile changes nothing for it.
        let snapshot = live.snapshot();
        let brain = &snapshot.brain;
        let reply = match line {
            ":reload" => Some(match live.reload() {
                Ok(report) => report.to_string(),
                Err(problems) => format!(
                    "{problems}
The old knowledge is still served."
                ),
            }),
            "" => None,
            ":quit" | ":q" | ":exit" => break,
            ":help" | ":h" | ":?" => Some(HELP.to_string()),
            ":topics" => Some(
                section_titles(brain, opts.answer.lang.unwrap_or(Lang::Es))
                    .iter()
                    .map(|t| format!("  - {t}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            cmd if cmd == ":recommend" || cmd.starts_with(":recommend ") => {
                Some(recommend_line(brain, opts, &cmd[":recommend".len()..]))
            }
            cmd if cmd.starts_with(':') => Some(format!(
                "unknown command '{cmd}': type :help for the commands"
            )),
            question => Some(match Question::new(question, opts.question_max_chars) {
                Ok(q) => render_answer(&answer(brain, &q, &opts.answer), brain, opts.style),
                Err(err) => err.to_string(),
            }),
        };
        if let Some(reply) = reply {
            writeln!(output, "{}", reply.trim_end())?;
            writeln!(output)?;
        }
        if opts.interactive {
            prompt(&mut output)?;
        }
    }
    output.flush()
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
            crate::recommend::render(&crate::recommend::recommend(rules, &answers, lang), lang)
        }
        Err(err) => err.to_string(),
    }
}

fn prompt(output: &mut impl Write) -> std::io::Result<()> {
    write!(output, "> ")?;
    output.flush()
}
