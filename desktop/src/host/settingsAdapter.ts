import {
  AlertSinksConfigSchema,
  EdgeGateConfigSchema,
  TpSlConfigSchema,
  type TpSlConfig,
  InvalidInputError,
  ladderFromPyramidLevels,
  mergeLayers,
  PyramidLadderSchema,
  pyramidLevelsFromLadder,
  type PyramidLadder,
  RiskConfigSchema,
  UniverseConfigSchema,
  zodIssuesToFieldIssues,
  type EdgeGateConfig,
  type FieldIssue,
  type PerpscopeConfig,
  type RiskConfig,
} from '@perpscope/sdk';
import type { SettingFieldView, SettingsView } from '@perpscope/shared';
import type { SettingsPort } from './ports.js';
import type { SettingsRepositoryLike } from './profilesAdapter.js';

/** Store key of the settings edited in the UI: `{ universe?: {...}, risk?: { gates?, sizing? }, autotrade?: { edge?, tpsl?, pyramid? }, alerts?: { sinks?: { desktop?: { enabled } } } }`. */
export const SETTINGS_KEY = 'desktop.settings';

type Value = SettingFieldView['value'];
type Overrides = Record<string, unknown>;

interface FieldSpec {
  path: string;
  group: SettingFieldView['group'];
  label: string;
  kind: SettingFieldView['kind'];
  min?: number;
  max?: number;
  options?: readonly string[];
  unit?: string;
  help?: string;
}

const RESTART = 'Applies to the scanned universe when the engine restarts.';
const NEW_POSITIONS = 'Applies to new positions; open ones keep the plan they were opened with.';
const PYRAMID = 'Applies at once, to the next add of open positions too (adds already made stay). Saving any pyramiding field replaces autotrade.pyramidLevels from config.json with this ladder.';

