//! outsourcing-bot: answers questions about BPO and KPO from cited passages.
//!
//! Data flows one way: `knowledge` (parse, validate) → `index` (tantivy) →
//! [`brain::Brain`] (one immutable snapshot, served by [`live::Live`]) →
//! `answer` and `recommend` (pure functions) → front ends (`console`, `cli`,
//! `discord`). Front ends hold no business logic. Beside them, `store`
//! records what answering did and `learn` turns the records into insights
//! and suggestions.

pub mod answer;
pub mod brain;
pub mod clauses;
pub mod cli;
pub mod confidence;
pub mod config;
pub mod console;
pub mod conversation;
pub mod discord;
pub mod echo;
pub mod eval;
pub mod i18n;
pub mod index;
pub mod knowledge;
pub mod lang;
pub mod learn;
pub mod live;
pub mod markup;
pub mod metrics;
pub mod recommend;
pub mod store;
pub mod text;
pub mod triggers;
pub mod trigrams;
