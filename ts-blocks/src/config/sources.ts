/** Where settings come from (Mage Secrets first, then the environment) and how their problems are reported. */
import { ConfigError } from '../core/errors';
import { isAbsent } from './coerce';

export interface SettingsSources {
  /** Mage Secrets (the block input); wins over env. */
  readonly secrets?: Readonly<Record<string, string | undefined>>;
  /** Process environment (the CLI, after dotenv-safe). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Returns a setting's trimmed value, or undefined when absent or blank. */
export type Lookup = (name: string) => string | undefined;

export function lookupFrom(sources: SettingsSources): Lookup {
  return (name) => {
    for (const source of [sources.secrets, sources.env]) {
      const value = source?.[name];
      if (!isAbsent(value)) return String(value).trim();
    }
    return undefined;
  };
}

/** One ConfigError naming every missing and invalid setting (names only, never values). */
export function settingsError(missing: readonly string[], problems: readonly string[]): ConfigError {
  const parts = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')} (set them in Mage Secrets, the environment or .env)`] : []),
    ...problems,
  ];
  return new ConfigError(`Invalid configuration: ${parts.join('; ')}.`, {
    code: missing.length > 0 ? 'CONFIG_MISSING_SECRET' : 'CONFIG_INVALID_SETTING',
    context: { missing: [...missing], problems: [...problems] },
  });
}

export function throwIfProblems(missing: readonly string[], problems: readonly string[]): void {
  if (missing.length > 0 || problems.length > 0) throw settingsError(missing, problems);
}