/** The editable settings. Bounds mirror the sdk schemas, which remain the validators. */
const FIELDS: readonly FieldSpec[] = [
  { path: 'universe.minQuoteVolumeUsd', group: 'universe', label: 'Min 24h quote volume', kind: 'number', min: 0, unit: 'USD', help: RESTART },
  { path: 'universe.minPrice', group: 'universe', label: 'Min price', kind: 'number', min: 0, unit: 'USD', help: RESTART },
  { path: 'universe.maxSpreadBps', group: 'universe', label: 'Max spread', kind: 'number', min: 0, unit: 'bps', help: RESTART },
  { path: 'universe.topN', group: 'universe', label: 'Max symbols', kind: 'integer', min: 1, help: RESTART },
  { path: 'universe.blueChipOnly', group: 'universe', label: 'Blue chips only', kind: 'boolean', help: RESTART },
  { path: 'risk.gates.minScore', group: 'gates', label: 'Min signal score', kind: 'number' },
  { path: 'risk.gates.minProbability', group: 'gates', label: 'Min signal probability', kind: 'number', min: 0, max: 1 },
  { path: 'risk.gates.minQuoteVolume24hUsd', group: 'gates', label: 'Min 24h volume to trade', kind: 'number', min: 0, unit: 'USD' },
  { path: 'risk.gates.cooldownMs', group: 'gates', label: 'Cooldown per symbol', kind: 'integer', min: 0, unit: 'ms' },
  { path: 'risk.gates.maxPositions', group: 'risk', label: 'Max open positions', kind: 'integer', min: 1 },
  { path: 'risk.gates.maxExposureUsd', group: 'risk', label: 'Max total exposure', kind: 'number', min: 0, unit: 'USD' },
  { path: 'risk.gates.singlePositionPerSymbol', group: 'risk', label: 'One position per symbol', kind: 'boolean' },
  { path: 'risk.gates.dailyLossLimitPct', group: 'risk', label: 'Daily loss limit', kind: 'number', min: 0, max: 100, unit: '%', help: 'Empty disables the limit.' },
  { path: 'risk.gates.maxManipScore', group: 'risk', label: 'Max manipulation score to enter', kind: 'number', min: 0, max: 100, help: 'Empty disables the gate.' },
  { path: 'risk.gates.structuralResetAtr', group: 'gates', label: 'Re-entry after a move of', kind: 'number', min: 0, max: 50, unit: 'ATR', help: 'Structural reset: another auto-trader entry in the same direction on a symbol waits until the price has moved this far from the last entry. Empty: off. Applies at once.' },
  { path: 'risk.gates.maxSymbolNotionalUsd', group: 'risk', label: 'Max notional per symbol', kind: 'number', min: 0, unit: 'USD', help: 'Position plus the new order, pyramid adds included. Empty: only the total exposure cap.' },
  { path: 'risk.gates.fundingAvoidWindowMs', group: 'gates', label: 'No entry before paying funding', kind: 'integer', min: 0, unit: 'ms', help: 'Entries this close to a funding settlement the position would pay are refused. 0 turns it off.' },
  { path: 'risk.gates.fundingAvoidMinRatePct', group: 'gates', label: 'Funding that counts as paying', kind: 'number', min: 0, unit: '%', help: 'Per interval; 0: any adverse funding.' },
  { path: 'risk.gates.minTradesPerMin', group: 'gates', label: 'Min trades per minute', kind: 'number', min: 0, help: 'Live tape of the auto-trader\'s entries. Empty disables the floor.' },
  { path: 'risk.gates.minNotionalPerMinUsd', group: 'gates', label: 'Min traded notional per minute', kind: 'number', min: 0, unit: 'USD', help: 'Empty disables the floor.' },
  { path: 'risk.gates.minDepthUsd', group: 'gates', label: 'Min book depth within 50 bps', kind: 'number', min: 0, unit: 'USD', help: 'Both sides together. Empty disables the floor.' },
  { path: 'risk.sizing.mode', group: 'sizing', label: 'Sizing mode', kind: 'enum', options: ['fixed', 'risk_pct', 'dynamic'] },
  { path: 'risk.sizing.fixedNotionalUsd', group: 'sizing', label: 'Notional per trade', kind: 'number', min: 0, unit: 'USD' },
  { path: 'risk.sizing.riskPct', group: 'sizing', label: 'Equity risked per trade', kind: 'number', min: 0, max: 100, unit: '%', help: 'Used in risk_pct mode.' },
  { path: 'risk.sizing.atrStopMult', group: 'sizing', label: 'Default stop distance', kind: 'number', min: 0, unit: 'ATR' },
  { path: 'risk.sizing.leverage', group: 'sizing', label: 'Leverage', kind: 'number', min: 1, max: 125, unit: 'x' },
  { path: 'risk.sizing.marginMode', group: 'sizing', label: 'Margin mode', kind: 'enum', options: ['cross', 'isolated'] },
  { path: 'risk.sizing.maxManualNotionalUsd', group: 'sizing', label: 'Largest manual ticket', kind: 'number', min: 0, unit: 'USD', help: 'Tickets are sized as asked, apart from the auto-trader sizing, up to this. Exposure and balance gates still apply.' },
  { path: 'risk.sizing.minMarginUsd', group: 'sizing', label: 'Min initial margin', kind: 'number', min: 0, unit: 'USD' },
  {
    path: 'autotrade.edge.require',
    group: 'gates',
    label: 'Auto-trade only signals with edge',
    kind: 'boolean',
    help: 'On: the auto-trader takes only signals whose strategy showed an edge after costs out of sample, plus the strategies named in autotrade.edge.overrides (config.json). Off: every signal the risk gates pass is traded. Applies at once.',
  },
  { path: 'autotrade.tpsl.mode', group: 'protection', label: 'Stop and target placement', kind: 'enum', options: ['atr', 'bps', 'level_atr'], help: `ATR multiples, fixed bps, or beyond the signal's structural level. ${NEW_POSITIONS}` },
  { path: 'autotrade.tpsl.slAtrMult', group: 'protection', label: 'Stop distance', kind: 'number', min: 0, unit: 'ATR', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.tp1AtrMult', group: 'protection', label: 'First target', kind: 'number', min: 0, unit: 'ATR', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.tp2AtrMult', group: 'protection', label: 'Second target', kind: 'number', min: 0, unit: 'ATR', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.slBps', group: 'protection', label: 'Stop distance (bps mode)', kind: 'number', min: 0, unit: 'bps', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.tp1Bps', group: 'protection', label: 'First target (bps mode)', kind: 'number', min: 0, unit: 'bps', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.tp2Bps', group: 'protection', label: 'Second target (bps mode)', kind: 'number', min: 0, unit: 'bps', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.levelBufferBps', group: 'protection', label: 'Stop beyond the level', kind: 'number', min: 0, unit: 'bps', help: `level_atr mode. ${NEW_POSITIONS}` },
  { path: 'autotrade.tpsl.scaleOut1', group: 'protection', label: 'Closed at the first target', kind: 'number', min: 0, max: 1, help: `Fraction of the position. ${NEW_POSITIONS}` },
  { path: 'autotrade.tpsl.breakEvenAfterR', group: 'protection', label: 'Break-even after', kind: 'number', min: 0, unit: 'R', help: `Empty: never. ${NEW_POSITIONS}` },
  { path: 'autotrade.tpsl.breakEvenBufferBps', group: 'protection', label: 'Break-even buffer', kind: 'number', min: 0, unit: 'bps', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.trailing.mode', group: 'protection', label: 'Trailing stop', kind: 'enum', options: ['off', 'atr', 'bps'], help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.trailing.atrMult', group: 'protection', label: 'Trailing distance', kind: 'number', min: 0, unit: 'ATR', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.trailing.bps', group: 'protection', label: 'Trailing distance (bps mode)', kind: 'number', min: 0, unit: 'bps', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.trailing.minStepBps', group: 'protection', label: 'Smallest trailing move', kind: 'number', min: 0, unit: 'bps', help: NEW_POSITIONS },
  { path: 'autotrade.tpsl.trailing.minAmendIntervalMs', group: 'protection', label: 'Time between trailing amends', kind: 'integer', min: 0, unit: 'ms', help: NEW_POSITIONS },
  { path: 'autotrade.pyramid.adds', group: 'sizing', label: 'Pyramid adds', kind: 'integer', min: 0, max: 10, help: `Adds to a winning auto-trader position; 0 turns pyramiding off. ${PYRAMID}` },
  { path: 'autotrade.pyramid.firstAtR', group: 'sizing', label: 'First add after', kind: 'number', min: 0, max: 100, unit: 'R', help: `Favourable move, in multiples of the initial stop distance. ${PYRAMID}` },
  { path: 'autotrade.pyramid.spacingR', group: 'sizing', label: 'Spacing between adds', kind: 'number', min: 0, max: 100, unit: 'R', help: PYRAMID },
  { path: 'autotrade.pyramid.firstFraction', group: 'sizing', label: 'First add size', kind: 'number', min: 0, max: 1, help: `Fraction of the initial position. ${PYRAMID}` },
  { path: 'autotrade.pyramid.sizeDecay', group: 'sizing', label: 'Size decay per add', kind: 'number', min: 0, max: 1, help: `Each further add is this fraction of the one before; 1: all the same size. ${PYRAMID}` },
];
const FIELD_PATHS = new Set(FIELDS.map((f) => f.path));

