//! The worst-case output of a template, computed before anything renders, so
//! a catalog cannot make ispo expand text without end: partials that each
//! include the next one twice double per level, loops inside loops multiply.
//!
//! The estimate is an upper bound under stated assumptions: every loop runs
//! over the longest list a context can hold, every value is `VALUE_BYTES`
//! long, and of `if`/`else` the larger branch is taken. Render-time limits in
//! `render` catch anything the assumptions miss (a very long value).

use std::collections::BTreeMap;

use handlebars::template::{Template, TemplateElement};

/// What one `{{value}}` is assumed to print.
pub const VALUE_BYTES: u64 = 256;

/// The worst-case size of a template's output and the chain of partials
/// that makes most of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub bytes: u64,
    /// Partial names, outermost first, along the heaviest include path.
    pub chain: Vec<String>,
}

/// Worst-case expansions of every partial, given their compiled templates.
/// The include graph must be free of cycles (checked before this runs);
/// partials missing from `templates` count as empty.
pub fn of_partials(
    templates: &BTreeMap<String, Template>,
    longest_list: u64,
) -> BTreeMap<String, Expansion> {
    let mut done: BTreeMap<String, Expansion> = BTreeMap::new();
    for name in templates.keys() {
        visit(name, templates, longest_list, &mut done, 0);
    }
    done
}

fn visit(
    name: &str,
    templates: &BTreeMap<String, Template>,
    longest_list: u64,
    done: &mut BTreeMap<String, Expansion>,
    depth: usize,
) -> Expansion {
    if let Some(e) = done.get(name) {
        return e.clone();
    }
    let Some(t) = templates.get(name) else {
        return Expansion {
            bytes: 0,
            chain: Vec::new(),
        };
    };
    // Guarded by the cycle check; the depth cap only keeps a bug from
    // overflowing the stack.
    if depth > 512 {
        return Expansion {
            bytes: u64::MAX,
            chain: vec![name.to_string()],
        };
    }
    let mut needed = Vec::new();
    collect_partials(t, &mut needed);
    for n in needed {
        if !done.contains_key(&n) {
            let e = visit(&n, templates, longest_list, done, depth + 1);
            done.insert(n, e);
        }
    }
    let mut e = of_template(t, done, longest_list);
    e.chain.insert(0, name.to_string());
    done.insert(name.to_string(), e.clone());
    e
}

