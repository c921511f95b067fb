//! A small service core built from the examples of "Beyond the Compiler: 3 Dangerous Rust Memory
//! Safety Myths". Everything here compiles without a warning; the bugs show only at run time.
//! Each function marked "Bug" is one Blindspot reports; each marked "Correct" is a look-alike it
//! must leave alone.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub mod tasks;

#[derive(Default)]
pub struct State {
    pub requests: u64,
    pub cache: HashMap<String, Vec<u8>>,
}

async fn process_async() {}

async fn perform_network() -> usize {
    0
}

// ---------------------------------------------------------------------------------------------
// Async stalls: blocking work and blocking locks inside async code.
// ---------------------------------------------------------------------------------------------

/// Bug: the `std::sync::Mutex` guard lives across the `.await`, pinning the executor thread while
/// every other task that wants `state` blocks.
pub async fn handle_data(state: Arc<Mutex<State>>) {
    let guard = state.lock().unwrap();
    process_async().await;
    drop(guard);
}

/// Bug: the guard is still used after the await, so it is held across it.
pub async fn record_request(shared_data: Arc<Mutex<State>>) -> u64 {
    let lock = shared_data.lock().unwrap();
    perform_network().await;
    lock.requests + 1
}

/// Correct: the guard is dropped before the await (clippy's `await_holding_lock` still flags it).
pub async fn count_then_send(state: Arc<Mutex<State>>) {
    let mut guard = state.lock().unwrap();
    guard.requests += 1;
    drop(guard);
    process_async().await;
}

/// Correct: the guard lives in a block that ends before the await.
pub async fn cache_size_then_send(state: Arc<Mutex<State>>) -> usize {
    let entries = {
        let guard = state.lock().unwrap();
        guard.cache.len()
    };
    perform_network().await + entries
}

/// Bug: a `RefCell` borrow held across an await panics when another task borrows it meanwhile.
pub async fn append_log(log: Rc<RefCell<Vec<String>>>, line: String) {
    let mut entries = log.borrow_mut();
    process_async().await;
    entries.push(line);
}

/// Bug: `std::thread::sleep` blocks the executor thread; other tasks on it stall.
pub async fn retry_later(state: Arc<Mutex<State>>) {
    std::thread::sleep(Duration::from_millis(50));
    handle_data(state).await;
}

// ---------------------------------------------------------------------------------------------
// Logical leaks in safe code.
// ---------------------------------------------------------------------------------------------

/// Bug: two nodes pointing at each other through `Rc` keep each other alive forever.
pub struct Node {
    pub name: String,
    pub peer: RefCell<Option<Rc<Node>>>,
}

pub fn link_pair() -> (Rc<Node>, Rc<Node>) {
    let a = Rc::new(Node { name: "A".into(), peer: RefCell::new(None) });
    let b = Rc::new(Node { name: "B".into(), peer: RefCell::new(Some(a.clone())) });
    a.peer.replace(Some(b.clone())); // cycle created, never freed
    (a, b)
}

/// Correct: the back-link to the parent is `Weak`, so dropping the root frees the whole tree.
pub struct TreeNode {
    pub name: String,
    pub parent: RefCell<Weak<TreeNode>>,
    pub children: RefCell<Vec<Rc<TreeNode>>>,
}

pub fn add_child(parent: &Rc<TreeNode>, name: &str) -> Rc<TreeNode> {
    let child = Rc::new(TreeNode {
        name: name.to_string(),
        parent: RefCell::new(Rc::downgrade(parent)),
        children: RefCell::new(Vec::new()),
    });
    parent.children.borrow_mut().push(Rc::clone(&child));
    child
}

/// Bug: every call leaks another kilobyte; "temporary" scratch space that is never reclaimed.
pub fn scratch_buffer() -> &'static mut [u8; 1024] {
    let buffer = Box::new([0u8; 1024]);
    Box::leak(buffer)
}

/// Bug: forgetting a `File` leaks its descriptor; enough calls and `open` starts failing.
pub fn hand_off(file: File) {
    std::mem::forget(file);
}

// ---------------------------------------------------------------------------------------------
// Unsafe code without a stated invariant.
// ---------------------------------------------------------------------------------------------

/// Bug: nothing says what a caller must guarantee (valid for `len` bytes, no overlap).
pub unsafe fn copy_bytes(src: *const u8, dst: *mut u8, len: usize) {
    std::ptr::copy_nonoverlapping(src, dst, len);
}

/// Bug: the article's "safe wrapper may not catch logical misuse": nothing checks that `dst` holds
/// `src.len()` bytes, and no comment says who guarantees it.
pub fn copy_all(src: &[u8], dst: &mut [u8]) {
    unsafe { copy_bytes(src.as_ptr(), dst.as_mut_ptr(), src.len()) }
}

/// Correct: a safe wrapper whose unsafe block states why it is sound.
pub fn copy_into(src: &[u8], dst: &mut [u8]) -> usize {
    let len = src.len().min(dst.len());
    // SAFETY: both slices are valid for `len` bytes, and a `&` and a `&mut` borrow never overlap.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr(), len) };
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_the_shorter_length() {
        let mut dst = [0u8; 2];
        assert_eq!(copy_into(&[1, 2, 3], &mut dst), 2);
        assert_eq!(dst, [1, 2]);
    }

    #[test]
    fn weak_parent_does_not_keep_the_tree_alive() {
        let root = Rc::new(TreeNode { name: "root".into(), parent: RefCell::new(Weak::new()), children: RefCell::new(Vec::new()) });
        let leaf = add_child(&root, "leaf");
        assert_eq!(leaf.parent.borrow().upgrade().map(|p| p.name.clone()), Some("root".to_string()));
        drop(root);
        assert!(leaf.parent.borrow().upgrade().is_none());
    }
}
