//! The pick list on the terminal: rows grouped under headings, each with a
//! visible cursor (`>`) and tick (`[x]`), so it reads without colour
//! (`NO_COLOR`); every line cut to the terminal's width, so no row wraps
//! and a redraw never leaves lines behind; the highlighted row's details
//! (what it is, why it is in or out) below the list.
//!
//! `lines` draws a state and `State::key` moves it; both are pure and
//! unit-tested. `run` reads keys with `console` and redraws on stderr.

use anyhow::{Context, Result};
use console::{measure_text_width, style, truncate_str, Key, Term};

/// A list to tick: headings and items, in order.
#[derive(Debug, Clone)]
pub struct PickList {
    /// The line above the list ("Modules in the kit").
    pub prompt: String,
    /// What the items are, for the count line ("modules").
    pub noun: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub enum Row {
    Heading(String),
    Item(Item),
}

#[derive(Debug, Clone)]
pub struct Item {
    /// One line: cut to the width when longer.
    pub label: String,
    /// Shown below the list while the item is highlighted, wrapped.
    pub detail: String,
    pub checked: bool,
}

impl PickList {
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.rows.iter().filter_map(|r| match r {
            Row::Item(i) => Some(i),
            Row::Heading(_) => None,
        })
    }

    /// The row index of each item.
    fn item_rows(&self) -> Vec<usize> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Row::Item(_)))
            .map(|(i, _)| i)
            .collect()
    }
}

/// Lines under the list for the highlighted item's details.
pub const DETAIL_LINES: usize = 4;
/// Lines besides the list rows: prompt, keys, count, details.
const CHROME: usize = 3 + DETAIL_LINES;

const KEYS: &str = "up/down: move, space: tick, enter: done, esc: undo";

/// Where the lead is in the list: the ticks, the highlighted item and the
/// first row shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub ticks: Vec<bool>,
    pub cursor: usize,
    pub top: usize,
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Go,
    Done,
    Undo,
}

impl State {
    pub fn new(list: &PickList) -> State {
        State {
            ticks: list.items().map(|i| i.checked).collect(),
            cursor: 0,
            top: 0,
        }
    }

    /// Applies one key; `height` is the number of list rows shown.
    pub fn key(&mut self, list: &PickList, key: &Key, height: usize) -> Step {
        let items = self.ticks.len();
        if items == 0 {
            return match key {
                Key::Escape => Step::Undo,
                Key::Enter => Step::Done,
                _ => Step::Go,
            };
        }
        let page = height.saturating_sub(1).max(1);
        match key {
            Key::ArrowUp | Key::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            Key::ArrowDown | Key::Char('j') => self.cursor = (self.cursor + 1).min(items - 1),
            Key::PageUp => self.cursor = self.cursor.saturating_sub(page),
            Key::PageDown => self.cursor = (self.cursor + page).min(items - 1),
            Key::Home => self.cursor = 0,
            Key::End => self.cursor = items - 1,
            Key::Char(' ') => self.ticks[self.cursor] = !self.ticks[self.cursor],
            Key::Enter => return Step::Done,
            Key::Escape => return Step::Undo,
            _ => {}
        }
        self.scroll(list, height);
        Step::Go
    }

    /// Keeps the highlighted row in view, with its heading when it is the
    /// first of its group.
    pub fn scroll(&mut self, list: &PickList, height: usize) {
        let rows = list.item_rows();
        let Some(&row) = rows.get(self.cursor) else {
            return;
        };
        let height = height.max(1);
        let want_top = if row > 0 && matches!(list.rows[row - 1], Row::Heading(_)) {
            row - 1
        } else {
            row
        };
        if want_top < self.top {
            self.top = want_top;
        } else if row >= self.top + height {
            self.top = row + 1 - height;
        }
        self.top = self.top.min(list.rows.len().saturating_sub(height));
    }
}

/// How many list rows fit a terminal `rows` high.
pub fn list_height(list: &PickList, rows: usize) -> usize {
    list.rows.len().min(rows.saturating_sub(CHROME + 1).max(3))
}

