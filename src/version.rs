//! Version numbers of ispo and catalogs, compared as `major.minor.patch`.

/// Parses `1.2.3` (a missing minor or patch counts as 0; pre-release tags are ignored).
pub fn parse(s: &str) -> Option<(u64, u64, u64)> {
    let core = s.trim().trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

pub fn current() -> (u64, u64, u64) {
    parse(env!("CARGO_PKG_VERSION")).expect("the crate version is valid")
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_and_orders() {
        assert_eq!(super::parse("1.2.3"), Some((1, 2, 3)));
        assert_eq!(super::parse("v2"), Some((2, 0, 0)));
        assert_eq!(super::parse("1.2.3-rc1"), Some((1, 2, 3)));
        assert_eq!(super::parse("one"), None);
        assert!(super::parse("0.10.0") > super::parse("0.9.9"));
    }
}