/**
 * The host's OS-notification alert sink (`alerts.sinks.desktop.enabled`), offered only by a shell
 * that can show OS notifications; the remote sinks keep their secrets in the keychain and their
 * switches in config.json.
 */
const DESKTOP_ALERTS_PATH = 'alerts.sinks.desktop.enabled';
const DESKTOP_ALERTS_FIELD: FieldSpec = {
  path: DESKTOP_ALERTS_PATH,
  group: 'general',
  label: 'Alerts as OS notifications',
  kind: 'boolean',
  help: 'Every alert the rules pass (docs/alerts.md) also shows as a notification of the operating system while the app runs. Applies at once.',
};
const DESKTOP_ALERTS_DEFAULT = AlertSinksConfigSchema.parse({}).desktop.enabled;

const isObject = (v: unknown): v is Overrides => typeof v === 'object' && v !== null && !Array.isArray(v);

function getAt(root: unknown, path: string): unknown {
  let node = root;
  for (const seg of path.split('.')) node = isObject(node) ? node[seg] : undefined;
  return node;
}

function setAt(root: Overrides, path: string, value: unknown): void {
  const segs = path.split('.');
  let node = root;
  for (const seg of segs.slice(0, -1)) {
    const next = node[seg];
    node = isObject(next) ? next : (node[seg] = {});
  }
  node[segs[segs.length - 1]!] = value;
}

