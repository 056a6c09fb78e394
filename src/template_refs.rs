//! What a template refers to: the values, helpers and partials it names, and
//! the partial include graph (which partials include which, and cycles).
//! Shared by rendering, which must refuse an include cycle before it
//! recurses, and by lint, which checks every name.

use std::collections::{BTreeMap, BTreeSet};

use handlebars::template::{Parameter, Template, TemplateElement};
use handlebars::{Path as HbPath, PathSeg};

/// Helpers a template may call: Handlebars' own and ispo's.
pub const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "log", "eq", "ne", "gt", "gte", "lt", "lte", "and",
    "or", "not", "len", "contains", "join", "label", "raw",
];

/// Stands for a partial whose name is computed at render time.
const DYNAMIC: &str = "(computed name)";

/// The partials a template includes, by name; an error for computed names,
/// which could include each other without end and cannot be checked.
pub fn partial_includes(template: &Template) -> Result<Vec<String>, String> {
    let mut refs = Refs::default();
    walk(template, false, (1, 1), &mut refs);
    if let Some((name, line, col)) = refs.decorators.first() {
        return Err(format!(
            "{line}:{col}: `{{{{#*{name}}}}}` is not supported: inline partials can include themselves without end; put shared text in partials/"
        ));
    }
    let mut out = Vec::new();
    for (name, line, col) in refs.partials {
        if name == DYNAMIC {
            return Err(format!(
                "{line}:{col}: partials with a computed name (`{{{{> (...)}}}}`) are not supported"
            ));
        }
        out.push(name);
    }
    Ok(out)
}

#[derive(Debug, Default)]
pub struct Refs {
    /// (path as written, line, column, inside an `each`/`with` block)
    pub values: Vec<(String, usize, usize, bool)>,
    pub helpers: Vec<(String, usize, usize)>,
    pub partials: Vec<(String, usize, usize)>,
    /// `{{#*inline}}` and other decorators.
    pub decorators: Vec<(String, usize, usize)>,
    /// The top-level context keys the template can read (see `roots`):
    /// `None` for a reference to the whole context.
    pub roots: Vec<Option<String>>,
    /// Whether it calls `label` (which reads the catalog's choice labels).
    pub label: bool,
}

/// The top-level context keys a template reads, for the render cache: a
/// superset (a name inside an `each` block is counted too, though it names
/// a key of the item), or `None` when it reads the context as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots {
    pub all: bool,
    pub names: BTreeSet<String>,
    pub label: bool,
}

impl Roots {
    pub fn of(refs: &Refs) -> Roots {
        let mut out = Roots {
            label: refs.label,
            ..Roots::default()
        };
        for r in &refs.roots {
            match r {
                Some(n) if n.is_empty() => {}
                Some(n) => {
                    out.names.insert(n.clone());
                }
                None => out.all = true,
            }
        }
        // An unknown helper name may be a value read as a block or a call.
        for (h, _, _) in &refs.helpers {
            if !HELPERS.contains(&h.as_str()) {
                out.names.insert(h.clone());
            }
        }
        out
    }

    pub fn extend(&mut self, other: &Roots) {
        self.all |= other.all;
        self.label |= other.label;
        self.names.extend(other.names.iter().cloned());
    }
}

pub fn walk(t: &Template, scoped: bool, at: (usize, usize), refs: &mut Refs) {
    for (i, el) in t.elements.iter().enumerate() {
        let pos = t.mapping.get(i).map_or(at, |m| (m.0, m.1));
        element(el, scoped, pos, refs);
    }
}

