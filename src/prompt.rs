//! The seam between questions and the terminal.
//!
//! `Prompter` is all the questionnaire knows about asking; `Terminal` implements
//! it with dialoguer on stderr, and tests implement it with a script. ispo only
//! builds a `Terminal` after deciding the session is interactive, so dialoguer
//! never meets a missing terminal.

use std::io::IsTerminal;

use anyhow::{Context, Result};
use console::style;
use dialoguer::theme::ColorfulTheme;

use crate::pick_list::PickList;

pub trait Prompter {
    /// Free text; `validate` is the question's own rule, re-asked until it passes.
    fn text(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        validate: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String>;
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>>;
    /// A list to tick, grouped under headings; returns each item's tick.
    fn pick(&mut self, list: &PickList) -> Result<Vec<bool>>;
    /// Shows a line of context (help text, a heading) before a prompt.
    fn note(&mut self, text: &str);
}

/// A prompt dialoguer can redraw: one terminal line. dialoguer clears a
/// prompt by lines it wrote, not rows it wrapped into, so a longer prompt
/// would leave rows behind; it is printed above as it is (a printed line
/// may wrap), and the prompt becomes its step counter (`[3/14] answer`).
/// `extra` is what dialoguer adds on the line (a default, a hint).
fn one_line(prompt: &str, extra: usize) -> String {
    let (_, cols) = console::Term::stderr().size();
    if console::measure_text_width(prompt) + extra + 5 <= cols as usize {
        return prompt.to_string();
    }
    crate::errln!("{}", style(prompt).bold());
    let step = prompt
        .split_once("] ")
        .filter(|(s, _)| s.starts_with('[') && !s.contains(' '))
        .map_or(String::new(), |(s, _)| format!("{s}] "));
    format!("{step}answer")
}

/// Items cut to the terminal's width less `prefix` columns (dialoguer's
/// cursor and tick), so a long item never wraps and breaks the redraw.
fn fitted(items: &[String], prefix: usize) -> Vec<String> {
    let (_, cols) = console::Term::stderr().size();
    let room = (cols as usize).saturating_sub(prefix + 1).max(10);
    items
        .iter()
        .map(|i| console::truncate_str(i, room, "…").into_owned())
        .collect()
}

/// Whether this session may prompt: both stdin and stderr are terminals,
/// and neither `--non-interactive` (or `--json`) nor `CI` says otherwise.
pub fn may_prompt(non_interactive: bool) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    !non_interactive && !ci && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A yes/no reply typed as a line: `Some(answer)`, `None` for an empty line
/// (the default), or what to type instead.
pub fn yes_no(reply: &str) -> Result<Option<bool>, String> {
    match reply.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "y" | "yes" => Ok(Some(true)),
        "n" | "no" => Ok(Some(false)),
        _ => Err(format!(
            "`{}`: please answer yes or no (y or n)",
            reply.trim()
        )),
    }
}

/// dialoguer on stderr.
pub struct Terminal {
    theme: ColorfulTheme,
}

