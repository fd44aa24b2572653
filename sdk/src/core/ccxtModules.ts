import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ccxtRoot from 'ccxt';
import type { Exchange } from 'ccxt';

/**
 * ccxt one exchange at a time. The package root (`import 'ccxt'`) evaluates every exchange ccxt
 * ships, REST and pro (about 1.05 s of CPU and 50 MB of RSS on the 2-core reference machine);
 * one pro exchange with the base classes it imports is about 0.33 s. An engine talks to one
 * exchange, so it loads that exchange's module file and ccxt's error classes, nothing else.
 *
 * The files are ccxt's own ESM build (`js/src/pro/<id>.js`, `js/src/base/errors.js`), the very
 * modules the package root imports: Node keys modules by their resolved file, so a class loaded
 * here is the same object as the root's (`ccxt.pro.blofin`, `ccxt.BadRequest`), and `instanceof`
 * holds between them whichever way either side was loaded. ccxt's `exports` map names only the
 * root, so the files are reached by path from where the root resolves.
 */

/** A ccxt pro exchange class (REST and websocket in one). */
export type CcxtProClass = new (options?: Record<string, unknown>) => Exchange;

/** ccxt's error classes: the `errors` namespace of the package root. */
export type CcxtErrorClasses = typeof ccxtRoot.errors;

/** ccxt's ESM build directory (`<package>/js`), from the CommonJS entry `require` resolves to. */
function ccxtJsDir(): string {
  // `require.resolve('ccxt')` gives `<package>/dist/ccxt.cjs`; the ESM build sits beside `dist`.
  const cjsEntry = createRequire(import.meta.url).resolve('ccxt');
  return join(dirname(dirname(cjsEntry)), 'js');
}

const JS_DIR = ccxtJsDir();
const PRO_DIR = join(JS_DIR, 'src', 'pro');
/** An exchange id as ccxt spells its ids and file names; anything else is refused before a path is built. */
const EXCHANGE_ID = /^[a-z0-9]+$/;

const loadedClasses = new Map<string, Promise<CcxtProClass | undefined>>();

async function importProClass(id: string): Promise<CcxtProClass | undefined> {
  const file = join(PRO_DIR, `${id}.js`);
  if (existsSync(file)) return ((await import(pathToFileURL(file).href)) as { default: CcxtProClass }).default;
  // A ccxt whose build is laid out differently still works, through the root, at the root's cost.
  if (existsSync(PRO_DIR)) return undefined;
  const root = (await import('ccxt')).default;
  return (root.pro as unknown as Record<string, CcxtProClass | undefined>)[id];
}

/**
 * ccxt's pro class for `exchangeId` (`blofin`, `binanceusdm`, `htx`...), loading that exchange's
 * module and no other; undefined for an id ccxt has no pro class for. Each class loads once.
 */
export function loadCcxtProClass(exchangeId: string): Promise<CcxtProClass | undefined> {
  if (!EXCHANGE_ID.test(exchangeId)) return Promise.resolve(undefined);
  let loading = loadedClasses.get(exchangeId);
  if (!loading) {
    loading = importProClass(exchangeId);
    loadedClasses.set(exchangeId, loading);
  }
  return loading;
}

/** The ids ccxt has a pro class for, sorted: for messages that list what an unknown id could have been. */
export function ccxtProExchangeIds(): string[] {
  if (!existsSync(PRO_DIR)) return [];
  return readdirSync(PRO_DIR)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .filter((id) => EXCHANGE_ID.test(id))
    .sort();
}

async function importErrorClasses(): Promise<CcxtErrorClasses> {
  const file = join(JS_DIR, 'src', 'base', 'errors.js');
  if (existsSync(file)) return (await import(pathToFileURL(file).href)) as CcxtErrorClasses;
  return (await import('ccxt')).errors;
}

/**
 * ccxt's error classes (`BadRequest`, `DuplicateOrderId`...), the same objects the exchange
 * classes throw, without the package root. A small module: loaded when this one is.
 */
export const ccxtErrorClasses: CcxtErrorClasses = await importErrorClasses();
