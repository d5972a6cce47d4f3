import { RESOURCE_NAME_PATTERN } from '@mcpctl/protocol';
import { describe, expect, it } from 'vitest';
import { publishedName, toDnsLabel } from '../../src/config/published-name.js';

const ALICE = { hostname: 'Alice-Laptop.corp.example.com', userName: 'Alice.Smith' };

describe('publishedName', () => {
  it('uses publishName over any suffix', () => {
    expect(publishedName({ name: 'qwen', publishName: 'team-qwen' }, { publishNameSuffix: 'hostname' }, ALICE)).toBe('team-qwen');
  });

  it('is the provider name when no suffix is configured', () => {
    expect(publishedName({ name: 'qwen' }, {}, ALICE)).toBe('qwen');
  });

  it('appends the short host name or the user name as a DNS label', () => {
    expect(publishedName({ name: 'qwen' }, { publishNameSuffix: 'hostname' }, ALICE)).toBe('qwen-alice-laptop');
    expect(publishedName({ name: 'qwen' }, { publishNameSuffix: 'user' }, ALICE)).toBe('qwen-alice-smith');
    expect(publishedName({ name: 'qwen' }, { publishNameSuffix: 'user' }, { ...ALICE, userName: 'CORP\\Bob_Jones' })).toBe('qwen-corp-bob-jones');
    expect(publishedName({ name: 'qwen' }, { publishNameSuffix: 'hostname' }, { ...ALICE, hostname: '10.0.0.5' })).toBe('qwen-10-0-0-5');
  });

  it('uses any other suffix literally', () => {
    expect(publishedName({ name: 'qwen' }, { publishNameSuffix: 'gpu2' }, ALICE)).toBe('qwen-gpu2');
  });

  it('shortens a host or user suffix so the name stays a valid 63-character name', () => {
    const name = 'a-rather-long-provider-name-for-the-big-model';
    const identity = { hostname: 'workstation-in-the-basement-next-to-the-boiler', userName: 'x' };
    const published = publishedName({ name }, { publishNameSuffix: 'hostname' }, identity);
    expect(published.length).toBeLessThanOrEqual(63);
    expect(published.startsWith(`${name}-workstation`)).toBe(true);
    expect(published).toMatch(RESOURCE_NAME_PATTERN);
    // A cut that lands on a hyphen does not leave the name ending in one.
    const cut = publishedName({ name: 'x'.repeat(50) }, { publishNameSuffix: 'hostname' }, { hostname: 'abcdefghijk-lm', userName: '' });
    expect(cut).toBe(`${'x'.repeat(50)}-abcdefghijk`);
  });
});

describe('toDnsLabel', () => {
  it('keeps lower-case letters, digits and single inner hyphens', () => {
    expect(toDnsLabel('--Hello__World!!--')).toBe('hello-world');
    expect(toDnsLabel('x'.repeat(80))).toHaveLength(63);
  });
});
