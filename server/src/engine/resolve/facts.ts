// Per-file facts other files and rules need: imports, structs and enums with field types, aliases, statics, fn return types.
import { createHash } from 'crypto';
import type { Node } from '../parser';
import { addUseDeclaration, emptyUseMap, type UseMap } from './paths';
import { typeFromNode, type TypeRef } from './types';

export interface FieldFacts {
  name: string;
  type?: TypeRef;
  /** The field's type node span, for fixes that rewrite it. */
  typeSpan: { start: number; end: number };
  nameSpan: { start: number; end: number };
  /** Declared `pub`/`pub(crate)`/…: code in other files may use it. */
  visible?: boolean;
}

export interface StructFacts {
  name: string;
  kind: 'struct' | 'enum';
  typeParams: string[];
  /** For enums: `Variant.field` or `Variant.0`. */
  fields: FieldFacts[];
  span: { start: number; end: number };
}

export interface AliasFacts {
  name: string;
  typeParams: string[];
  type?: TypeRef;
}

/** A static or const; only a static whose type a rule can act on keeps its type and span (the others shadow names). */
export interface StaticFacts {
  name: string;
  type?: TypeRef;
  span?: { start: number; end: number };
}

export interface FileFacts {
  uses: UseMap;
  structs: Map<string, StructFacts>;
  aliases: Map<string, AliasFacts>;
  statics: Map<string, StaticFacts>;
  /**
   * Names of the file's consts. A const is copied into every use, never a shared lock or cell, so no rule reads its
   * type; its name only shadows statics of that name in other files (FFI bindings declare tens of thousands: as
   * statics entries they were over half of what a workspace scan sent between threads).
   */
  consts: string[];
  fnReturns: Map<string, TypeRef>;
  /** Digest of the text of every item facts were read from: equal signatures mean equal facts. */
  signature: string;
}

const ITEM_KINDS = new Set(['use_declaration', 'struct_item', 'enum_item', 'type_item', 'static_item', 'const_item', 'function_item', 'mod_item', 'union_item']);

function typeParamsOf(node: Node): string[] {
  const params = node.childForFieldName('type_parameters');
  const names: string[] = [];
  for (const p of params?.namedChildren ?? []) {
    const name = p?.childForFieldName('name') ?? (p?.type === 'type_identifier' ? p : null);
    if (name) names.push(name.text);
  }
  return names;
}

const spanOf = (n: Node) => ({ start: n.startIndex, end: n.endIndex });

function fieldsOf(body: Node | null, prefix: string, uses: UseMap): FieldFacts[] {
  const fields: FieldFacts[] = [];
  if (!body) return fields;
  if (body.type === 'field_declaration_list') {
    for (const f of body.namedChildren) {
      if (f?.type !== 'field_declaration') continue;
      const name = f.childForFieldName('name');
      const type = f.childForFieldName('type');
      const visible = f.namedChildren.some((c) => c?.type === 'visibility_modifier');
      if (name && type) fields.push({ name: prefix + name.text, type: typeFromNode(type, uses), typeSpan: spanOf(type), nameSpan: spanOf(name), visible });
    }
  } else if (body.type === 'ordered_field_declaration_list') {
    let i = 0;
    for (const type of body.childrenForFieldName('type')) {
      if (type) fields.push({ name: prefix + String(i), type: typeFromNode(type, uses), typeSpan: spanOf(type), nameSpan: spanOf(type) });
      i++;
    }
  }
  return fields;
}

function structFacts(node: Node, uses: UseMap): StructFacts | undefined {
  const name = node.childForFieldName('name');
  if (!name) return undefined;
  const base = { name: name.text, typeParams: typeParamsOf(node), span: spanOf(node) };
  if (node.type !== 'enum_item') return { ...base, kind: 'struct', fields: fieldsOf(node.childForFieldName('body'), '', uses) };
  const fields: FieldFacts[] = [];
  for (const v of node.childForFieldName('body')?.namedChildren ?? []) {
    if (v?.type !== 'enum_variant') continue;
    const vname = v.childForFieldName('name');
    fields.push(...fieldsOf(v.childForFieldName('body'), `${vname?.text ?? '?'}.`, uses));
  }
  return { ...base, kind: 'enum', fields };
}

/** An item with its kind, read once: every `type` read crosses into WASM. */
interface ModuleItem {
  item: Node;
  type: string;
  module: Node | null;
  parentModule: Node | null;
}

/** Items of the file and of inline `mod` blocks, in order, each with the body of the `mod` it sits in (null: the file). */
export function* itemsWithModule(container: Node): Generator<ModuleItem> {
  // Iterative (an explicit stack of child lists): 10,000 nested `mod`s must not overflow the stack.
  const stack: { children: (Node | null)[]; next: number; module: Node | null }[] = [{ children: container.namedChildren, next: 0, module: null }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next >= top.children.length) {
      stack.pop();
      continue;
    }
    const child = top.children[top.next++];
    if (!child) continue;
    const type = child.type;
    if (type === 'mod_item') {
      const body = child.childForFieldName('body');
      if (body) {
        yield { item: child, type, module: body, parentModule: top.module };
        stack.push({ children: body.namedChildren, next: 0, module: body });
      }
      continue;
    }
    if (ITEM_KINDS.has(type)) yield { item: child, type, module: top.module, parentModule: null };
  }
}

export function* itemsOf(container: Node): Generator<Node> {
  for (const { item, type } of itemsWithModule(container)) if (type !== 'mod_item') yield item;
}

