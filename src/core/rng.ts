/**
 * Counter-based random numbers: a draw is a pure function of
 * (seed, unit id, sample id, draw index), so results do not depend on batch
 * size, order or sharding.
 */

/** 32-bit FNV-1a of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function combine(a: number, b: number): number {
  return fmix32((a ^ Math.imul(b + 0x9e3779b9, 0x27d4eb2f)) >>> 0);
}

export class CounterRng {
  private readonly k0: number;
  private readonly k1: number;
  private counter = 0;

  constructor(seed: number, unit: string, sample: string) {
    const s = seed >>> 0;
    this.k0 = combine(combine(s, hashString(unit)), hashString(sample));
    this.k1 = combine(this.k0, 0x5bd1e995);
  }

  /** The `index`-th draw in [0, 1), with 53 random bits. */
  at(index: number): number {
    const hi = combine(this.k0, index) >>> 5; // 27 bits
    const lo = combine(this.k1, index) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Next uniform draw in [0, 1). */
  next(): number {
    return this.at(this.counter++);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * The `index`-th standard normal of the stream (Box-Muller on draws 2*index and 2*index + 1):
   * addressable, so a value never depends on how many were drawn before it.
   */
  normalAt(index: number): number {
    const u1 = 1 - this.at(2 * index);
    const u2 = this.at(2 * index + 1);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Standard normal (Box-Muller; uses two draws). */
  normal(): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

export function rngFor(seed: number, unit: string, sample: string): CounterRng {
  return new CounterRng(seed, unit, sample);
}