impl Terminal {
    pub fn new() -> Terminal {
        Terminal {
            theme: ColorfulTheme::default(),
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal::new()
    }
}

impl Prompter for Terminal {
    fn text(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        validate: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String> {
        let extra = default.map_or(0, |d| console::measure_text_width(d) + 3);
        let mut input = dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(one_line(prompt, extra))
            .allow_empty(true)
            .validate_with(|s: &String| validate(s));
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        input
            .interact_text()
            .context("reading an answer from the terminal")
    }

    /// A line, not a key: `y`, `yes`, `n` or `no` and Enter, so a word typed
    /// in full never spills into the next prompt; Enter alone is the default.
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        let hint = if default { "Y/n" } else { "y/N" };
        let full = format!("{prompt} [{hint}]");
        let shown = match one_line(&full, 0) {
            same if same == full => full,
            short => format!("{short} [{hint}]"),
        };
        let reply = dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(shown)
            .allow_empty(true)
            .validate_with(|s: &String| yes_no(s).map(|_| ()))
            .interact_text()
            .context("reading an answer from the terminal")?;
        Ok(yes_no(&reply).ok().flatten().unwrap_or(default))
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(one_line(prompt, 0))
            .items(fitted(items, 2))
            .default(default)
            .max_length(12)
            .interact()
            .context("reading an answer from the terminal")
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>> {
        dialoguer::MultiSelect::with_theme(&self.theme)
            .with_prompt(one_line(
                &format!("{prompt} (space toggles, enter confirms)"),
                0,
            ))
            .items(fitted(items, 4))
            .defaults(checked)
            .max_length(16)
            .interact()
            .context("reading an answer from the terminal")
    }

    fn pick(&mut self, list: &PickList) -> Result<Vec<bool>> {
        crate::pick_list::run(list)
    }

    fn note(&mut self, text: &str) {
        crate::errln!("{}", style(text).dim());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn yes_and_no_in_full_or_by_letter() {
        use super::yes_no;
        for (reply, answer) in [
            ("y", Some(true)),
            ("Yes", Some(true)),
            (" YES ", Some(true)),
            ("n", Some(false)),
            ("no", Some(false)),
            ("", None),
        ] {
            assert_eq!(yes_no(reply), Ok(answer), "{reply:?}");
        }
        assert_eq!(
            yes_no("yep"),
            Err("`yep`: please answer yes or no (y or n)".to_string())
        );
    }
}

#[cfg(test)]
pub mod scripted {
    //! A prompter that replays answers, for unit tests of the question flow.
    use super::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    pub enum Reply {
        Text(String),
        Confirm(bool),
        Select(usize),
        Multi(Vec<usize>),
        /// The items ticked, by index.
        Pick(Vec<usize>),
    }

    #[derive(Default)]
    pub struct Script {
        pub replies: VecDeque<Reply>,
        pub asked: Vec<String>,
        pub rejected: Vec<String>,
    }

    impl Prompter for Script {
        fn text(
            &mut self,
            prompt: &str,
            default: Option<&str>,
            validate: &dyn Fn(&str) -> Result<(), String>,
        ) -> Result<String> {
            self.asked.push(prompt.to_string());
            loop {
                let reply = match self.replies.pop_front() {
                    Some(Reply::Text(t)) if t.is_empty() => default.unwrap_or("").to_string(),
                    Some(Reply::Text(t)) => t,
                    other => anyhow::bail!("script expected text for {prompt:?}, has {other:?}"),
                };
                match validate(&reply) {
                    Ok(()) => return Ok(reply),
                    Err(e) => self.rejected.push(e),
                }
            }
        }
        fn confirm(&mut self, prompt: &str, _default: bool) -> Result<bool> {
            self.asked.push(prompt.to_string());
            match self.replies.pop_front() {
                Some(Reply::Confirm(b)) => Ok(b),
                other => anyhow::bail!("script expected confirm for {prompt:?}, has {other:?}"),
            }
        }
        fn select(&mut self, prompt: &str, _items: &[String], _default: usize) -> Result<usize> {
            self.asked.push(prompt.to_string());
            match self.replies.pop_front() {
                Some(Reply::Select(i)) => Ok(i),
                other => anyhow::bail!("script expected select for {prompt:?}, has {other:?}"),
            }
        }
        fn multi_select(
            &mut self,
            prompt: &str,
            _items: &[String],
            _checked: &[bool],
        ) -> Result<Vec<usize>> {
            self.asked.push(prompt.to_string());
            match self.replies.pop_front() {
                Some(Reply::Multi(v)) => Ok(v),
                other => {
                    anyhow::bail!("script expected multi-select for {prompt:?}, has {other:?}")
                }
            }
        }
        fn pick(&mut self, list: &PickList) -> Result<Vec<bool>> {
            self.asked.push(list.prompt.clone());
            match self.replies.pop_front() {
                Some(Reply::Pick(v)) => {
                    Ok((0..list.items().count()).map(|i| v.contains(&i)).collect())
                }
                other => anyhow::bail!(
                    "script expected a pick for {:?}, has {other:?}",
                    list.prompt
                ),
            }
        }
        fn note(&mut self, _text: &str) {}
    }
}
