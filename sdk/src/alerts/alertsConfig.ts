import { z } from 'zod';

/**
 * What each alert rule watches and how often it may speak. Every rule has its own dedupe cooldown
 * (per rule and key: the same symbol entering the top N twice within it is sent once) and its own
 * throttle (at most `maxPerWindow` messages per `throttleWindowMs`, whatever the key).
 */
export const AlertRulesConfigSchema = z
  .object({
    /** Length of every rule's throttle window, in ms. */
    throttleWindowMs: z.number().int().positive().default(3_600_000),
    /** A symbol entering the top N of the ranking's profile (the first snapshot only sets the baseline). */
    ranking: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** Size of the top list a symbol must enter to be reported. */
        topN: z.number().int().positive().max(100).default(5),
        /** The same (profile, symbol) entry is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(3_600_000),
        /** At most this many ranking alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(20),
      })
      .strict()
      .prefault({}),
    /** A held or watched symbol whose manipulation radar crossed `alerts.manipScore`. */
    manipulation: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** The same symbol is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(1_800_000),
        /** At most this many manipulation alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(20),
      })
      .strict()
      .prefault({}),
    /** Each new signal at or above `minProbability`. */
    signal: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** Signals whose probability (0..1) is below this are not sent. */
        minProbability: z.number().min(0).max(1).default(0),
        /** The same (symbol, timeframe, side) is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(900_000),
        /** At most this many signal alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(30),
      })
      .strict()
      .prefault({}),
    /** Each fill of an order (entries, exits and their reason). */
    fill: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** The same fill id is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(0),
        /** At most this many fill alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(60),
      })
      .strict()
      .prefault({}),
    /** The kill switch turning on or off, from any source. */
    killSwitch: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** The same state (on or off) is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(0),
        /** At most this many kill switch alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(30),
      })
      .strict()
      .prefault({}),
    /** A calibration drifting out of bound, or coming back within it. */
    drift: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** The same (calibration, state) is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(3_600_000),
        /** At most this many drift alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(10),
      })
      .strict()
      .prefault({}),
    /** A burst of exchange errors that halted new entries (`trading_halted`). */
    errors: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** The same halt is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(600_000),
        /** At most this many error alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(10),
      })
      .strict()
      .prefault({}),
    /** No engine event (health, ranking, signal...) heard for `heartbeatMs` of wall time. */
    heartbeat: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** Silence longer than this, in wall-clock ms, is reported once (and its end once). */
        heartbeatMs: z.number().int().positive().default(180_000),
        /** The same heartbeat state is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(0),
        /** At most this many heartbeat alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(10),
      })
      .strict()
      .prefault({}),
    /** Autotrade is on and signals keep coming, but no order was placed for `noTradeHours`. */
    noTrade: z
      .object({
        /** Send this rule's alerts. */
        enabled: z.boolean().default(true),
        /** Hours of wall time without an order (while autotrade is on) before the alert. */
        noTradeHours: z.number().positive().max(720).default(6),
        /** Signals needed within that time for the silence to count as an anomaly. */
        minSignals: z.number().int().positive().default(3),
        /** The anomaly is sent at most once within this many ms. */
        cooldownMs: z.number().int().nonnegative().default(21_600_000),
        /** At most this many no-trade alerts per throttle window. */
        maxPerWindow: z.number().int().positive().default(4),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AlertRulesConfig = z.infer<typeof AlertRulesConfigSchema>;

/**
 * Which alert sinks are on, with their non-secret options. Webhook URLs and the Telegram bot
 * token live in the OS keychain (`perpscope alerts set-sink <sink>`), never here.
 */
export const AlertSinksConfigSchema = z
  .object({
    /** Slack incoming webhook (URL in the keychain as `alerts:slack`). */
    slack: z
      .object({
        /** Send alerts to Slack. */
        enabled: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Discord webhook (URL in the keychain as `alerts:discord`). */
    discord: z
      .object({
        /** Send alerts to Discord. */
        enabled: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Telegram bot (token in the keychain as `alerts:telegram`). */
    telegram: z
      .object({
        /** Send alerts to Telegram. */
        enabled: z.boolean().default(false),
        /** Chat to post to: a numeric id (`-100...` for groups) or `@channelname`; required when enabled. */
        chatId: z.string().min(1).max(64).nullable().default(null),
      })
      .strict()
      .prefault({}),
    /** Any endpoint taking the alert as JSON (URL in the keychain as `alerts:webhook`). */
    webhook: z
      .object({
        /** POST each alert as JSON to the stored URL. */
        enabled: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** OS notifications from the desktop app. */
    desktop: z
      .object({
        /** Show alerts as OS notifications while the desktop app runs. */
        enabled: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AlertSinksConfig = z.infer<typeof AlertSinksConfigSchema>;