const render = (v: unknown): string => (v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v)));

export interface SettingsAdapterOptions {
  settings: SettingsRepositoryLike;
  nowMs: () => number;
  /** The universe settings this run started with (file, env and saved overrides merged). */
  universe: PerpscopeConfig['universe'];
  /** The risk settings from config.json and env; the saved overrides apply on top. Defaults when absent. */
  risk?: PerpscopeConfig['risk'];
  /** The ranking profile switch (`profile` field). */
  profiles: { active(): string; names(): string[]; apply(name: string): void };
  /** Called with the new risk config after a change, e.g. to update a RiskPolicy. */
  onRiskChange?: (risk: RiskConfig) => void;
  /** The edge gate from config.json and env (`autotrade.edge`); the saved overrides apply on top. Defaults when absent. */
  edge?: PerpscopeConfig['autotrade']['edge'];
  /** Called with the new edge gate after a change, e.g. to update the AutoTrader. */
  onEdgeChange?: (edge: EdgeGateConfig) => void;
  /** TP/SL, break-even and trailing from config.json and env (`autotrade.tpsl`); the saved overrides apply on top. */
  tpsl?: PerpscopeConfig['autotrade']['tpsl'];
  /** Called with the new TP/SL settings after a change: new positions use them. */
  onTpslChange?: (tpsl: TpSlConfig) => void;
  /** Pyramid levels from config.json and env (`autotrade.pyramidLevels`); a saved ladder replaces them. */
  pyramidLevels?: PerpscopeConfig['autotrade']['pyramidLevels'];
  /** Called with the new pyramid levels after a change, e.g. to update the AutoTrader. */
  onPyramidChange?: (levels: PerpscopeConfig['autotrade']['pyramidLevels']) => void;
  /**
   * The desktop alert sink as configured (`alerts.sinks.desktop.enabled`); the saved override
   * applies on top. Absent: the shell shows no OS notifications and the field is not offered.
   */
  desktopAlerts?: boolean;
  /** Called with the desktop alert sink's new state after a change. */
  onDesktopAlertsChange?: (enabled: boolean) => void;
}

export interface SettingsAdapter {
  port: SettingsPort;
  /** The risk config, defaults filled in with the saved overrides. */
  risk(): RiskConfig;
  /** The AutoTrader's edge gate, defaults filled in with the saved overrides. */
  edge(): EdgeGateConfig;
  /** The AutoTrader's TP/SL, break-even and trailing settings with the saved overrides. */
  tpsl(): TpSlConfig;
  /** The AutoTrader's pyramid levels: the saved ladder's, else the configured ones. */
  pyramidLevels(): PerpscopeConfig['autotrade']['pyramidLevels'];
  /** Whether alerts show as OS notifications: the saved choice, else the configured one; undefined when not offered. */
  desktopAlerts(): boolean | undefined;
}

/** The saved desktop alert switch, when one of the right type is stored. */
function savedDesktopAlerts(overrides: Overrides): boolean | undefined {
  const saved = getAt(overrides, DESKTOP_ALERTS_PATH);
  return typeof saved === 'boolean' ? saved : undefined;
}

/**
 * Each field's schema default (no config file, no saved edit), for the form's help text and its
 * reset; a field whose schema has no default for it (an optional gate) defaults to empty.
 */
function schemaDefaults(): Map<string, Value> {
  const parsed = (schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }): unknown => {
    const r = schema.safeParse({});
    return r.success ? r.data : undefined;
  };
  const root = {
    universe: parsed(UniverseConfigSchema),
    risk: parsed(RiskConfigSchema),
    autotrade: { edge: parsed(EdgeGateConfigSchema), tpsl: parsed(TpSlConfigSchema), pyramid: ladderFromPyramidLevels([]) },
  };
  const out = new Map<string, Value>();
  for (const f of FIELDS) {
    const v = getAt(root, f.path);
    if (v === undefined || v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out.set(f.path, v ?? null);
  }
  return out;
}

