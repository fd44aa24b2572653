import { TimeframeSchema } from '@perpscope/shared';
import { z } from 'zod';
import { AlertRulesConfigSchema, AlertSinksConfigSchema } from '../alerts/alertsConfig.js';
import { LOG_LEVELS } from '../core/logLevel.js';
import { RiskConfigSchema } from '../risk/config.js';
import { SignalEngineConfigSchema } from '../signals/config.js';
import { AutoTraderConfigSchema } from '../trading/autoTraderConfig.js';

/**
 * The one configuration schema. Every field has a default so an empty config is valid; sources
 * override each other in the order defaults < config file < PERPSCOPE_* env < explicit options.
 */
export const UniverseConfigSchema = z
  .object({
    minQuoteVolumeUsd: z.number().nonnegative().default(1_000_000),
    minPrice: z.number().nonnegative().default(0),
    /** Widest bid/ask spread allowed; null turns the gate off (replays have no quotes). */
    maxSpreadBps: z.number().positive().nullable().default(50),
    include: z.array(z.string()).default([]),
    exclude: z.array(z.string()).default([]),
    /** Glob patterns matched against base, exchange id and unified symbol, e.g. `BTCDOM-*`. */
    excludePatterns: z.array(z.string()).default([]),
    blueChips: z.array(z.string()).default(['BTC', 'ETH', 'SOL', 'XRP', 'BNB', 'DOGE']),
    blueChipOnly: z.boolean().default(false),
    topN: z.number().int().positive().default(400),
    refreshMs: z.number().int().positive().default(300_000),
  })
  .strict();

