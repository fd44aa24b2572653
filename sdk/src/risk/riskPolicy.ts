import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { RiskRejectedError } from '../core/errors.js';
import type { RiskConfig } from './config.js';
import { rollDailyAnchor } from './dailyAnchor.js';
import { balanceGate, cooldownGate, dailyLossGate, exposureGate, fundingGate, killSwitchGate, orderFlowGate, positionGates, signalGates, structuralResetGate, symbolNotionalGate } from './gates.js';
import { sizeEntry } from './sizing.js';
import {
  RiskRejectReason,
  type DailyAnchor,
  type RiskAccountState,
  type RiskDecision,
  type RiskExitDecision,
  type RiskExitRequest,
  type RiskOrderRequest,
  type RiskRejection,
} from './types.js';

export interface RiskPolicyDeps {
  clock: Clock;
  /** The kill switch outside the config: the `.panic` file (see `panicFileCheck`), API, UI. */
  isKillSwitchOn?: () => boolean;
  /** The anchor persisted by a previous run, so a restart does not reset the day's loss. */
  initialAnchor?: DailyAnchor | null;
  /** Called when a new day's anchor is taken, for persisting it. */
  onAnchor?: (anchor: DailyAnchor) => void;
}

/**
 * Every order, paper or live, passes here. Entries go through the gates in a fixed order (kill
 * switch, daily loss, signal quality, funding window, order flow, cooldown, positions, sizing,
 * per-symbol cap, exposure, balance) and the first failing gate decides; exits only need a
 * position to reduce. Pure apart from the daily anchor it keeps, and it never throws on a
 * refusal: it returns `{ ok: false, reason, details }`.
 *
 * @example
 * const policy = new RiskPolicy(RiskConfigSchema.parse(userConfig.risk), { clock, isKillSwitchOn: panicFileCheck(home) });
 * const decision = policy.evaluateEntry(request, account);
 * if (!decision.ok) log.info(decision.reason, decision.details);
 */
export class RiskPolicy {
  private anchor: DailyAnchor | null;

  constructor(
    readonly config: RiskConfig,
    private readonly deps: RiskPolicyDeps,
  ) {
    this.anchor = deps.initialAnchor ?? null;
  }

  /** Decides whether to open (or pyramid into) a position, and sizes it. */
  evaluateEntry(req: RiskOrderRequest, account: RiskAccountState): RiskDecision {
    if (!Number.isFinite(account.equityUsd) || account.equityUsd < 0) {
      // Checked before the anchor rolls: a bad reading must not become the day's anchor.
      return {
        ok: false,
        reason: RiskRejectReason.InvalidOrder,
        message: `Order refused: account equity is ${String(account.equityUsd)}, expected a finite amount >= 0`,
        details: { field: 'equityUsd', received: account.equityUsd, expected: 'a finite amount >= 0' },
      };
    }
    const nowMs = this.deps.clock.nowMs();
    const anchor = this.rollAnchor(nowMs, account.equityUsd);
    const gates = this.config.gates;
    const pyramid = req.intent === 'pyramid';

    const early =
      killSwitchGate(gates, this.deps.isKillSwitchOn?.() ?? false) ??
      dailyLossGate(gates, anchor, account.equityUsd) ??
      signalGates(gates, req) ??
      fundingGate(gates, req, nowMs) ??
      orderFlowGate(gates, req) ??
      (pyramid ? pyramidGate(req, account) : (cooldownGate(gates, req.symbol, account, nowMs) ?? positionGates(gates, req.symbol, account) ?? structuralResetGate(gates, req)));
    if (early) return early;

    const sized = sizeEntry(this.config.sizing, req, account.equityUsd);
    if (!sized.ok) return sized;
    const late =
      symbolNotionalGate(gates, req.symbol, account, sized.sizing.notionalUsd) ??
      exposureGate(gates, account, sized.sizing.notionalUsd) ??
      balanceGate(this.config.sizing.checkBalance, account, sized.sizing.marginUsd);
    return late ?? sized;
  }

  /**
   * Checks a reduce-only order (stop, take-profit, exit, panic close). The kill switch and the
   * loss limit never block these: they reduce risk. It refuses an exit with no position behind it
   * (no stop without a position) or larger than the position.
   */
  evaluateExit(req: RiskExitRequest, account: RiskAccountState): RiskExitDecision {
    const position = account.openPositions.find((p) => p.symbol === req.symbol && p.side === req.positionSide);
    if (!position) {
      return {
        ok: false,
        reason: RiskRejectReason.NoPosition,
        message: `Exit refused: no ${req.positionSide} position on ${req.symbol}`,
        details: { symbol: req.symbol, positionSide: req.positionSide },
      };
    }
    if (position.sizeBase !== undefined && req.amountBase > position.sizeBase * (1 + 1e-9)) {
      return {
        ok: false,
        reason: RiskRejectReason.ExceedsPosition,
        message: `Exit refused: ${req.amountBase} exceeds the ${position.sizeBase} open on ${req.symbol}`,
        details: { symbol: req.symbol, amountBase: req.amountBase, positionSizeBase: position.sizeBase },
      };
    }
    return { ok: true };
  }

  /** The current daily equity anchor (null before the first check). */
  dailyAnchor(): DailyAnchor | null {
    return this.anchor;
  }

  private rollAnchor(nowMs: number, equityUsd: number): DailyAnchor {
    const next = rollDailyAnchor(this.anchor, nowMs, equityUsd);
    if (next !== this.anchor) {
      this.anchor = next;
      this.deps.onAnchor?.(next);
    }
    return next;
  }
}

function pyramidGate(req: RiskOrderRequest, account: RiskAccountState): RiskRejection | null {
  const existing = account.openPositions.find((p) => p.symbol === req.symbol && p.side === req.side);
  if (existing) return null;
  return {
    ok: false,
    reason: RiskRejectReason.NoPosition,
    message: `Order refused: pyramiding needs an open ${req.side} position on ${req.symbol}`,
    details: { symbol: req.symbol, side: req.side },
  };
}

/** The rejection as a throwable error, for callers that surface refusals as errors (RPC, CLI). */
export function riskRejectionError(rejection: RiskRejection): RiskRejectedError {
  const code = rejection.reason === RiskRejectReason.KillSwitch ? ErrorCode.KillSwitchActive : ErrorCode.RiskRejected;
  return new RiskRejectedError(code, rejection.message, { details: { reason: rejection.reason, ...rejection.details } });
}
