//! Text that reaches a terminal: which characters steer it instead of
//! printing, and how to show them escaped. Below everything that prints.

/// Characters that steer a terminal rather than print: C0/C1 controls other
/// than newline and tab (escape sequences start with them) and the Unicode
/// bidirectional overrides that reorder what is shown.
pub fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print: terminal controls are shown escaped (`\u{1b}`), so a
/// hostile file name or value in a message cannot drive the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if is_terminal_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}