fn collect_partials(t: &Template, out: &mut Vec<String>) {
    for el in &t.elements {
        match el {
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                if let Some(n) = d.name.as_name() {
                    out.push(n.to_string());
                }
                if let Some(inner) = &d.template {
                    collect_partials(inner, out);
                }
            }
            TemplateElement::HelperBlock(h) => {
                for inner in h.template.iter().chain(&h.inverse) {
                    collect_partials(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// Worst-case expansion of one template, with the partials' already known.
pub fn of_template(
    t: &Template,
    partials: &BTreeMap<String, Expansion>,
    longest_list: u64,
) -> Expansion {
    of_template_with(t, partials, longest_list, &|s| s.len() as u64)
}

/// `of_template` for a template whose plain text may stand for more text:
/// `raw_len` gives each plain string's length once restored (a skeleton's
/// placeholders stand for whole paragraphs; see `skeleton`).
pub fn of_template_with(
    t: &Template,
    partials: &BTreeMap<String, Expansion>,
    longest_list: u64,
    raw_len: &dyn Fn(&str) -> u64,
) -> Expansion {
    let mut total = Expansion {
        bytes: 0,
        chain: Vec::new(),
    };
    let mut heaviest = 0u64;
    for el in &t.elements {
        let part = element(el, partials, longest_list, raw_len);
        total.bytes = total.bytes.saturating_add(part.bytes);
        if part.bytes > heaviest && !part.chain.is_empty() {
            heaviest = part.bytes;
            total.chain = part.chain;
        }
    }
    total
}

fn element(
    el: &TemplateElement,
    partials: &BTreeMap<String, Expansion>,
    longest_list: u64,
    raw_len: &dyn Fn(&str) -> u64,
) -> Expansion {
    let leaf = |bytes: u64| Expansion {
        bytes,
        chain: Vec::new(),
    };
    match el {
        TemplateElement::RawString(s) => leaf(raw_len(s)),
        TemplateElement::Expression(_) | TemplateElement::HtmlExpression(_) => leaf(VALUE_BYTES),
        TemplateElement::Comment(_) | TemplateElement::DecoratorExpression(_) => leaf(0),
        TemplateElement::HelperBlock(h) => {
            let body = h.template.as_ref().map_or(leaf(0), |t| {
                of_template_with(t, partials, longest_list, raw_len)
            });
            let inverse = h.inverse.as_ref().map_or(leaf(0), |t| {
                of_template_with(t, partials, longest_list, raw_len)
            });
            match h.name.as_name() {
                Some("each") => {
                    // An iteration costs at least one unit even when it prints
                    // nothing: loops inside loops are work, not only bytes.
                    let looped = Expansion {
                        bytes: body.bytes.max(1).saturating_mul(longest_list.max(1)),
                        chain: body.chain,
                    };
                    larger(looped, inverse)
                }
                Some("if" | "unless" | "with") => larger(body, inverse),
                _ => Expansion {
                    bytes: body.bytes.saturating_add(inverse.bytes),
                    chain: if body.bytes >= inverse.bytes {
                        body.chain
                    } else {
                        inverse.chain
                    },
                },
            }
        }
        TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
            let block = d.template.as_ref().map_or(leaf(0), |t| {
                of_template_with(t, partials, longest_list, raw_len)
            });
            let included = d
                .name
                .as_name()
                .and_then(|n| partials.get(n))
                .cloned()
                .unwrap_or_else(|| leaf(0));
            Expansion {
                bytes: included.bytes.saturating_add(block.bytes),
                chain: included.chain,
            }
        }
        TemplateElement::DecoratorBlock(d) => d.template.as_ref().map_or(leaf(0), |t| {
            of_template_with(t, partials, longest_list, raw_len)
        }),
        // Element kinds a later Handlebars may add: assume a value.
        _ => leaf(VALUE_BYTES),
    }
}

fn larger(a: Expansion, b: Expansion) -> Expansion {
    if a.bytes >= b.bytes {
        a
    } else {
        b
    }
}

/// `1.1e12 bytes`, `3 MiB`: sizes for messages.
pub fn shown(bytes: u64) -> String {
    if bytes == u64::MAX {
        "more than 1.8e19 bytes".into()
    } else if bytes >= 1 << 40 {
        format!("about {:.1e} bytes", bytes as f64)
    } else if bytes >= 1 << 20 {
        format!("about {} MiB", bytes >> 20)
    } else {
        format!("about {} KiB", (bytes >> 10).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(partials: &[(&str, &str)]) -> BTreeMap<String, Template> {
        partials
            .iter()
            .map(|(n, s)| (n.to_string(), Template::compile(s).unwrap()))
            .collect()
    }

    #[test]
    fn doubling_partials_grow_exponentially_and_name_their_chain() {
        let mut ps: Vec<(String, String)> = (0..40)
            .map(|i| {
                (
                    format!("p{i}"),
                    format!("{{{{> p{}}}}}{{{{> p{}}}}}", i + 1, i + 1),
                )
            })
            .collect();
        ps.push(("p40".into(), "x".into()));
        let refs: Vec<(&str, &str)> = ps.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let e = of_partials(&compiled(&refs), 10);
        assert_eq!(e["p0"].bytes, 1 << 40);
        assert_eq!(e["p0"].chain.len(), 41);
        assert_eq!(e["p0"].chain[0], "p0");
        assert_eq!(e["p0"].chain[40], "p40");
        assert_eq!(e["p39"].bytes, 2);
    }

    #[test]
    fn loops_multiply_and_branches_take_the_larger_side() {
        let parts = compiled(&[("big", "0123456789")]);
        let e = of_partials(&parts, 5);
        let t = Template::compile(
            "{{#each xs}}{{#each ys}}{{> big}}{{/each}}{{/each}}{{#if a}}{{> big}}{{else}}ab{{/if}}",
        )
        .unwrap();
        let got = of_template(&t, &e, 5);
        assert_eq!(got.bytes, 5 * 5 * 10 + 10);
        assert_eq!(got.chain, vec!["big".to_string()]);
    }

    #[test]
    fn plain_text_and_values() {
        let t = Template::compile("abc {{x}}").unwrap();
        assert_eq!(of_template(&t, &BTreeMap::new(), 1).bytes, 4 + VALUE_BYTES);
    }
}