/// The screen for a state, each line at most `width - 1` columns wide (a
/// line that fills the last column makes some terminals wrap). `styled`
/// adds bold and colour on top of the markers, never instead of them.
pub fn lines(
    list: &PickList,
    state: &State,
    width: usize,
    height: usize,
    styled: bool,
) -> Vec<String> {
    let max = width.saturating_sub(1).max(10);
    let cut = |s: &str| fit(s, max);
    let paint =
        |s: String, f: &dyn Fn(console::StyledObject<String>) -> console::StyledObject<String>| {
            if styled {
                f(style(s)).force_styling(true).to_string()
            } else {
                s
            }
        };
    let mut out = Vec::new();
    out.push(paint(cut(&list.prompt), &|s| s.bold()));
    out.push(paint(cut(KEYS), &|s| s.dim()));
    let mut item = list.rows[..state.top.min(list.rows.len())]
        .iter()
        .filter(|r| matches!(r, Row::Item(_)))
        .count();
    for row in list.rows.iter().skip(state.top).take(height) {
        match row {
            Row::Heading(h) => out.push(paint(cut(h), &|s| s.bold().underlined())),
            Row::Item(i) => {
                let here = item == state.cursor;
                let line = cut(&format!(
                    "{} [{}] {}",
                    if here { ">" } else { " " },
                    if state.ticks[item] { "x" } else { " " },
                    i.label
                ));
                out.push(if here {
                    paint(line, &|s| s.cyan().bold())
                } else {
                    line
                });
                item += 1;
            }
        }
    }
    let ticked = state.ticks.iter().filter(|t| **t).count();
    let mut count = format!("{ticked} of {} {} ticked", state.ticks.len(), list.noun);
    if list.rows.len() > height {
        count.push_str(&format!(
            "; rows {}-{} of {}",
            state.top + 1,
            (state.top + height).min(list.rows.len()),
            list.rows.len()
        ));
    }
    out.push(paint(cut(&count), &|s| s.dim()));
    let detail = list.items().nth(state.cursor).map(|i| {
        let changed = state.ticks[state.cursor] != i.checked;
        match (changed, state.ticks[state.cursor]) {
            (true, true) => format!("You ticked it: it goes into the kit. {}", i.detail),
            (true, false) => format!("You unticked it: it stays out of the kit. {}", i.detail),
            _ => i.detail.clone(),
        }
    });
    let mut wrapped = wrap(detail.as_deref().unwrap_or(""), max);
    if wrapped.len() > DETAIL_LINES {
        wrapped.truncate(DETAIL_LINES);
        let last = wrapped.pop().unwrap_or_default();
        wrapped.push(fit(&format!("{last} …"), max));
    }
    wrapped.resize(DETAIL_LINES, String::new());
    out.extend(wrapped);
    out
}

/// `s` cut to `width` columns, `…` where it was cut (after a word, not a space).
pub fn fit(s: &str, width: usize) -> String {
    let cut = truncate_str(s, width, "…").into_owned();
    match cut.strip_suffix('…') {
        Some(head) if head.ends_with(' ') && cut != s => format!("{}…", head.trim_end()),
        _ => cut,
    }
}

/// Words wrapped into lines at most `width` columns wide; a word longer
/// than a line is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let need = measure_text_width(&line)
                + usize::from(!line.is_empty())
                + measure_text_width(word);
            if !line.is_empty() && need > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            if measure_text_width(&line) > width {
                line = truncate_str(&line, width, "…").into_owned();
            }
        }
        out.push(line);
    }
    out
}

