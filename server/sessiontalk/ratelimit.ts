// Token buckets for the provisioning endpoint, in memory (per instance; behind a load balancer each
// instance enforces its own share). Time comes from the injected clock, so tests can refill them.
export interface BucketSpec { capacity: number; perSecond: number }

export class Buckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private spec: BucketSpec, private now: () => number, private maxKeys = 100_000) {}

  private refill(key: string): { tokens: number; at: number } {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.spec.capacity, at: t };
      if (this.buckets.size >= this.maxKeys) this.prune(t);
      this.buckets.set(key, b);
    } else {
      // A clock that steps back refills nothing (and drains nothing).
      b.tokens = Math.min(this.spec.capacity, b.tokens + (Math.max(0, t - b.at) / 1000) * this.spec.perSecond);
      b.at = t;
    }
    return b;
  }

  /** Takes a token; false when the bucket is empty. */
  take(key: string): boolean {
    const b = this.refill(key);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Whether a token is left, without taking it. */
  has(key: string): boolean {
    return this.refill(key).tokens >= 1;
  }

  /** Seconds until one token is back. */
  retryAfter(key: string): number {
    const b = this.refill(key);
    return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / this.spec.perSecond);
  }

  private prune(t: number): void {
    // Full buckets carry no information: forget them first; if that is not enough, the oldest.
    for (const [k, b] of this.buckets) {
      if (b.tokens + (Math.max(0, t - b.at) / 1000) * this.spec.perSecond >= this.spec.capacity) this.buckets.delete(k);
    }
    while (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

export interface ProvisionLimits {
  /** Every request of one provisioning username (ext@realm): an app calls on each foreground. */
  perUser: BucketSpec;
  /**
   * Failed requests (bad request, unknown or expired code, unknown install) per source address. The
   * source is SessionCloud's servers, shared by every app, so only failures are counted: a flood of
   * guesses slows that source down without starving the installs that work.
   */
  perSourceFailures: BucketSpec;
}

export const DEFAULT_LIMITS: ProvisionLimits = {
  perUser: { capacity: 30, perSecond: 0.5 },
  perSourceFailures: { capacity: 300, perSecond: 5 },
};
