import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, readDefinitionSources } from './definitions';

describe('readDefinitionSources', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-defs-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the YAML and JSON files of a folder in name order, not its subfolders or other files', () => {
    writeFileSync(join(dir, 'b.yaml'), 'name: b\nsteps: []\n');
    writeFileSync(join(dir, 'a.json'), '{"name":"a","steps":[]}');
    writeFileSync(join(dir, 'notes.md'), '# not a definition');
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'c.yml'), 'name: c\n');
    expect(readDefinitionSources(dir)).toEqual([
      { label: join(dir, 'a.json'), text: '{"name":"a","steps":[]}' },
      { label: join(dir, 'b.yaml'), text: 'name: b\nsteps: []\n' },
    ]);
  });

  it('sends each document of a multi-document YAML file on its own, and a single document as written', () => {
    const file = join(dir, 'two.yaml');
    writeFileSync(file, '---\nname: one\nsteps: []\n---\nname: two\nsteps: []\n---\n');
    const sources = readDefinitionSources(file);
    expect(sources.map((s) => s.label)).toEqual([`${file}#1`, `${file}#2`]);
    expect(sources[0].text).toContain('name: one');
    expect(sources[0].text).not.toContain('name: two');
    expect(sources[1].text).toContain('name: two');
    const single = join(dir, 'one.yaml');
    writeFileSync(single, '# a comment\nname: one\nsteps: []\n');
    expect(readDefinitionSources(single)).toEqual([{ label: single, text: '# a comment\nname: one\nsteps: []\n' }]);
  });

  it('says what it cannot read', () => {
    expect(() => readDefinitionSources(join(dir, 'missing.yaml'))).toThrow(/cannot read .*missing\.yaml: ENOENT/);
    expect(() => readDefinitionSources(dir)).toThrow(/no \.yaml, \.yml or \.json file/);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth and leaves out undefined, so equal definitions compare equal', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, e: 'x' }] })).toBe('{"a":[{"d":2,"e":"x"}],"b":1}');
    expect(canonicalJson({ name: 'w', steps: [] })).toBe(canonicalJson({ steps: [], name: 'w' }));
  });
});
