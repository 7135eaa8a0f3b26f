/**
 * What a profile makes of a delivery: the delivery's facts, the output rows, and the projector
 * that turns validated records into them.
 */
import type { Row, Value } from './validator';

/** One output row: a value (or null, written as empty / omitted) per output column. */
export type OutValue = Value | null;
export type OutRow = OutValue[];

export interface DeliveryContext {
  deliveryId: string;
  dataset: string;
  municipality: string;
  municipalityName: string;
  period: string;
  /** The delivery's number within its slot (1 for the first, whoever sent it): `{sequence}` in an AVID. */
  sequence: number;
  source: string;
  receivedAt: string;
}

/** A keyed pseudonymiser for one recipient: same input and key, same pseudonym. */
export interface Pseudonymiser {
  keyId: string;
  pseudonymise(value: string): string;
}

export interface MapperDeps {
  /** Resolves a profile's key reference to the key in force. */
  pseudonymiser(keyRef: string): Pseudonymiser;
}

/** Turns validated rows into output rows; an aggregate emits its rows only at the end. */
export interface Projector {
  push(rows: readonly Row[]): OutRow[];
  finish(): OutRow[];
  /** Records seen, records kept after filters, rows suppressed. */
  readonly stats: { seen: number; kept: number; suppressed: number };
}
