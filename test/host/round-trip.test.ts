import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseStateKey } from '../../src/host/round-trip.js';

describe('state key files', () => {
  const key = randomBytes(32);
  it('read hex or base64, whitespace anywhere ignored', () => {
    expect(Buffer.from(parseStateKey(`${key.toString('hex')}\n`))).toEqual(key);
    const hex = key.toString('hex');
    expect(Buffer.from(parseStateKey(`  ${hex.slice(0, 20)}\n${hex.slice(20)}  `))).toEqual(key);
    expect(Buffer.from(parseStateKey(key.toString('base64')))).toEqual(key);
    expect(Buffer.from(parseStateKey(key.toString('base64url')))).toEqual(key);
  });
  it('refuse fewer than 32 bytes, or text that is neither', () => {
    expect(() => parseStateKey(randomBytes(16).toString('hex'), 'k.key')).toThrow('k.key: 16 bytes; at least 32 random bytes are needed');
    expect(() => parseStateKey('not a key! '.repeat(8), 'k.key')).toThrow('k.key: not hex or base64');
    expect(() => parseStateKey('', 'k.key')).toThrow(/k\.key/);
  });
});
