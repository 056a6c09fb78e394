//! What a fill-in value of each kind may be (text, e-mail address, web
//! address, whole number, date), and the refusal in words when it is not.
//!
//! A catalog declares the kind (`kind = "email"`); every value is judged by
//! it wherever it comes from: a prompt, `--set fill.<id>=`, an answers file's
//! `[fill]`, a catalog's `[values]`, and the catalog's own example.

use email_address::{EmailAddress, Options};

/// The kinds a catalog may declare; `text` when it declares none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FillKind {
    #[default]
    Text,
    Email,
    Url,
    Integer,
    Date,
}

impl FillKind {
    pub const ALL: [FillKind; 5] = [
        FillKind::Text,
        FillKind::Email,
        FillKind::Url,
        FillKind::Integer,
        FillKind::Date,
    ];

    /// The name a catalog writes (`kind = "email"`).
    pub fn name(self) -> &'static str {
        match self {
            FillKind::Text => "text",
            FillKind::Email => "email",
            FillKind::Url => "url",
            FillKind::Integer => "integer",
            FillKind::Date => "date",
        }
    }

    pub fn parse(name: &str) -> Option<FillKind> {
        FillKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What a value of this kind is, in words ("an e-mail address").
    pub fn in_words(self) -> &'static str {
        match self {
            FillKind::Text => "text",
            FillKind::Email => "an e-mail address",
            FillKind::Url => "a web address",
            FillKind::Integer => "a whole number",
            FillKind::Date => "a date as YYYY-MM-DD",
        }
    }

    /// Whether `value` is one of this kind; the refusal says what is wrong
    /// and what would do.
    pub fn check(self, value: &str) -> Result<(), String> {
        match self {
            FillKind::Text => Ok(()),
            FillKind::Email => email(value),
            FillKind::Url => url(value),
            FillKind::Integer => integer(value),
            FillKind::Date => date(value),
        }
    }
}

fn email(value: &str) -> Result<(), String> {
    // A display name (`Ana <ana@x.example>`) or an address at an IP literal
    // is no mailbox to print in a document; a domain needs a dot.
    let options = Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        allow_long_local_parts: false,
    };
    let Err(e) = EmailAddress::parse_with_options(value, options) else {
        return Ok(());
    };
    use email_address::Error as E;
    let after_at = value.rsplit_once('@').map_or("", |(_, d)| d);
    let why = match e {
        E::MissingSeparator => "it has no `@`".to_string(),
        E::LocalPartEmpty => "nothing comes before the `@`".to_string(),
        E::DomainEmpty => "nothing comes after the `@`".to_string(),
        E::DomainTooFew => format!("its domain `{after_at}` has no dot (as in example.com)"),
        E::InvalidCharacter | E::UnsupportedDisplayName | E::MissingDisplayName => {
            "it holds a character an address cannot have (a space, a comma, `<`, a second `@`…)"
                .to_string()
        }
        other => {
            let said = other.to_string();
            let said = said.trim_end_matches('.');
            let mut c = said.chars();
            match c.next() {
                Some(first) => format!("{}{}", first.to_lowercase(), c.as_str()),
                None => said.to_string(),
            }
        }
    };
    Err(format!(
        "`{value}` is not an e-mail address: {why}; write it as name@domain, e.g. innersource@example.com"
    ))
}

fn url(value: &str) -> Result<(), String> {
    const LIKE: &str = "e.g. https://wiki.example.com/innersource";
    let refuse = |why: &str| Err(format!("`{value}` is not a web address: {why} ({LIKE})"));
    let Some((scheme, _)) = value.split_once("://") else {
        return refuse("it does not start with https:// or http://");
    };
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return refuse(&format!(
            "it starts with `{scheme}://`; a web address starts with https:// or http://"
        ));
    }
    let iri = match fluent_uri::Iri::parse(value) {
        Ok(iri) => iri,
        Err(e) => {
            let at = value[e.index()..].chars().next().unwrap_or(' ');
            let what = if at == ' ' {
                "a space (write it as %20)".to_string()
            } else if at == '%' {
                "a `%` that is not followed by two hexadecimal digits".to_string()
            } else {
                format!("`{at}`, which a web address cannot hold there")
            };
            return refuse(&format!("at character {} it has {what}", e.index() + 1));
        }
    };
    match iri.authority().map(|a| a.host()) {
        Some(h) if !h.is_empty() => Ok(()),
        _ => refuse("it names no host after the `://`"),
    }
}

