import { SystemClock, type Clock } from '../../core/clock.js';
import { openStore, type EventSearch, type Ledger, type StoredEvent } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { SinceSpec } from '../parseOptions.js';
import type { GlobalOptions } from '../program.js';
import { renderTable } from '../render/table.js';

export interface EventsCliOptions extends GlobalOptions {
  since?: SinceSpec;
  types?: string[];
  symbol?: string;
  ledger?: Ledger;
  limit?: number;
  /** Keep printing new events until interrupted. */
  follow?: boolean;
  json?: boolean;
}

export interface EventsDeps {
  clock?: Clock;
  /** Pause between reads of the log with `--follow`. */
  followPollMs?: number;
}

const PAYLOAD_CHARS = 160;

function payloadText(payload: unknown): string {
  const text = JSON.stringify(payload) ?? '';
  return text.length > PAYLOAD_CHARS ? `${text.slice(0, PAYLOAD_CHARS - 1)}…` : text;
}

function print(io: CliIo, events: readonly StoredEvent[], asJson: boolean): void {
  if (asJson) {
    for (const e of events) io.out(JSON.stringify(e));
    return;
  }
  if (events.length === 0) return;
  io.out(
    renderTable(
      events,
      [
        { header: 'seq', cell: (e) => String(e.seq) },
        { header: 'time (UTC)', align: 'left', cell: (e) => new Date(e.atMs).toISOString().replace('T', ' ').slice(0, 19) },
        { header: 'type', align: 'left', cell: (e) => e.type },
        { header: 'ledger', align: 'left', cell: (e) => e.ledger ?? '-', drop: 2 },
        { header: 'symbol', align: 'left', cell: (e) => e.symbol ?? '-', drop: 1 },
        { header: 'payload', align: 'left', cell: (e) => payloadText(e.payload), flex: true },
      ],
      io.columns !== undefined ? { maxWidth: io.columns } : {},
    ),
  );
}

const waitOrInterrupt = (ms: number, interrupted: Promise<void>): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    interrupted.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => resolve(true),
    );
  });

/**
 * `perpscope events`: reads the append-only event log (orders' alerts, kill switch, funding,
 * protection moves, reconciliations, ...) with filters. A table in a terminal, one JSON object per
 * event with `--json` or when piped. With `--follow` it keeps printing new events until
 * interrupted; the store is opened read-mostly alongside a running engine (SQLite WAL).
 * Returns the number of events printed.
 */
export async function runEvents(opts: EventsCliOptions, io: CliIo, deps: EventsDeps = {}): Promise<number> {
  const { home } = loadCliConfig(opts, io.env, {});
  const clock = deps.clock ?? new SystemClock();
  const asJson = opts.json === true || !io.isTTY;
  const since = opts.since === undefined ? undefined : 'atMs' in opts.since ? opts.since.atMs : clock.nowMs() - opts.since.agoMs;
  const filter: EventSearch = {
    ...(since !== undefined ? { sinceMs: since } : {}),
    ...(opts.types !== undefined ? { types: opts.types } : {}),
    ...(opts.symbol !== undefined ? { symbol: opts.symbol } : {}),
    ...(opts.ledger !== undefined ? { ledger: opts.ledger } : {}),
  };
  const store = openStore({ home });
  let printed = 0;
  try {
    // `--limit` alone means the newest N; with `--since`, the first N from then. Both print oldest first.
    const events = store.events.search({ ...filter, ...(opts.limit !== undefined ? { limit: opts.limit, newest: opts.since === undefined } : {}) });
    if (events.length === 0 && !opts.follow && !asJson) io.out(`no events in ${home} match`);
    print(io, events, asJson);
    printed += events.length;
    if (!opts.follow) return printed;
    let afterSeq = events.at(-1)?.seq ?? store.events.lastSeq();
    for (;;) {
      if (await waitOrInterrupt(deps.followPollMs ?? 1_000, io.interrupted)) return printed;
      const fresh = store.events.search({ ...filter, afterSeq });
      print(io, fresh, asJson);
      printed += fresh.length;
      afterSeq = fresh.at(-1)?.seq ?? afterSeq;
    }
  } finally {
    store.close();
  }
}
