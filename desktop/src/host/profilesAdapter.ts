import { DEFAULT_PROFILES, profileRegistryFromJson, type Logger, type ProfileRegistry, type ProfileWeights } from '@perpscope/sdk';
import type { ProfilesView } from '@perpscope/shared';
import type { ProfilesPort } from './ports.js';

/** Store keys: the active profile name, and the weights of every profile the user edited. */
export const ACTIVE_PROFILE_KEY = 'ranking.activeProfile';
export const EDITED_PROFILES_KEY = 'ranking.profiles';

/** The store's settings repository, as the adapters use it. */
export interface SettingsRepositoryLike {
  get(key: string): unknown;
  set(key: string, value: unknown, nowMs: number): void;
}

/** The engine's ranking profile surface: the ranker's registry (after start) and the hot switch. */
export interface ProfileEngine {
  analyzer(): { ranker: { profiles: ProfileRegistry } } | undefined;
  setProfile(name: string): void;
}

export interface ProfilesAdapterOptions {
  engine: ProfileEngine;
  settings: SettingsRepositoryLike;
  nowMs: () => number;
  /** The configured profile, used when none was saved. */
  defaultProfile: string;
  logger: Logger;
  /** Called after every apply, e.g. to push a fresh ranking. */
  onApplied?: () => void;
}

export interface ProfilesAdapter {
  port: ProfilesPort;
  /** The active profile name. */
  active(): string;
  /** Profile names known now. */
  names(): string[];
  /** Copies saved edits into the engine's registry and activates the saved profile; idempotent. */
  restore(): void;
}

function isBuiltin(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(DEFAULT_PROFILES, name);
}

/** The saved active profile when it is a built-in one (custom ones exist only after `restore`). */
export function savedBuiltinProfile(settings: SettingsRepositoryLike): string | undefined {
  const saved = settings.get(ACTIVE_PROFILE_KEY);
  return typeof saved === 'string' && isBuiltin(saved) ? saved : undefined;
}

/**
 * Ranking profiles over the engine's ProfileRegistry, persisted in the settings store so edited
 * weights and the active profile survive a restart. Before the engine has started, a registry
 * built from the saved edits stands in; `restore` hands its state to the engine.
 */
export function createProfilesAdapter(o: ProfilesAdapterOptions): ProfilesAdapter {
  const log = o.logger.child({ component: 'profiles' });
  const edited: Record<string, ProfileWeights> = {};
  const savedEdits = o.settings.get(EDITED_PROFILES_KEY);
  let standIn: ProfileRegistry;
  try {
    standIn = profileRegistryFromJson(savedEdits ?? {});
    Object.assign(edited, savedEdits ?? {});
  } catch (e) {
    log.warn({ err: e instanceof Error ? e.message : String(e) }, 'saved ranking profiles are invalid; using the defaults');
    standIn = profileRegistryFromJson({});
  }
  const savedActive = o.settings.get(ACTIVE_PROFILE_KEY);
  let active = typeof savedActive === 'string' && standIn.has(savedActive) ? savedActive : o.defaultProfile;
  let restored = false;

  const registry = (): ProfileRegistry => o.engine.analyzer()?.ranker.profiles ?? standIn;

  function restore(): void {
    const real = o.engine.analyzer()?.ranker.profiles;
    if (restored || !real) return;
    restored = true;
    for (const [name, weights] of Object.entries(edited)) {
      try {
        real.apply(name, weights);
      } catch (e) {
        log.warn({ profile: name, err: e instanceof Error ? e.message : String(e) }, 'saved profile no longer valid; skipped');
      }
    }
    if (!real.has(active)) active = o.defaultProfile;
    o.engine.setProfile(active);
  }

  function view(): ProfilesView {
    const reg = registry();
    return { active, profiles: reg.names().map((name) => ({ name, weights: { ...reg.get(name) }, builtin: isBuiltin(name) })) };
  }

  return {
    active: () => active,
    names: () => registry().names(),
    restore,
    port: {
      list: view,
      apply(name, weights) {
        const reg = registry();
        const nowMs = o.nowMs();
        if (weights) {
          // Validates and swaps atomically; a bad weight throws InvalidInputError naming it.
          edited[name] = reg.apply(name, weights);
          o.settings.set(EDITED_PROFILES_KEY, edited, nowMs);
        } else {
          reg.get(name);
        }
        if (reg !== standIn) o.engine.setProfile(name);
        active = name;
        o.settings.set(ACTIVE_PROFILE_KEY, name, nowMs);
        o.onApplied?.();
        return view();
      },
    },
  };
}
