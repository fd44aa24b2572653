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
import { CommandGate } from './commandGate.js';
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
  /** When `account` and `positions` were read (clock ms): earlier than now while a command runs. */
  accountReadAtMs: number;
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
  /** A trader's commands run through it; `status()` reads nothing from the exchange while one does. */
  commands: CommandGate;
  /**
   * The account and positions read from the broker, with the rest from memory. While a command
   * runs, the last read's account and positions (`accountReadAtMs` says when), unless there is none yet.
   */
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
  const commands = new CommandGate();
  /** The last account and positions read, answered while a command runs. */
  let lastRead: { account: BrokerAccount; positions: BrokerPosition[]; atMs: number } | null = null;
  const readAccount = () =>
    commands.background(async () => {
      const [account, positions] = await Promise.all([broker.fetchAccount(), broker.fetchPositions()]);
      lastRead = { account, positions, atMs: o.clock.nowMs() };
      return lastRead;
    });
  return {
    broker,
    risk,
    killSwitch,
    protection,
    autoTrader,
    commands,
    async status(): Promise<TradingStatus> {
      // A screen polls this. While a trader's command runs its exchange reads would queue ahead of
      // the command's (see CommandGate): it answers at once with the last account and positions
      // read and what memory holds (the kill switch, open orders), and reads afresh after.
      const read = commands.commandsRunning > 0 && lastRead ? lastRead : await readAccount();
      return {
        mode: o.mode,
        ledger: broker.ledger,
        exchange: broker.exchange,
        killSwitch: killSwitch.state(),
        halted: halted(),
        account: read.account,
        positions: read.positions,
        accountReadAtMs: read.atMs,
        openOrders: broker.openOrders(),
        edge: autoTrader.edgeStatus(),
      };
    },
  };
}
