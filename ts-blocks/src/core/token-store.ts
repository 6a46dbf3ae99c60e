/**
 * Where the refresh token lives. Intuit rotates refresh tokens: every value received must be persisted before
 * the next request, or the company has to be re-authorised. Two implementations:
 *  - block mode: the token is handed to the Mage bridge (a `token_rotated` event) and the block waits for the
 *    bridge's acknowledgement that it is stored in Mage Secrets (see blocks/harness.ts);
 *  - CLI mode: a 0600 token file that takes precedence over the configured value next time (auth/file-token-store.ts).
 */
export interface RefreshTokenStore {
  /** The refresh token to use now. */
  current(): string;
  /** Persists a newly issued refresh token; resolves only once it is durably stored. */
  save(newToken: string): Promise<void>;
}

/** An in-memory store (tests, benchmarks). */
export function memoryTokenStore(initial: string, onSave?: (token: string) => void): RefreshTokenStore {
  let token = initial;
  return {
    current: () => token,
    async save(newToken: string) {
      token = newToken;
      onSave?.(newToken);
    },
  };
}
