// The resolver: names written in a file -> canonical paths and types, as the rules see them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initParser, withTree } from '../server/src/engine/parser';
import { collectFacts } from '../server/src/engine/resolve/facts';
import { canonicalPath } from '../server/src/engine/resolve/paths';
import { typeToString } from '../server/src/engine/resolve/types';
import { crateInfoFromManifest } from '../server/src/engine/crate';

before(async () => {
  await initParser();
});

const factsOf = (src: string) => withTree(src, (t) => collectFacts(t.rootNode));

test('use groups, aliases, self and nested lists', () => {
  const { uses } = factsOf('use std::sync::{Arc, Mutex as M, mpsc::{self, Sender}}; use ::tokio::sync::RwLock; use core::cell::RefCell;');
  assert.equal(canonicalPath('M', uses), 'std::sync::Mutex');
  assert.equal(canonicalPath('Arc', uses), 'std::sync::Arc');
  assert.equal(canonicalPath('mpsc::channel', uses), 'std::sync::mpsc::channel');
  assert.equal(canonicalPath('Sender', uses), 'std::sync::mpsc::Sender');
  assert.equal(canonicalPath('RwLock', uses), 'tokio::sync::RwLock');
  assert.equal(canonicalPath('RefCell', uses), 'std::cell::RefCell', 'core:: is std::');
});

test('globs of known modules, module imports and fully qualified paths', () => {
  const { uses } = factsOf('use std::sync::*; use parking_lot as pl; use std::sync;');
  assert.equal(canonicalPath('Mutex', uses), 'std::sync::Mutex');
  assert.equal(canonicalPath('pl::RwLock', uses), 'parking_lot::RwLock');
  assert.equal(canonicalPath('sync::Mutex', uses), 'std::sync::Mutex');
  assert.equal(canonicalPath('std::sync::Mutex', uses), 'std::sync::Mutex');
  assert.equal(canonicalPath('Unknown', uses), 'Unknown', 'an unknown name stays as written');
  assert.equal(canonicalPath('Vec', uses), 'std::vec::Vec', 'the prelude');
});

test('a glob of an unknown module does not guess', () => {
  const { uses } = factsOf('use my_locks::*;');
  assert.equal(canonicalPath('Mutex', uses), 'Mutex');
});

test('struct, tuple struct and enum fields, aliases and statics with resolved types', () => {
  const facts = factsOf(`
    use std::sync::{Arc, Mutex};
    use std::rc::Rc;
    struct S<T> { a: Arc<Mutex<T>>, b: &'static std::sync::RwLock<u8> }
    struct P(Rc<P>, u8);
    enum E { Leaf, Node { next: Rc<E> } }
    type Shared = Arc<Mutex<Vec<u8>>>;
    static COUNT: Mutex<u32> = Mutex::new(0);
    fn make() -> Shared { todo!() }`);
  const s = facts.structs.get('S')!;
  assert.deepEqual(s.typeParams, ['T']);
  assert.equal(typeToString(s.fields[0].type!), 'std::sync::Arc<std::sync::Mutex<T>>');
  assert.equal(typeToString(s.fields[1].type!), '&std::sync::RwLock<u8>');
  assert.equal(typeToString(facts.structs.get('P')!.fields[0].type!), 'std::rc::Rc<P>');
  assert.equal(facts.structs.get('E')!.fields[0].name, 'Node.next');
  assert.equal(typeToString(facts.aliases.get('Shared')!.type!), 'std::sync::Arc<std::sync::Mutex<std::vec::Vec<u8>>>');
  assert.equal(typeToString(facts.statics.get('COUNT')!.type!), 'std::sync::Mutex<u32>');
  assert.equal(typeToString(facts.fnReturns.get('make')!), 'Shared');
});

test('consts are kept as names only, statics of built-in types without their types (no rule reads them)', () => {
  const facts = factsOf(`
    use std::sync::Mutex;
    const LIMIT: usize = 4;
    const LOCK: Mutex<u8> = Mutex::new(0);
    const EPERM: c_int = 1;
    static TABLE: &[(char, char)] = &[('a', 'z')];
    static NAME: &str = "x";
    static LOCKS: [Mutex<u8>; 2] = [Mutex::new(0), Mutex::new(0)];
    static COUNTER: AtomicUsize = AtomicUsize::new(0);`);
  assert.deepEqual([...facts.statics.keys()].sort(), ['COUNTER', 'LOCKS', 'NAME', 'TABLE']);
  assert.deepEqual([...facts.statics.values()].filter((s) => s.type).map((s) => s.name).sort(), ['COUNTER', 'LOCKS']);
  assert.deepEqual(facts.consts, ['LIMIT', 'LOCK', 'EPERM']);
  // Still part of the signature: editing one changes the workspace version like any item.
  assert.notEqual(facts.signature, factsOf('use std::sync::Mutex;\nconst LIMIT: usize = 5;').signature);
});

test('facts signature changes only when facts change', () => {
  const a = factsOf('struct S { a: u8 }\nfn f() { let x = 1; }');
  const b = factsOf('struct S { a: u8 }\nfn f() { let x = 2; }');
  const c = factsOf('struct S { a: u16 }\nfn f() { let x = 2; }');
  assert.equal(a.signature, b.signature);
  assert.notEqual(a.signature, c.signature);
});

test('Cargo.toml: edition, renamed and target dependencies; malformed manifests fall back', () => {
  const info = crateInfoFromManifest(`[package]\nname = "x"\nedition = "2024"\n[dependencies]\ntokio = "1"\nmy-lock = { package = "parking_lot", version = "0.12" }\n[target.'cfg(unix)'.dev-dependencies]\nspin = "0.9"\n`);
  assert.equal(info.edition, '2024');
  assert.ok(info.dependencies.has('tokio'));
  assert.ok(info.dependencies.has('parking_lot') && info.dependencies.has('my_lock'));
  assert.ok(info.dependencies.has('spin'));
  assert.equal(crateInfoFromManifest('[package]\nname = "x"').edition, '2015', 'no edition key means 2015');
  assert.equal(crateInfoFromManifest('this is [not toml').edition, '2021');
});