fn element(el: &TemplateElement, scoped: bool, pos: (usize, usize), refs: &mut Refs) {
    match el {
        TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
            let is_call = !h.params.is_empty() || !h.hash.is_empty();
            if h.name.as_name() == Some("label") {
                refs.label = true;
                // `{{label "forge"}}` reads the answer `forge`; a computed
                // question id could read any.
                match h.params.first() {
                    Some(Parameter::Literal(serde_json::Value::String(q))) => {
                        refs.roots.push(Some(q.clone()))
                    }
                    _ => refs.roots.push(None),
                }
            }
            match (&h.name, is_call) {
                (Parameter::Name(n), true) => refs.helpers.push((n.clone(), pos.0, pos.1)),
                (Parameter::Name(n), false) if HELPERS.contains(&n.as_str()) => {}
                (p, _) => param(p, scoped, pos, refs),
            }
            h.params.iter().for_each(|p| param(p, scoped, pos, refs));
            h.hash.values().for_each(|p| param(p, scoped, pos, refs));
        }
        TemplateElement::HelperBlock(h) => {
            let name = h.name.as_name().unwrap_or("");
            refs.helpers.push((name.to_string(), pos.0, pos.1));
            h.params.iter().for_each(|p| param(p, scoped, pos, refs));
            h.hash.values().for_each(|p| param(p, scoped, pos, refs));
            let inner_scoped = scoped || matches!(name, "each" | "with") || h.block_param.is_some();
            if let Some(t) = &h.template {
                walk(t, inner_scoped, pos, refs);
            }
            if let Some(t) = &h.inverse {
                walk(t, scoped, pos, refs);
            }
        }
        TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
            match d.name.as_name() {
                Some("@partial-block") => {}
                Some(n) => refs.partials.push((n.to_string(), pos.0, pos.1)),
                // `{{> (expr)}}`: the name is only known at render time.
                None => refs.partials.push((DYNAMIC.to_string(), pos.0, pos.1)),
            }
            d.params.iter().for_each(|p| param(p, scoped, pos, refs));
            d.hash.values().for_each(|p| param(p, scoped, pos, refs));
            if let Some(t) = &d.template {
                walk(t, scoped, pos, refs);
            }
        }
        TemplateElement::DecoratorExpression(d) | TemplateElement::DecoratorBlock(d) => {
            refs.decorators
                .push((d.name.as_name().unwrap_or("?").to_string(), pos.0, pos.1));
            if let Some(t) = &d.template {
                walk(t, scoped, pos, refs);
            }
        }
        _ => {}
    }
}

fn param(p: &Parameter, scoped: bool, pos: (usize, usize), refs: &mut Refs) {
    match p {
        Parameter::Name(n) => {
            refs.values.push((n.clone(), pos.0, pos.1, scoped));
            let whole = (n == "this" || n == ".") && !scoped;
            refs.roots.push((!whole).then(|| n.clone()));
        }
        Parameter::Path(HbPath::Relative((segs, raw))) => {
            refs.values.push((raw.clone(), pos.0, pos.1, scoped));
            refs.roots.push(root_of(segs, scoped));
        }
        // A bare `@root` parses as a local value named `root`: the whole context.
        Parameter::Path(HbPath::Local((_, name, _))) if name == "root" => refs.roots.push(None),
        Parameter::Path(HbPath::Local(_)) | Parameter::Literal(_) => {}
        Parameter::Subexpression(s) => element(s.as_element(), scoped, pos, refs),
        _ => {}
    }
}

/// The top-level key a path starts from: its first named segment (after
/// `../`, `@root` and `this`), or `None` when it names the whole context
/// (`this` or `@root` at the top, or going up out of a block).
fn root_of(segs: &[PathSeg], scoped: bool) -> Option<String> {
    let mut up = false;
    for seg in segs {
        match seg {
            PathSeg::Named(n) => return Some(n.clone()),
            _ => up = true,
        }
    }
    // Handlebars drops `this`: no segment at all is the current item, which
    // inside a block was reached through a key named at the block.
    (scoped && !up).then(String::new)
}

/// A cycle in the partial include graph, if any, as a path of names.
pub fn find_cycle(graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, Vec<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for next in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mutual_partial_recursion() {
        let g = BTreeMap::from([
            ("a".to_string(), vec!["b".to_string()]),
            ("b".to_string(), vec!["c".to_string()]),
            ("c".to_string(), vec!["a".to_string()]),
            ("d".to_string(), vec![]),
        ]);
        assert_eq!(find_cycle(&g).unwrap(), vec!["a", "b", "c", "a"]);
        let g = BTreeMap::from([
            ("a".to_string(), vec!["b".to_string()]),
            ("b".to_string(), vec![]),
        ]);
        assert!(find_cycle(&g).is_none());
    }

    #[test]
    fn collects_values_helpers_and_partials() {
        let t = Template::compile("{{forge}} {{fill.x}} {{#if (contains audiences \"d\")}}{{> part}}{{/if}}{{#each items}}{{name}}{{@root.stage}}{{/each}}{{nope 1}}").unwrap();
        let mut refs = Refs::default();
        walk(&t, false, (1, 1), &mut refs);
        let values: Vec<(&str, bool)> = refs.values.iter().map(|v| (v.0.as_str(), v.3)).collect();
        assert!(values.contains(&("forge", false)));
        assert!(values.contains(&("fill.x", false)));
        assert!(values.contains(&("audiences", false)));
        assert!(values.contains(&("items", false)));
        assert!(values.contains(&("name", true)));
        assert!(values.contains(&("@root.stage", true)));
        let helpers: Vec<&str> = refs.helpers.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(helpers, vec!["if", "contains", "each", "nope"]);
        assert_eq!(refs.partials[0].0, "part");
    }
}