type ProbeSchema = { safeParse(v: unknown): { success: boolean; error?: { issues: readonly { code: string; path: readonly PropertyKey[] }[] } } };

/** The sdk schema that validates a field, and the input it is given for `value` at the field. */
function probeTarget(path: string): { schema: ProbeSchema; sub: string; base: Overrides } | null {
  if (path.startsWith('universe.')) return { schema: UniverseConfigSchema, sub: path.slice('universe.'.length), base: {} };
  if (path.startsWith('risk.')) return { schema: RiskConfigSchema, sub: path.slice('risk.'.length), base: {} };
  if (path.startsWith('autotrade.edge.')) return { schema: EdgeGateConfigSchema, sub: path.slice('autotrade.edge.'.length), base: {} };
  if (path.startsWith('autotrade.tpsl.')) return { schema: TpSlConfigSchema, sub: path.slice('autotrade.tpsl.'.length), base: {} };
  if (path.startsWith('autotrade.pyramid.')) return { schema: PyramidLadderSchema, sub: path.slice('autotrade.pyramid.'.length), base: ladderFromPyramidLevels([]) as unknown as Overrides };
  return null;
}

/** True when the field's schema refuses `bound` itself as too small (`code` too_small) or too big. */
function refusesBound(path: string, bound: number, code: 'too_small' | 'too_big'): boolean {
  const target = probeTarget(path);
  if (!target) return false;
  const input = structuredClone(target.base);
  setAt(input, target.sub, bound);
  const r = target.schema.safeParse(input);
  return !r.success && (r.error?.issues ?? []).some((i) => i.code === code && i.path.map(String).join('.') === target.sub);
}

/**
 * Whether each field's bounds are exclusive (`.positive()` refuses 0), asked of the sdk schemas
 * themselves, so the form's help says "greater than 0" exactly where the validator does.
 */
function exclusiveBounds(): Map<string, { minExclusive: boolean; maxExclusive: boolean }> {
  const out = new Map<string, { minExclusive: boolean; maxExclusive: boolean }>();
  for (const f of FIELDS) {
    out.set(f.path, {
      minExclusive: f.min !== undefined && refusesBound(f.path, f.min, 'too_small'),
      maxExclusive: f.max !== undefined && refusesBound(f.path, f.max, 'too_big'),
    });
  }
  return out;
}

/** The saved overrides, or an empty object when none (or garbage) is stored. */
export function savedOverrides(settings: SettingsRepositoryLike): Overrides {
  const raw = settings.get(SETTINGS_KEY);
  return isObject(raw) ? raw : {};
}

/** The saved risk overrides over the configured risk; the configured risk when they no longer parse. */
function parseRisk(overrides: Overrides, base: Overrides): RiskConfig {
  const parsed = RiskConfigSchema.safeParse(mergeLayers(base, isObject(overrides.risk) ? overrides.risk : {}));
  return parsed.success ? parsed.data : RiskConfigSchema.parse(base);
}

/** The auto-trader sections the form edits, each validated by its own sdk schema. */
const AUTOTRADE_SECTIONS = { edge: EdgeGateConfigSchema, tpsl: TpSlConfigSchema } as const;
type Section = keyof typeof AUTOTRADE_SECTIONS;

const savedSection = (overrides: Overrides, section: Section): Overrides => {
  const saved = getAt(overrides, `autotrade.${section}`);
  return isObject(saved) ? saved : {};
};

/** The saved overrides of an auto-trader section over the configured one; the configured one when they no longer parse. */
function parseSection<S extends Section>(section: S, overrides: Overrides, base: Overrides): ReturnType<(typeof AUTOTRADE_SECTIONS)[S]['parse']> {
  const schema = AUTOTRADE_SECTIONS[section];
  const parsed = schema.safeParse(mergeLayers(base, savedSection(overrides, section)));
  return (parsed.success ? parsed.data : schema.parse(base)) as ReturnType<(typeof AUTOTRADE_SECTIONS)[S]['parse']>;
}