/**
 * Each inline `mod` has its own imports (it does not see the file's, except through `use super::*`);
 * its map hangs off the file's map, keyed by the start of the mod's body.
 */
function moduleUseMaps(entries: ModuleItem[]): UseMap {
  const root = emptyUseMap();
  root.modules = new Map();
  const mapOf = (module: Node | null) => (module ? root.modules!.get(module.startIndex) ?? root : root);
  for (const { type, module, parentModule } of entries) {
    if (type === 'mod_item' && module) root.modules.set(module.startIndex, { names: new Map(), globs: [], parent: mapOf(parentModule), modules: root.modules });
  }
  for (const { item, type, module } of entries) if (type === 'use_declaration') addUseDeclaration(item, mapOf(module));
  return root;
}

const MAX_MODULE_PATH = 200;

function withoutSpans(type: TypeRef | undefined): TypeRef | undefined {
  if (!type) return undefined;
  const bare: TypeRef = { path: type.path, args: type.args.length ? type.args.map((a) => withoutSpans(a)!) : type.args };
  if (type.reference) bare.reference = true;
  return bare;
}

/** Reads the file's facts. Imports are read first so types in any item resolve against all of them. */
/** Built-in types, and tuples and arrays: no rule acts on a value whose type is made of these alone. */
const PRIMITIVES = new Set(['bool', 'char', 'str', 'i8', 'i16', 'i32', 'i64', 'i128', 'isize', 'u8', 'u16', 'u32', 'u64', 'u128', 'usize', 'f32', 'f64', '(..)', '[..]']);

/** `&[(char, char)]`, `&str`, `usize`: no rule reads a static of such a type, so its type is left out of the facts. */
function madeOfPrimitives(type: TypeRef): boolean {
  return PRIMITIVES.has(type.path) && type.args.every(madeOfPrimitives);
}

export function collectFacts(root: Node): FileFacts {
  const entries = [...itemsWithModule(root)];
  const uses = moduleUseMaps(entries);
  const usesOf = (module: Node | null) => (module ? uses.modules!.get(module.startIndex) ?? uses : uses);
  const facts: FileFacts = { uses, structs: new Map(), aliases: new Map(), statics: new Map(), consts: [], fnReturns: new Map(), signature: '' };
  // Fed item by item (no joined copy of every item's text): equal digests mean equal facts.
  const digest = createHash('sha1');
  const signature = { push: (part: string) => digest.update(part).update('\n') };
  // Statics and consts are read for their type only (never rewritten: no fix edits one), and a crate's thousands of
  // consts (libc, winapi) have a handful of types: one span-free TypeRef per written type and module.
  const staticTypes = new Map<string, TypeRef | undefined>();
  const staticType = (node: Node | null, module: Node | null, uses: UseMap): TypeRef | undefined => {
    if (!node) return undefined;
    const key = `${module?.id ?? ''}\u0000${node.text}`;
    if (!staticTypes.has(key)) staticTypes.set(key, withoutSpans(typeFromNode(node, uses)));
    return staticTypes.get(key);
  };
  // Which module an item sits in is part of its facts (its imports): a stray `}` can move items between modules.
  const modulePaths = new Map<number, string>();
  const pathOf = (module: Node | null) => (module ? modulePaths.get(module.id) ?? '?' : '');
  for (const { item, type, module, parentModule } of entries) {
    if (type === 'mod_item' && module) {
      // Bounded: 10,000 nested `mod`s would otherwise make the paths quadratic in size.
      const parent = pathOf(parentModule);
      modulePaths.set(module.id, parent.length > MAX_MODULE_PATH ? parent : `${parent}::${item.childForFieldName('name')?.text ?? '?'}`);
      signature.push(`mod ${pathOf(module)}`);
      continue;
    }
    const uses = usesOf(module);
    if (module) signature.push(pathOf(module));
    switch (type) {
      case 'use_declaration':
        signature.push(item.text);
        break;
      case 'struct_item':
      case 'enum_item':
      case 'union_item': {
        const s = structFacts(item, uses);
        if (s) facts.structs.set(s.name, s);
        signature.push(item.text);
        break;
      }
      case 'type_item': {
        const name = item.childForFieldName('name');
        if (name) facts.aliases.set(name.text, { name: name.text, typeParams: typeParamsOf(item), type: typeFromNode(item.childForFieldName('type'), uses) });
        signature.push(item.text);
        break;
      }
      case 'static_item': {
        const name = item.childForFieldName('name');
        const type = staticType(item.childForFieldName('type'), module, uses);
        if (name) facts.statics.set(name.text, type && !madeOfPrimitives(type) ? { name: name.text, type, span: spanOf(item) } : { name: name.text });
        signature.push(item.text);
        break;
      }
      case 'const_item': {
        const name = item.childForFieldName('name');
        if (name) facts.consts.push(name.text);
        signature.push(item.text);
        break;
      }
      case 'function_item': {
        const returnType = item.childForFieldName('return_type');
        const ret = returnType && typeFromNode(returnType, uses);
        const name = ret && item.childForFieldName('name')?.text;
        if (name) {
          facts.fnReturns.set(name, ret);
          signature.push(`fn ${name} -> ${returnType.text}`);
        }
        break;
      }
    }
  }
  // A digest, not the text: item texts of a 2,900-file workspace held 6.5 M characters only to be compared.
  facts.signature = digest.digest('base64');
  return facts;
}