fn integer(value: &str) -> Result<(), String> {
    match crate::question::whole_number(value.trim()) {
        Some(_) => Ok(()),
        None => Err(format!(
            "`{value}` is not a whole number (digits, as in 2000, 2,000 or 2 000)"
        )),
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days in `month` (1-12) of `year`, in the proleptic Gregorian calendar.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn date(value: &str) -> Result<(), String> {
    let form = || {
        Err(format!(
            "`{value}` is not a date written as YYYY-MM-DD (year, month, day, e.g. 2027-02-15)"
        ))
    };
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return form();
    }
    let digits = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (
        digits(&value[..4]),
        digits(&value[5..7]),
        digits(&value[8..]),
    ) else {
        return form();
    };
    if !(1..=12).contains(&month) {
        return Err(format!(
            "`{value}` is not a date: there is no month {month} (write YYYY-MM-DD, e.g. 2027-02-15)"
        ));
    }
    let last = days_in_month(year, month);
    if !(1..=last).contains(&day) {
        return Err(format!(
            "`{value}` is not a date: {} {year} has {last} days",
            MONTHS[month as usize - 1]
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::FillKind::{self, *};
    use proptest::prelude::*;

    #[test]
    fn names_read_back() {
        for k in FillKind::ALL {
            assert_eq!(FillKind::parse(k.name()), Some(k));
        }
        assert_eq!(FillKind::parse("e-mail"), None);
        assert_eq!(FillKind::default(), Text);
    }

    #[test]
    fn e_mail_addresses() {
        for ok in [
            "innersource@northbridge.example",
            "first.last+tag@mail.example.co.uk",
            "ISPO@Example.COM",
        ] {
            assert_eq!(Email.check(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            Email.check("innersource at northbridge").unwrap_err(),
            "`innersource at northbridge` is not an e-mail address: it has no `@`; write it as name@domain, e.g. innersource@example.com"
        );
        for (bad, why) in [
            (
                "innersource@northbridge",
                "its domain `northbridge` has no dot",
            ),
            ("@northbridge.example", "nothing comes before the `@`"),
            ("ispo@", "nothing comes after the `@`"),
            ("ispo team@x.example", "a character an address cannot have"),
            ("Ana <ana@x.example>", "a character an address cannot have"),
            ("a@b@x.example", "a character an address cannot have"),
        ] {
            let e = Email.check(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn web_addresses() {
        for ok in [
            "https://example.slack.com/archives/C0123456789",
            "https://teams.microsoft.com/l/channel/19%3a0123%40thread.tacv2/InnerSource?groupId=1",
            "http://wiki.intranet:8080/display/ENG/InnerSource+projects",
            "HTTPS://gitlab.example.com",
            "https://bücher.example/ä",
        ] {
            assert_eq!(Url.check(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            (
                "wiki.example.com/page",
                "does not start with https:// or http://",
            ),
            ("ftp://files.example.com", "it starts with `ftp://`"),
            ("https://", "names no host"),
            ("https:///path", "names no host"),
            (
                "https://wiki.example.com/my page",
                "at character 28 it has a space (write it as %20)",
            ),
            ("https://x.example/100%", "a `%` that is not followed"),
        ] {
            let e = Url.check(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(
                e.starts_with(&format!("`{bad}` is not a web address: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn whole_numbers_and_text() {
        assert_eq!(Integer.check("2,000"), Ok(()));
        assert_eq!(Integer.check("12"), Ok(()));
        assert!(Integer
            .check("ten")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(Integer.check("2,5").is_err());
        assert_eq!(Text.check("anything at all"), Ok(()));
    }

    #[test]
    fn dates() {
        for ok in ["2027-02-15", "2028-02-29", "2000-02-29", "2027-12-31"] {
            assert_eq!(Date.check(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            Date.check("2027-02-29").unwrap_err(),
            "`2027-02-29` is not a date: February 2027 has 28 days"
        );
        assert_eq!(
            Date.check("1900-02-29").unwrap_err(),
            "`1900-02-29` is not a date: February 1900 has 28 days"
        );
        assert!(Date
            .check("2027-13-01")
            .unwrap_err()
            .contains("no month 13"));
        for bad in [
            "15/02/2027",
            "2027-2-15",
            "2027-02-15T10:00",
            "+027-02-15",
            "",
        ] {
            assert!(
                Date.check(bad)
                    .unwrap_err()
                    .contains("written as YYYY-MM-DD"),
                "{bad}"
            );
        }
    }

    proptest! {
        /// Every day of the calendar written as YYYY-MM-DD is a date, and the
        /// day after a month's last is not.
        #[test]
        fn calendar_days_are_dates(year in 0u32..10000, month in 1u32..=12, day in 1u32..=31) {
            let text = format!("{year:04}-{month:02}-{day:02}");
            let last = super::days_in_month(year, month);
            prop_assert_eq!(Date.check(&text).is_ok(), day <= last);
        }

        /// A refusal always quotes the value and never panics, whatever the kind.
        #[test]
        fn any_text_is_judged_without_panic(value in "\\PC{0,40}") {
            for k in FillKind::ALL {
                if let Err(e) = k.check(&value) {
                    let quoted = format!("`{value}`");
                    prop_assert!(e.starts_with(&quoted), "{}", e);
                }
            }
        }
    }
}