/** The saved pyramid ladder fields over the one the configured levels stand for; null when none is saved or it no longer parses. */
function savedLadder(overrides: Overrides, base: PyramidLadder): PyramidLadder | null {
  const saved = getAt(overrides, 'autotrade.pyramid');
  if (!isObject(saved)) return null;
  const parsed = PyramidLadderSchema.safeParse(mergeLayers(base, saved));
  return parsed.success ? parsed.data : null;
}

/**
 * `settings.get/set`: universe gates, the ranking profile, risk gates and sizing, the auto-trader's edge gate, described as
 * fields for a generic form. Values are validated with the sdk's own schemas (every bad path is
 * reported at once) and saved in the settings store only when all of them are valid.
 */
export function createSettingsAdapter(o: SettingsAdapterOptions): SettingsAdapter {
  let overrides = savedOverrides(o.settings);
  const baseRisk: Overrides = o.risk ? structuredClone(o.risk) : {};
  let risk = parseRisk(overrides, baseRisk);
  const base: Record<Section, Overrides> = { edge: o.edge ? structuredClone(o.edge) : {}, tpsl: o.tpsl ? structuredClone(o.tpsl) : {} };
  const sections = { edge: parseSection('edge', overrides, base.edge), tpsl: parseSection('tpsl', overrides, base.tpsl) };
  const configLevels = structuredClone(o.pyramidLevels ?? []);
  const baseLadder = ladderFromPyramidLevels(configLevels);
  let ladder = savedLadder(overrides, baseLadder);
  const levelsOf = (l: PyramidLadder | null) => (l ? pyramidLevelsFromLadder(l) : structuredClone(configLevels));
  const defaults = schemaDefaults();
  const exclusive = exclusiveBounds();
  const desktopAlertsOffered = o.desktopAlerts !== undefined;
  const desktopAlerts = (from: Overrides): boolean | undefined => (desktopAlertsOffered ? (savedDesktopAlerts(from) ?? o.desktopAlerts) : undefined);
  const fieldSpecs = desktopAlertsOffered ? [...FIELDS, DESKTOP_ALERTS_FIELD] : FIELDS;

  function current(path: string): Value {
    if (path === DESKTOP_ALERTS_PATH) return desktopAlerts(overrides) ?? null;
    if (path.startsWith('universe.')) {
      const saved = getAt(overrides, path);
      return (saved ?? getAt({ universe: o.universe }, path) ?? null) as Value;
    }
    if (path.startsWith('autotrade.pyramid.')) return (getAt({ autotrade: { pyramid: ladder ?? baseLadder } }, path) ?? null) as Value;
    if (path.startsWith('autotrade.')) return (getAt({ autotrade: sections }, path) ?? null) as Value;
    return (getAt({ risk }, path) ?? null) as Value;
  }

  function view(): SettingsView {
    const fields: SettingFieldView[] = [
      { path: 'profile', group: 'ranking', label: 'Ranking profile', kind: 'enum', value: o.profiles.active(), min: null, max: null, options: o.profiles.names(), unit: null, help: 'Applies at once.' },
      ...fieldSpecs.map((f) => ({
        path: f.path,
        group: f.group,
        label: f.label,
        kind: f.kind,
        value: current(f.path),
        min: f.min ?? null,
        max: f.max ?? null,
        options: f.options ? [...f.options] : null,
        unit: f.unit ?? null,
        help: f.help ?? null,
        ...(defaults.has(f.path) ? { defaultValue: defaults.get(f.path)! } : {}),
        ...(f.path === DESKTOP_ALERTS_PATH ? { defaultValue: DESKTOP_ALERTS_DEFAULT, minExclusive: false, maxExclusive: false } : {}),
        ...exclusive.get(f.path),
      })),
    ];
    return { fields };
  }

  function set(values: Record<string, Value>): SettingsView {
    const issues: FieldIssue[] = [];
    const next = structuredClone(overrides);
    let profile: string | undefined;
    for (const [path, value] of Object.entries(values)) {
      if (path === 'profile') {
        if (typeof value === 'string' && o.profiles.names().includes(value)) profile = value;
        else issues.push({ path, received: render(value), expected: `one of ${o.profiles.names().join(', ')}` });
      } else if (FIELD_PATHS.has(path)) {
        setAt(next, path, value);
      } else if (path === DESKTOP_ALERTS_PATH && desktopAlertsOffered) {
        if (typeof value === 'boolean') setAt(next, path, value);
        else issues.push({ path, received: render(value), expected: 'true or false' });
      } else {
        issues.push({ path, received: render(value), expected: 'a known setting path' });
      }
    }
    const universeInput = mergeLayers(o.universe, isObject(next.universe) ? next.universe : {});
    const universe = UniverseConfigSchema.safeParse(universeInput);
    if (!universe.success) {
      for (const i of zodIssuesToFieldIssues(universe.error, universeInput)) issues.push({ ...i, path: `universe.${i.path}` });
    }
    const riskInput = mergeLayers(baseRisk, isObject(next.risk) ? next.risk : {});
    const nextRisk = RiskConfigSchema.safeParse(riskInput);
    if (!nextRisk.success) {
      for (const i of zodIssuesToFieldIssues(nextRisk.error, riskInput)) issues.push({ ...i, path: `risk.${i.path}` });
    }
    const nextSections: Partial<{ [S in Section]: ReturnType<(typeof AUTOTRADE_SECTIONS)[S]['parse']> }> = {};
    for (const section of Object.keys(AUTOTRADE_SECTIONS) as Section[]) {
      const input = mergeLayers(base[section], savedSection(next, section));
      const parsed = AUTOTRADE_SECTIONS[section].safeParse(input);
      if (parsed.success) Object.assign(nextSections, { [section]: parsed.data });
      else for (const i of zodIssuesToFieldIssues(parsed.error, input)) issues.push({ ...i, path: `autotrade.${section}.${i.path}` });
    }
    const ladderInput = getAt(next, 'autotrade.pyramid');
    let nextLadder: PyramidLadder | null = null;
    if (isObject(ladderInput)) {
      const merged = mergeLayers(baseLadder, ladderInput);
      const parsed = PyramidLadderSchema.safeParse(merged);
      if (parsed.success) nextLadder = parsed.data;
      else for (const i of zodIssuesToFieldIssues(parsed.error, merged)) issues.push({ ...i, path: `autotrade.pyramid.${i.path}` });
    }
    if (issues.length > 0 || !nextRisk.success || !nextSections.edge || !nextSections.tpsl) throw new InvalidInputError('settings', issues);
    o.settings.set(SETTINGS_KEY, next, o.nowMs());
    const desktopAlertsBefore = desktopAlerts(overrides);
    overrides = next;
    const riskChanged = JSON.stringify(nextRisk.data) !== JSON.stringify(risk);
    risk = nextRisk.data;
    if (riskChanged) o.onRiskChange?.(risk);
    const edgeChanged = JSON.stringify(nextSections.edge) !== JSON.stringify(sections.edge);
    const tpslChanged = JSON.stringify(nextSections.tpsl) !== JSON.stringify(sections.tpsl);
    sections.edge = nextSections.edge;
    sections.tpsl = nextSections.tpsl;
    if (edgeChanged) o.onEdgeChange?.(sections.edge);
    if (tpslChanged) o.onTpslChange?.(sections.tpsl);
    const pyramidChanged = JSON.stringify(levelsOf(nextLadder)) !== JSON.stringify(levelsOf(ladder));
    ladder = nextLadder;
    if (pyramidChanged) o.onPyramidChange?.(levelsOf(ladder));
    const desktopAlertsNow = desktopAlerts(overrides);
    if (desktopAlertsNow !== undefined && desktopAlertsNow !== desktopAlertsBefore) o.onDesktopAlertsChange?.(desktopAlertsNow);
    if (profile !== undefined && profile !== o.profiles.active()) o.profiles.apply(profile);
    return view();
  }

  return {
    port: { get: view, set },
    risk: () => risk,
    edge: () => sections.edge,
    tpsl: () => sections.tpsl,
    pyramidLevels: () => levelsOf(ladder),
    desktopAlerts: () => desktopAlerts(overrides),
  };
}
