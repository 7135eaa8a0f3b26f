import type { CompiledProfile } from '../core/mapper';
import type { DeliveryContext } from '../core/projection';
import type { Row } from '../core/validator';
import type { ObjectStore } from '../stores/object-store';
import { ExtractBuilder } from './extract-builder';

/** One extract the intake is making: where it goes and under which names. */
export interface PlannedExtract {
  extractId: string;
  recipient: string;
  objectKey: string;
  entryName: string;
}

export interface FinishedExtract {
  sha256: string;
  bytes: number;
  records: number;
  contentType: string;
  stats: { seen: number; kept: number; suppressed: number };
}

/**
 * Every recipient's extract of one delivery, fed the delivery's valid rows as they come.
 * In this thread by default; a runtime may run it elsewhere (a worker thread on Node).
 */
export interface FanOut {
  open(): Promise<void>;
  push(rows: readonly Row[]): Promise<void>;
  finish(): Promise<Map<string, FinishedExtract>>;
  abort(): Promise<void>;
}

export interface FanOutRequest {
  profiles: readonly CompiledProfile[];
  ctx: DeliveryContext;
  extracts: readonly PlannedExtract[];
  /** The delivery's size when the request stated it: a runtime may keep small ones local. */
  bytesHint: number | null;
}

/** A runtime's way to fan out elsewhere; null means: do it in this thread. */
export type FanOutFactory = (req: FanOutRequest) => FanOut | null;

export function localFanOut(objects: ObjectStore, req: FanOutRequest): FanOut {
  const builders = req.extracts.map((e) => {
    const profile = req.profiles.find((p) => p.profile.recipient === e.recipient) as CompiledProfile;
    return { e, builder: new ExtractBuilder(profile, e.objectKey, req.ctx, e.entryName) };
  });
  return {
    async open() {
      for (const { builder } of builders) await builder.open(objects);
    },
    async push(rows) {
      await Promise.all(builders.map(({ builder }) => builder.push(rows)));
    },
    async finish() {
      const out = new Map<string, FinishedExtract>();
      for (const { e, builder } of builders) {
        const r = await builder.finish();
        out.set(e.extractId, {
          ...r,
          contentType: builder.contentType,
          stats: { ...builder.projector.stats },
        });
      }
      return out;
    },
    async abort() {
      await Promise.all(builders.map(({ builder }) => builder.abort().catch(() => {})));
    },
  };
}
