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
use std::cell::Cell;

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

/// Parses `html` as a whole document, building at most `allowance`.
pub fn parse(html: &str, allowance: Allowance) -> Result<Html, Exceeded> {
    let sink = Bounded::new(allowance);
    let parser = html5ever::driver::parse_document(sink, Default::default());
    parser.one(html)
}

/// The handle scraper's sink gives a node.
type Handle = <HtmlTreeSink as TreeSink>::Handle;

/// scraper's tree sink, counting what it builds against an allowance. Once the allowance is
/// spent it builds nothing more: every new node is one spare element that is never placed
/// in the tree, and every change to the tree is dropped; the parse runs to its end over the
/// page's remaining bytes (bounded by the page's size) and its result is [`Exceeded`].
struct Bounded {
    inner: HtmlTreeSink,
    left: Cell<Allowance>,
    exceeded: Cell<bool>,
    /// The element handed out in place of every node made after the allowance is spent.
    spare: Handle,
    allowance: Allowance,
}

impl Bounded {
    fn new(allowance: Allowance) -> Self {
        let inner = HtmlTreeSink::new(Html::new_document());
        let spare = inner.create_element(
            QualName::new(None, ns!(html), local_name!("span")),
            Vec::new(),
            ElementFlags::default(),
        );
        Self {
            inner,
            left: Cell::new(allowance),
            exceeded: Cell::new(false),
            spare,
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

    /// The nodes appending `child` may add: a text run may be a new node.
    fn cost(child: &NodeOrText<Handle>) -> usize {
        match child {
            NodeOrText::AppendText(_) => 1,
            NodeOrText::AppendNode(_) => 0,
        }
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
            self.spare
        }
    }

    fn create_comment(&self, text: StrTendril) -> Handle {
        if self.take(1, 0) {
            self.inner.create_comment(text)
        } else {
            self.spare
        }
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Handle {
        if self.take(1, 0) {
            self.inner.create_pi(target, data)
        } else {
            self.spare
        }
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        if self.take(Self::cost(&child), 0) {
            self.inner.append(parent, child);
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        if self.take(Self::cost(&child), 0) {
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
        if self.take(Self::cost(&new_node), 0) {
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