/// Shows the list on stderr and lets the lead tick it; returns the ticks
/// (the original ones on Esc). Ctrl-C raises SIGINT, which the binary's
/// handler turns into "interrupted", the cursor shown again.
pub fn run(list: &PickList) -> Result<Vec<bool>> {
    let term = Term::stderr();
    let styled = console::colors_enabled_stderr();
    let mut state = State::new(list);
    let mut drawn = 0;
    term.hide_cursor().ok();
    let result = loop {
        let (rows, cols) = term.size();
        let height = list_height(list, rows as usize);
        state.scroll(list, height);
        let screen = lines(list, &state, cols as usize, height, styled);
        if drawn > 0 {
            term.clear_last_lines(drawn)
                .context("drawing the pick list")?;
        }
        for l in &screen {
            term.write_line(l).context("drawing the pick list")?;
        }
        drawn = screen.len();
        let key = term.read_key().context("reading a key from the terminal")?;
        match state.key(list, &key, height) {
            Step::Go => {}
            Step::Done => break state.ticks.clone(),
            Step::Undo => break list.items().map(|i| i.checked).collect(),
        }
    };
    term.clear_last_lines(drawn).ok();
    term.show_cursor().ok();
    let ticked = result.iter().filter(|t| **t).count();
    let summary = format!(
        "{}: {ticked} of {} {} ticked",
        list.prompt,
        result.len(),
        list.noun
    );
    let (_, cols) = term.size();
    term.write_line(&fit(&summary, (cols as usize).saturating_sub(1).max(10)))
        .ok();
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list(n: usize) -> PickList {
        let mut rows = vec![Row::Heading("Begin: starting out".into())];
        for i in 0..n {
            if i == 2 {
                rows.push(Row::Heading("Adopt: more teams join".into()));
            }
            rows.push(Row::Item(Item {
                label: format!(
                    "Module {i} — a summary long enough to be cut at sixty columns wide"
                ),
                detail: format!("In because you said so, number {i}."),
                checked: i % 2 == 0,
            }));
        }
        PickList {
            prompt: "Modules in the kit".into(),
            noun: "modules".into(),
            rows,
        }
    }

    #[test]
    fn rows_show_markers_and_are_cut_to_the_width() {
        let l = list(3);
        let s = State::new(&l);
        let screen = lines(&l, &s, 60, 5, false);
        assert_eq!(
            screen,
            [
                "Modules in the kit",
                "up/down: move, space: tick, enter: done, esc: undo",
                "Begin: starting out",
                "> [x] Module 0 — a summary long enough to be cut at sixty…",
                "  [ ] Module 1 — a summary long enough to be cut at sixty…",
                "Adopt: more teams join",
                "  [x] Module 2 — a summary long enough to be cut at sixty…",
                "2 of 3 modules ticked",
                "In because you said so, number 0.",
                "",
                "",
                "",
            ]
        );
        for line in &screen {
            assert!(measure_text_width(line) <= 59, "{line}");
        }
    }

    #[test]
    fn keys_move_tick_and_scroll_with_the_heading() {
        let l = list(6);
        let mut s = State::new(&l);
        let h = 3;
        assert_eq!(s.key(&l, &Key::ArrowDown, h), Step::Go);
        assert_eq!(s.key(&l, &Key::Char(' '), h), Step::Go);
        assert!(s.ticks[1]);
        // Down onto the first item of "Adopt": its heading is in view.
        s.key(&l, &Key::ArrowDown, h);
        assert_eq!((s.cursor, s.top), (2, 2));
        let screen = lines(&l, &s, 80, h, false);
        assert_eq!(screen[3], "Adopt: more teams join");
        assert_eq!(
            screen[4],
            "> [x] Module 2 — a summary long enough to be cut at sixty columns wide"
        );
        assert!(screen[5].ends_with("; rows 3-5 of 8"), "{}", screen[5]);
        // Up from there: the heading stays, the row above shows.
        s.key(&l, &Key::ArrowUp, h);
        assert_eq!((s.cursor, s.top), (1, 2));
        s.key(&l, &Key::End, h);
        assert_eq!((s.cursor, s.top), (5, 5));
        s.key(&l, &Key::Home, h);
        assert_eq!((s.cursor, s.top), (0, 0));
        s.key(&l, &Key::ArrowUp, h);
        assert_eq!(s.cursor, 0);
        assert_eq!(s.key(&l, &Key::Enter, h), Step::Done);
        assert_eq!(s.key(&l, &Key::Escape, h), Step::Undo);
    }

    #[test]
    fn a_changed_row_says_so() {
        let l = list(2);
        let mut s = State::new(&l);
        s.key(&l, &Key::Char(' '), 5);
        let screen = lines(&l, &s, 60, 5, false);
        assert_eq!(
            screen[6],
            "You unticked it: it stays out of the kit. In because you"
        );
        assert_eq!(screen[7], "said so, number 0.");
    }

    #[test]
    fn styling_adds_to_the_markers() {
        let l = list(1);
        let s = State::new(&l);
        let screen = lines(&l, &s, 60, 5, true);
        assert!(screen[3].contains("> [x] Module 0"), "{:?}", screen[3]);
        assert!(screen[3].contains("\x1b["), "{:?}", screen[3]);
    }

    proptest! {
        /// Whatever the labels, details and width, no line is wider than
        /// the terminal less one column, and the list keeps its height.
        #[test]
        fn no_line_is_wider_than_the_terminal(
            labels in proptest::collection::vec("\\PC{0,90}", 1..12),
            detail in "[a-zé漢 ]{0,300}",
            width in 12usize..200,
            height in 1usize..20,
            moves in proptest::collection::vec(0u8..4, 0..30),
        ) {
            let rows = labels.iter().map(|l| Row::Item(Item { label: l.clone(), detail: detail.clone(), checked: false })).collect();
            let l = PickList { prompt: "Pick".into(), noun: "items".into(), rows };
            let mut s = State::new(&l);
            for m in moves {
                let key = [Key::ArrowDown, Key::ArrowUp, Key::Char(' '), Key::PageDown][m as usize].clone();
                s.key(&l, &key, height);
            }
            let screen = lines(&l, &s, width, height, false);
            prop_assert_eq!(screen.len(), 3 + height.min(l.rows.len()) + DETAIL_LINES);
            for line in &screen {
                prop_assert!(measure_text_width(line) < width, "{:?} at {}", line, width);
            }
        }
    }
}