export const SimConfigSchema = z
  .object({
    symbols: z.number().int().positive().max(5_000).default(200),
    seed: z.number().int().default(1),
    dataDir: z.string().optional(),
    acceleration: z.number().positive().default(1),
    rateLimitScale: z.number().positive().default(1),
    /** Sim time at start, in epoch ms (default: now). Pinned, the generated market is the same every run. */
    startTimeMs: z.number().int().positive().optional(),
    /** Sim time stays at the start until resumed: one fixed moment, as `scan --sim --start` uses. */
    pausedAtStart: z.boolean().default(false),
    /**
     * Which of several simulated venues this sim stands for (`scan --sim --exchange a,b` sets it
     * per venue): the seed's market with a synthetic per-symbol basis (|basis| <= 12 bps) and
     * funding offset (<= 3 bps per 8h), so venues on one seed differ by a plausible few bps.
     * Absent or index 0: the seed's market unchanged. Ignored with `dataDir`.
     */
    venue: z
      .object({ index: z.number().int().min(0).max(1_000) })
      .strict()
      .optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** ccxt exchange id; `sim` starts SimExchange in-process. */
    exchange: z.string().min(1).default('blofin'),
    /**
     * The exchange's testnet through ccxt's sandbox mode (BloFin's demo trading, Binance USD-M's
     * futures testnet, Bybit's testnet); an exchange without one in ccxt (HTX) is refused at start.
     * Testnet keys are separate keys: store them under their own label.
     */
    sandbox: z.boolean().default(false),
    mode: z.enum(['paper', 'live']).default('paper'),
    /** Config and data directory; defaults to the OS user data dir. */
    home: z.string().optional(),
    timeframes: z.array(TimeframeSchema).min(1).default(['15m', '1h']),
    backfillBars: z.number().int().min(50).max(10_000).default(500),
    ringCapacity: z.number().int().min(100).max(1_000_000).default(2_000),
    universe: UniverseConfigSchema.default(() => UniverseConfigSchema.parse({})),
    sim: SimConfigSchema.default(() => SimConfigSchema.parse({})),
    profile: z.string().min(1).default('swing'),
    /**
     * Rankings: `side: 'evidence'` shows each profile's rows on the side its shipped orientation
     * chose from recorded history (`ranking/orientations/default.json`); `'momentum'` always on
     * the side of the trend.
     */
    ranking: z
      .object({ side: z.enum(['evidence', 'momentum']).default('evidence') })
      .strict()
      .default({ side: 'evidence' }),
    /** Records at or above this go to `<home>/logs/perpscope.log` (run, serve, desktop); warn and error also reach run's alert lines. */
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** Per-request timeout for exchange calls. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Live candle updates older than this fall back to REST polling. */
    staleAfterMs: z.number().int().positive().optional(),
    /** RiskPolicy gates and sizing; every order, paper or live, passes them. */
    risk: RiskConfigSchema.prefault({}),
    /** Signal engine: strategies, blend, bandit, regime, labeler, selection. */
    signals: SignalEngineConfigSchema.prefault({}),
    /** AutoTrader: TP/SL, pyramiding, restart behaviour and the edge gate (`autotrade.edge`). */
    autotrade: AutoTraderConfigSchema.prefault({}),
    /**
     * Book, trades, funding, open interest and mark for the universe, refreshed by run, serve and
     * the desktop so that spreads, depth, slippage and the radar's order-flow rules see real figures.
     */
    orderFlow: z
      .object({
        /** Pause between the end of one pass and the start of the next (wall time). */
        refreshMs: z.number().int().min(1_000).default(30_000),
        /** Symbols per pass, by 24h volume rank: a pass costs about five requests per symbol. */
        maxSymbols: z.number().int().positive().default(150),
      })
      .strict()
      .default({ refreshMs: 30_000, maxSymbols: 150 }),
    /** Alerts the engine raises (calibration drift is under signals.reliability) and where they are sent. */
    alerts: z
      .object({
        /**
         * A held or watched symbol whose radar score (0-100, a heuristic, not a probability)
         * reaches this raises one `manipulation` alert until it falls 10 points below; null: off.
         * docs/manipulation.md has how often 90 is reached on recorded data.
         */
        manipScore: z.number().min(0).max(100).nullable().default(90),
        /** Rules that turn engine events into messages for the sinks (docs/alerts.md). */
        rules: AlertRulesConfigSchema.prefault({}),
        /** Where alert messages go; secrets live in the OS keychain (docs/alerts.md). */
        sinks: AlertSinksConfigSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    /** The local database. */
    store: z
      .object({
        /** Stored signals older than this many days of market time, with their labels, are deleted. */
        signalRetentionDays: z.number().positive().max(3_650).default(30),
      })
      .strict()
      .default({ signalRetentionDays: 30 }),
    /** Headless server mode (`perpscope serve`). */
    serve: z
      .object({
        /** Bearer token; a random one is generated per run when absent. Set it via PERPSCOPE_SERVE__TOKEN, never argv. */
        token: z.string().min(16).optional(),
      })
      .strict()
      .default({}),
    /** Desktop Backtest view. */
    backtest: z
      .object({
        /**
         * Recorded-data directories the desktop host offers as backtest datasets
         * (`PERPSCOPE_BACKTEST__DATA_DIRS=/a,/b`). Each is a dataset itself (the layouts of
         * `perpscope backtest --data`) or holds datasets as its immediate subdirectories.
         */
        dataDirs: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ dataDirs: [] }),
    /** The MCP server (`perpscope mcp`) that AI assistants talk to (docs/mcp.md). */
    mcp: z
      .object({
        /**
         * Lets MCP clients place and close orders while the session is armed live. Off: they are
         * refused with PERMISSION_DENIED and only paper sessions take MCP orders.
         */
        allowLiveOrders: z.boolean().default(false),
      })
      .strict()
      .default({ allowLiveOrders: false }),
    /**
     * The TradingView webhook gateway (docs/webhook.md): a separate HTTP server whose alerts go
     * through the same order path as a ticket (RiskPolicy, kill switch).
     */
    webhook: z
      .object({
        /** The desktop app starts the gateway when true; `perpscope serve --webhook` starts it regardless. */
        enabled: z.boolean().default(false),
        /** Port the gateway listens on (127.0.0.1 unless `--webhook-host` says otherwise). */
        port: z.number().int().min(0).max(65_535).default(8_788),
        /**
         * Shared secret every alert must carry (body `secret` or header `x-perpscope-secret`). The
         * gateway refuses to start without it. Set it via PERPSCOPE_WEBHOOK__SECRET, never argv.
         */
        secret: z.string().min(16).max(512).optional(),
        /** Order size in USD when the alert names none; RiskPolicy's manual-notional cap still applies. */
        notionalUsd: z.number().positive().default(50),
        /** An alert whose `time` is further than this from now (either way) is refused. */
        maxAgeMs: z.number().int().positive().default(300_000),
        /** Larger bodies are refused with 413. */
        maxBodyBytes: z.number().int().min(256).max(1_048_576).default(16_384),
        /** Requests per minute per remote address; more are refused with 429. */
        ratePerMinute: z.number().int().positive().max(1_000_000).default(60),
        /** How long a request waits for its order before replying 202 `pending` (TradingView gives up after about 3 s). */
        replyWithinMs: z.number().int().min(0).max(10_000).default(2_500),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.mode === 'live' && cfg.exchange === 'sim') {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'paper when exchange is sim (SimExchange has no real money)' });
    }
    if (cfg.universe.blueChipOnly && cfg.universe.blueChips.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['universe', 'blueChips'], message: 'a non-empty list when blueChipOnly is true' });
    }
  });

export type PerpscopeConfig = z.infer<typeof ConfigSchema>;
/** What a caller may pass: any subset, deeply. */
export type PerpscopeConfigInput = z.input<typeof ConfigSchema>;
