import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { runKeys } from '../../src/cli/commands/keys.js';
import { parseSecretText } from '../../src/cli/readSecretInput.js';
import { checkSecret, type ExchangeSecret, type SecretRef, type SecretStore } from '../../src/secrets/index.js';
import { captureIo } from '../cli/testIo.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { thrownError } from '../thrownError.js';


/** A store that records writes, so a test can prove nothing was stored. */
function recordingStore(): SecretStore & { saved: [SecretRef, ExchangeSecret][] } {
  const saved: [SecretRef, ExchangeSecret][] = [];
  return {
    saved,
    set: (ref, secret) => {
      checkSecret(secret);
      saved.push([ref, secret]);
      return Promise.resolve();
    },
    get: () => Promise.resolve(null),
    delete: () => Promise.resolve(false),
    list: () => Promise.resolve([]),
  };
}

describe('keys set validates the types of piped JSON', () => {
  it('refuses {"a":1}: names each missing field and the unknown key', () => {
    const e = thrownError(InvalidInputError, () => parseSecretText('{"a":1}'));
    expect(e.code).toBe(ErrorCode.InvalidInput);
    expect(e.issues).toEqual([
      { path: 'apiKey', received: 'nothing', expected: 'a non-empty string' },
      { path: 'secret', received: 'nothing', expected: 'a non-empty string' },
      { path: 'a', received: 'an unknown key', expected: 'only apiKey, secret and password' },
    ]);
  });

  it('refuses an object where a string belongs instead of storing "[object Object]"', () => {
    const e = thrownError(InvalidInputError, () => parseSecretText('{"apiKey":{"a":1},"secret":"s3cr3t-VALUE","password":42}'));
    expect(e.issues.map((i) => `${i.path}: ${i.received}`)).toEqual(['apiKey: an object', 'password: a number']);
    expect(e.message, 'says what was expected').toContain('a non-empty string');
    expect(e.message, 'never echoes key material').not.toContain('s3cr3t-VALUE');
  });

  it('refuses JSON that is not an object', () => {
    expect(thrownError(InvalidInputError, () => parseSecretText('{"apiKey":"k","secret":"s"')).issues[0]?.path).toBe('(stdin)');
    expect(thrownError(InvalidInputError, () => parseSecretText('{}')).issues.map((i) => i.path)).toEqual(['apiKey', 'secret']);
  });

  it('accepts well-typed input unchanged', () => {
    expect(parseSecretText('{"apiKey":"k","secret":"s"}')).toEqual({ apiKey: 'k', secret: 's' });
    expect(parseSecretText('{"apiKey":"k","secret":"s","password":"p"}')).toEqual({ apiKey: 'k', secret: 's', password: 'p' });
  });

  it('the CLI stores nothing and reports the field', async () => {
    const store = recordingStore();
    const io = captureIo();
    const stdin = Object.assign(Readable.from(['{"apiKey":{"a":1},"secret":"s"}']), { isTTY: false });
    await expect(runKeys('set', { exchange: 'blofin', label: 'main' }, io, { store, stdin })).rejects.toThrow(/apiKey: got an object, expected a non-empty string/);
    expect(store.saved, 'nothing stored').toEqual([]);
  });

  it('the store itself refuses non-string fields from any caller, naming the type', () => {
    const e = thrownError(InvalidInputError, () => checkSecret({ apiKey: { a: 1 } as unknown as string, secret: 's' }));
    expect(e.issues).toEqual([{ path: 'apiKey', received: 'a value of type object', expected: 'a non-empty string up to 512 characters' }]);
  });
});
