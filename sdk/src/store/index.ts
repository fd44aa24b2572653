export { IN_MEMORY, openStore } from './store.js';
export type { OpenStoreOptions, Store, StorePragmas, IntegrityReport, BackupReport } from './store.js';
export { resolveHome, databaseFileIn, DATABASE_FILE_NAME } from './paths.js';
export type { ResolveHomeOptions } from './paths.js';
export { SynchronousMode, DEFAULT_BUSY_TIMEOUT_MS, useNativeSqliteBinding } from './database.js';
export type { OpenDatabaseOptions } from './database.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations/index.js';
export type { Migration } from './migrations/index.js';
export type { MigrationResult } from './migrate.js';
export { Ledger } from './types.js';
export type { OrderSide, PositionSide, MarginMode } from './types.js';
export { OrderState, OPEN_ORDER_STATES, ORDER_TRANSITIONS, canTransition } from './repositories/orderStates.js';
export type { CandleRow, SeriesKey, CandleRangeQuery, SeriesSummary, CandleRepository } from './repositories/candles.js';
export type { NewSignal, StoredSignal, SignalQuery, SignalPayloadRow, SelectedSignalKey, SignalRepository } from './repositories/signals.js';
export type { StoredLabel, LabelOutcome, PendingLabelRow, LabelRepository } from './repositories/labels.js';
export type {
  OrderIntent,
  StoredOrder,
  OrderType,
  OrderPurpose,
  OrderProgress,
  TransitionOptions,
  OrderTransition,
  OrderFilter,
  OrderRepository,
} from './repositories/orders.js';
export type { Fill, FillRepository } from './repositories/fills.js';
export type { StoredPosition, PositionRepository } from './repositories/positions.js';
export type { AccountSnapshot, StoredAccountSnapshot, AccountSnapshotRepository } from './repositories/accountSnapshots.js';
export type { SettingsRepository } from './repositories/settings.js';
export type { Watchlist, WatchlistRepository } from './repositories/watchlists.js';
export type { StoredDrawing, DrawingRepository } from './repositories/drawings.js';
export type { BanditSnapshot, BanditStateRepository } from './repositories/bandit.js';
export type { NewEvent, StoredEvent, EventQuery, EventSearch, EventLogRepository } from './repositories/events.js';
export type { NewWebhookReceipt, WebhookReceipt, WebhookReceiptStatus, WebhookAction, WebhookClaim, WebhookReceiptRepository } from './repositories/webhookReceipts.js';
export { acquireHomeLock, readHomeLockHolder, HOME_LOCK_HOLDER_FILE } from './homeLock.js';
export type { HomeLock, HomeLockHolder, AcquireHomeLockOptions } from './homeLock.js';
