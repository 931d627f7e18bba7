/**
 * The scenario's random values: a seeded generator for what should repeat from run to run (the
 * fans' market choices, their scores), and fresh ids for what must not collide between runs.
 */
import { randomBytes } from 'node:crypto';

/** A small seeded generator, so a run can be repeated. */
export function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh id, as MongoDB's ObjectIds look. */
export const objectId = () => randomBytes(12).toString('hex');
