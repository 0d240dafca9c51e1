//! A page's tree, parsed within an allowance of nodes and attributes known before the
//! parse: the memory a tree takes is admitted first (`lookup`), so the parse must not take
//! more than was admitted.
//!
//! The count of what a page writes ([`Shape`], read in the one pass over its markup) says
//! what its tree holds, but the tree builder also makes elements nobody wrote. Misnested
//! formatting elements are copied each time text follows them: measured with scraper 0.29,
//! a 380 KB page of 36 open `<b>`, `<i>`, … and then `<p>x` 100,000 times built 515 MiB of
//! tree (and a 5 MB page of `<p>x` 517 MiB, twice what its `<` count said). So the parse is
//! given a sink that builds the tree only as far as the allowance goes, then stops
//! building, and the page is refused.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName, local_name, ns};
use scraper::{Html, HtmlTreeSink};

use super::scan::Shape;

/// Bytes a tree node takes, its share of the tree's growing table included: measured with
/// scraper 0.29 (release build, a counting allocator), 5 MB of `<i>x</i>` peaked at 261 MiB
/// for 1.31 M nodes, and of `<p>x` at 517 MiB for 2.62 M.
const NODE_BYTES: u64 = 210;

/// Bytes an attribute takes: one start tag of 50,000 attributes peaked at 4.4 MiB.
const ATTRIBUTE_BYTES: u64 = 96;

/// What a page's tree may hold: what the page writes, and room for the elements the tree
/// builder adds to an ordinary page (`<html>`, `<head>`, `<body>`, `<tbody>`, a misnested
/// `<b>` reopened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Nodes: elements, text runs, comments, doctypes.
    pub nodes: usize,
    /// Attributes, on every element.
    pub attributes: usize,
}

impl Allowance {
    /// The allowance for a page of `shape`.
    pub fn of(shape: &Shape) -> Self {
        let room = |n: usize| n.saturating_add(n / 4).saturating_add(64);
        Self {
            nodes: room(shape.nodes),
            attributes: room(shape.attributes),
        }
    }

    /// Bytes of memory a tree within this allowance may take, beside the text it holds
    /// (about the page's own bytes; see `lookup`'s parse cost).
    pub fn bytes(&self) -> u64 {
        NODE_BYTES * self.nodes as u64 + ATTRIBUTE_BYTES * self.attributes as u64
    }
}

/// The page builds more than its allowance: far more elements than it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the page builds more than {} nodes and {} attributes", .0.nodes, .0.attributes)]
pub struct Exceeded(pub Allowance);

/// Bytes handed to the parser at a time: once the allowance is spent, the parse stops at
/// the end of the piece it is in.
const PIECE: usize = 4 * 1024;

