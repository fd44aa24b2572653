import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RiskPolicy, type DailyAnchor, type RiskConfig } from '../risk/index.js';
import type { Ledger, StoredOrder, Store } from '../store/index.js';
import { AutoTrader, AutoTraderConfigSchema, type AutoTraderConfigInput } from './autoTrader.js';
import type { EdgeGateStatus } from './edgeGate.js';
import type { EdgeEvidenceFile } from '../signals/edgeEvidence.js';
import { CcxtBroker, type HaltState } from './ccxtBroker.js';
import { KillSwitch, type KillSwitchState } from './killSwitch.js';
import { PaperBroker, type PaperMarketSpec } from './paperBroker.js';
import { ProtectionManager } from './protection.js';
import { withExchangePriority } from './priorityThrottle.js';
import { LimiterPriority } from '../market/weightedLimiter.js';
import type { Broker, BrokerAccount, BrokerPosition } from './types.js';

export interface TradingStackOptions {
  mode: 'paper' | 'live';
  store: Store;
  clock: Clock;
  risk: RiskConfig;
  /** The exchange id rows are kept under (e.g. `blofin`). */
  exchangeId: string;
  /** Live only: a ccxt exchange with credentials. Paper never receives one. */
  exchange?: Exchange;
  /** Paper only: fees and margin parameters per symbol. */
  paperMarket?: (symbol: string) => PaperMarketSpec | undefined;
  paperInitialBalanceUsd?: number;
  /** Perpscope home: its `.panic` file turns the kill switch on. */
  home?: string;
  autoTrader?: AutoTraderConfigInput;
  /** The edge evidence the engine's signals carry (the trader's status names it); null: none. */
  edgeEvidence?: EdgeEvidenceFile | null;
  roundAmount?: (symbol: string, amountBase: number) => number;
  logger?: Logger;
}

/** What `trading.status` reports. */
export interface TradingStatus {
  mode: 'paper' | 'live';
  ledger: Ledger;
  exchange: string;
  killSwitch: KillSwitchState;
  halted: HaltState | null;
  account: BrokerAccount;
  positions: BrokerPosition[];
  openOrders: StoredOrder[];
  /** What the AutoTrader's edge gate lets through. */
  edge: EdgeGateStatus;
}

/** The wired trading side of the app: one broker, its risk policy, protection, auto-trader and kill switch. */
export interface TradingStack {
  broker: Broker;
  risk: RiskPolicy;
  killSwitch: KillSwitch;
  protection: ProtectionManager;
  autoTrader: AutoTrader;
  status(): Promise<TradingStatus>;
}

/**
 * Builds the trading side for `perpscope run`, the desktop host and the CLI: the RiskPolicy
 * (kill switch from config, store and `.panic` file; the daily loss anchor persisted in the
 * store), then the paper or live broker, protection and the AutoTrader. Paper mode never gets an
 * exchange client, so it cannot reach a private endpoint.
 */
export function createTradingStack(o: TradingStackOptions): TradingStack {
  const anchorKey = `trading.${o.mode}.${o.exchangeId}.dailyAnchor`;
  const killSwitch = new KillSwitch({ store: o.store, clock: o.clock, configOn: o.risk.gates.killSwitch, ...(o.home !== undefined ? { home: o.home } : {}) });
  const stored = o.store.settings.get(anchorKey) as DailyAnchor | undefined;
  const risk = new RiskPolicy(o.risk, {
    clock: o.clock,
    isKillSwitchOn: killSwitch.isOn,
    initialAnchor: stored && typeof stored.dayStartMs === 'number' && typeof stored.equityUsd === 'number' ? stored : null,
    onAnchor: (anchor) => o.store.settings.set(anchorKey, anchor, o.clock.nowMs()),
  });
  const autoTraderConfig = AutoTraderConfigSchema.parse(o.autoTrader ?? {});
  const { stopRetryBackoffMs, stopMarkTrigger, errorBurst } = autoTraderConfig;
  let broker: Broker;
  let halted: () => HaltState | null = () => null;
  if (o.mode === 'live') {
    if (!o.exchange) throw new ConfigError([{ path: 'exchange', received: 'undefined', expected: 'a ccxt exchange with API keys for live trading' }]);
    const live = new CcxtBroker({ store: o.store, clock: o.clock, risk, exchange: o.exchange, exchangeId: o.exchangeId, errorBurst, ...(o.logger ? { logger: o.logger } : {}) });
    halted = () => live.halted();
    broker = live;
  } else {
    if (!o.paperMarket) throw new ConfigError([{ path: 'paperMarket', received: 'undefined', expected: 'fees per symbol for the paper broker' }]);
    broker = new PaperBroker({ store: o.store, clock: o.clock, risk, exchange: o.exchangeId, market: o.paperMarket, ...(o.paperInitialBalanceUsd !== undefined ? { initialBalanceUsd: o.paperInitialBalanceUsd } : {}), ...(o.logger ? { logger: o.logger } : {}) });
  }
  const protection = new ProtectionManager({ broker, store: o.store, clock: o.clock, stopRetryBackoffMs, markTrigger: stopMarkTrigger, ...(o.logger ? { logger: o.logger } : {}), ...(o.roundAmount ? { roundAmount: o.roundAmount } : {}) });
  const autoTrader = new AutoTrader({ broker, risk, protection, store: o.store, clock: o.clock, killSwitch, config: autoTraderConfig, evidence: o.edgeEvidence ?? null, ...(o.roundAmount ? { roundAmount: o.roundAmount } : {}), ...(o.logger ? { logger: o.logger } : {}) });
  return {
    broker,
    risk,
    killSwitch,
    protection,
    autoTrader,
    async status(): Promise<TradingStatus> {
      // A screen polls this: its reads queue behind a trader's orders and the broker's own checks.
      const [account, positions] = await withExchangePriority(LimiterPriority.normal, () => Promise.all([broker.fetchAccount(), broker.fetchPositions()]));
      return { mode: o.mode, ledger: broker.ledger, exchange: broker.exchange, killSwitch: killSwitch.state(), halted: halted(), account, positions, openOrders: broker.openOrders(), edge: autoTrader.edgeStatus() };
    },
  };
}
