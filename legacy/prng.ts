// A small seeded PRNG, so one seed always yields the same legacy data on every machine and Node
// version (Math.random cannot be seeded). sfc32 (Chris Doty-Humphrey's Small Fast Counter):
// 128 bits of state, passes PractRand, 32-bit integer operations only. The state is expanded
// from the seed with splitmix32, and each part of the generator draws from its own stream, so
// adding a draw to one part does not reshuffle the others. Only + - * / touch the doubles
// (no Math.exp or **, whose last bits may differ between JavaScript engines), so the data does
// not change with the Node version either.

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of a stream name, to derive independent streams from one seed. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any safe integer; `stream` names an independent sequence for the same seed. */
  constructor(seed: number, stream = '') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    const mix = splitmix32(low ^ Math.imul(high, 0x9e3779b1) ^ hashName(stream));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.nextUint32(); // let the state diffuse
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** An index in [0, n), the first ones up to 4 times as likely as average (popular items, loyal customers). */
  skewedIndex(n: number): number {
    const r = this.next();
    return Math.min(n - 1, Math.floor(n * r * (0.25 + 0.75 * r)));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: [[value, weight], ...]; weights need not sum to 1. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of choices) {
      r -= weight;
      if (r < 0) return value;
    }
    return choices[choices.length - 1][0];
  }

  /** `count` distinct integers from [0, n), in the order drawn (partial Fisher-Yates). */
  sample(n: number, count: number): number[] {
    if (count > n) throw new RangeError(`cannot sample ${count} of ${n}`);
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      const chosen = pool[j];
      pool[j] = pool[i];
      pool[i] = chosen;
      out.push(chosen);
    }
    return out;
  }
}