/// Parses `html` as a whole document, building at most `allowance`.
pub fn parse(html: &str, allowance: Allowance) -> Result<Html, Exceeded> {
    let exceeded = Rc::new(Cell::new(false));
    let sink = Bounded::new(allowance, Rc::clone(&exceeded));
    let parse = std::panic::AssertUnwindSafe(|| {
        let mut parser = html5ever::driver::parse_document(sink, Default::default());
        let mut rest = html;
        while !rest.is_empty() {
            let mut end = rest.len().min(PIECE);
            while !rest.is_char_boundary(end) {
                end += 1;
            }
            let (piece, after) = rest.split_at(end);
            parser.process(StrTendril::from_slice(piece));
            if exceeded.get() {
                return Err(Exceeded(allowance));
            }
            rest = after;
        }
        parser.finish()
    });
    match std::panic::catch_unwind(parse) {
        Ok(parsed) => parsed,
        // Past the allowance the tree builder works on stand-in elements, which a page built
        // to confuse it may make it trip over: the page is refused all the same.
        Err(_) if exceeded.get() => Err(Exceeded(allowance)),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The handle scraper's sink gives a node.
type Handle = <HtmlTreeSink as TreeSink>::Handle;

/// scraper's tree sink, counting what it builds against an allowance. Once the allowance is
/// spent it builds nothing more: each new element is a stand-in of the same name that is
/// never placed in the tree (one per name, so the tree builder's checks by name still hold),
/// every change to the tree is dropped, and [`parse`] stops at the end of the piece.
struct Bounded {
    inner: HtmlTreeSink,
    left: Cell<Allowance>,
    exceeded: Rc<Cell<bool>>,
    /// The stand-in elements handed out once the allowance is spent, by name.
    stand_ins: RefCell<HashMap<QualName, Handle>>,
    allowance: Allowance,
}

/// Most stand-in elements made: past them, every new element is one of those made.
const MOST_STAND_INS: usize = 256;

impl Bounded {
    fn new(allowance: Allowance, exceeded: Rc<Cell<bool>>) -> Self {
        Self {
            inner: HtmlTreeSink::new(Html::new_document()),
            left: Cell::new(allowance),
            exceeded,
            stand_ins: RefCell::new(HashMap::new()),
            allowance,
        }
    }

    /// Whether `nodes` and `attributes` more fit; when they do not, nothing more is built.
    fn take(&self, nodes: usize, attributes: usize) -> bool {
        if self.exceeded.get() {
            return false;
        }
        let left = self.left.get();
        match (
            left.nodes.checked_sub(nodes),
            left.attributes.checked_sub(attributes),
        ) {
            (Some(nodes), Some(attributes)) => {
                self.left.set(Allowance { nodes, attributes });
                true
            }
            _ => {
                self.exceeded.set(true);
                false
            }
        }
    }

    /// Whether changes to the tree are still made.
    fn building(&self) -> bool {
        !self.exceeded.get()
    }

    /// The stand-in for an element called `name`, made on first use.
    fn stand_in(&self, name: QualName) -> Handle {
        let mut stand_ins = self.stand_ins.borrow_mut();
        if let Some(handle) = stand_ins.get(&name) {
            return *handle;
        }
        if stand_ins.len() >= MOST_STAND_INS
            && let Some(first) = stand_ins.values().next()
        {
            return *first;
        }
        let handle = self
            .inner
            .create_element(name.clone(), Vec::new(), ElementFlags::default());
        stand_ins.insert(name, handle);
        handle
    }

    /// The nodes appending `child` after `previous` (the node it would follow) adds: text
    /// after text is joined to it.
    fn cost(&self, previous: Option<Handle>, child: &NodeOrText<Handle>) -> usize {
        match child {
            NodeOrText::AppendNode(_) => 0,
            NodeOrText::AppendText(_) => {
                let html = self.inner.0.borrow();
                let joined = previous
                    .and_then(|id| html.tree.get(id))
                    .is_some_and(|node| node.value().is_text());
                usize::from(!joined)
            }
        }
    }

    /// The last child of `parent`.
    fn last_child(&self, parent: &Handle) -> Option<Handle> {
        let html = self.inner.0.borrow();
        html.tree
            .get(*parent)
            .and_then(|node| node.last_child())
            .map(|node| node.id())
    }

    /// The sibling before `node`.
    fn previous_sibling(&self, node: &Handle) -> Option<Handle> {
        let html = self.inner.0.borrow();
        html.tree
            .get(*node)
            .and_then(|node| node.prev_sibling())
            .map(|node| node.id())
    }
}

impl TreeSink for Bounded {
    type Handle = Handle;
    type Output = Result<Html, Exceeded>;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Self::Output {
        if self.exceeded.get() {
            return Err(Exceeded(self.allowance));
        }
        Ok(self.inner.finish())
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> Handle {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        // A `<template>` is two nodes: the element and its contents.
        let nodes = if name.local == local_name!("template") {
            2
        } else {
            1
        };
        if self.take(nodes, attrs.len()) {
            self.inner.create_element(name, attrs, flags)
        } else {
            self.stand_in(name)
        }
    }

    fn create_comment(&self, text: StrTendril) -> Handle {
        if self.take(1, 0) {
            self.inner.create_comment(text)
        } else {
            self.stand_in(QualName::new(None, ns!(html), local_name!("span")))
        }
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Handle {
        if self.take(1, 0) {
            self.inner.create_pi(target, data)
        } else {
            self.stand_in(QualName::new(None, ns!(html), local_name!("span")))
        }
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        if self.building() && self.take(self.cost(self.last_child(parent), &child), 0) {
            self.inner.append(parent, child);
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        // Text here may start a node wherever it goes.
        let nodes = usize::from(matches!(child, NodeOrText::AppendText(_)));
        if self.take(nodes, 0) {
            self.inner
                .append_based_on_parent_node(element, prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        if self.take(1, 0) {
            self.inner
                .append_doctype_to_document(name, public_id, system_id);
        }
    }

    fn get_template_contents(&self, target: &Handle) -> Handle {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        if self.building() && self.take(self.cost(self.previous_sibling(sibling), &new_node), 0) {
            self.inner.append_before_sibling(sibling, new_node);
        }
    }

    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        if self.take(0, attrs.len()) {
            self.inner.add_attrs_if_missing(target, attrs);
        }
    }

    fn remove_from_parent(&self, target: &Handle) {
        if self.building() {
            self.inner.remove_from_parent(target);
        }
    }

    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        if self.building() {
            self.inner.reparent_children(node, new_parent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowance(html: &str) -> Allowance {
        Allowance::of(&super::super::scan::scan(html, &[], |_| {}))
    }

    #[test]
    fn an_ordinary_page_is_parsed_within_what_it_writes() {
        let page = "<!doctype html><title>Ana</title><table><tr><td><b>bold<p>para</b> \
                    after</table><p>one<p>two<!-- c --><template><i>t</i></template>";
        let tree = parse(page, allowance(page)).expect("within its allowance");
        let text: String = tree.root_element().text().collect();
        assert_eq!(text, "Anaboldpara afteronetwot");
    }

    #[test]
    fn formatting_copied_after_every_paragraph_is_refused_before_it_grows() {
        let open = "<b><i><u><s><em><strong><small><big><code><tt><font><strike>".repeat(3);
        let page = format!("<p>{open}{}", "<p>x".repeat(20_000));
        let allowance = allowance(&page);
        // As written: about 40,000 nodes; as built, 36 copies of the formatting per `<p>`.
        assert!(allowance.nodes < 60_000, "{allowance:?}");
        assert_eq!(parse(&page, allowance).unwrap_err(), Exceeded(allowance));
    }

    #[test]
    fn attributes_copied_with_the_formatting_count_too() {
        let attrs: String = (0..200).map(|n| format!(" a{n}")).collect();
        let page = format!("<p><b{attrs}>{}", "<p>x".repeat(200));
        let allowance = allowance(&page);
        assert!(allowance.nodes > 400, "the nodes fit: {allowance:?}");
        assert!(parse(&page, allowance).is_err());
    }

    #[test]
    fn formatting_reopened_past_the_allowance_stops_the_parse_soon_after() {
        // Distinct attributes escape the limit of three alike in the list of formatting
        // elements to reopen, and `</x>` keeps the scan's nesting depth low.
        let open: String = (0..400).map(|n| format!("<b a={n}></x>")).collect();
        let page = format!("<div>{open}</div>{}", "<p>x".repeat(50_000));
        let allowance = allowance(&page);
        // Built whole, it is 20 million elements (about 4 GB).
        assert_eq!(parse(&page, allowance).unwrap_err(), Exceeded(allowance));
    }

    #[test]
    fn every_page_in_the_fixtures_parses_within_what_it_writes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut pages = vec![root];
        let mut read = 0;
        while let Some(path) = pages.pop() {
            if path.is_dir() {
                pages.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "html") {
                continue;
            }
            let page = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            let allowance = allowance(&page);
            let tree =
                parse(&page, allowance).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // The count of what the page writes is close to what its tree holds.
            let nodes = tree.tree.nodes().count();
            assert!(nodes <= allowance.nodes, "{}: {nodes}", path.display());
            read += 1;
        }
        assert!(read > 50, "only {read} pages read");
    }

    #[test]
    fn a_tree_past_its_allowance_is_never_built_whole() {
        let page = "<i>x</i>".repeat(1_000);
        let small = Allowance {
            nodes: 10,
            attributes: 0,
        };
        assert_eq!(parse(&page, small).unwrap_err(), Exceeded(small));
        assert!(parse(&page, allowance(&page)).is_ok());
    }
}
